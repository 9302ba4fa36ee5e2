package browsertest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestBrowserRendersAPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><h1 id="h">hello</h1><script>document.getElementById("h").dataset.js="ran"</script>`))
	}))
	defer srv.Close()
	ctx := New(t, time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text("#h"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := chromedp.Run(ctx, chromedp.AttributeValue("#h", "data-js"))
	if err != nil {
		t.Fatal(err)
	}
	if text != "hello" || js.Value != "ran" {
		t.Fatalf("text %q, data-js %q: the page did not render with its script", text, js.Value)
	}
	path := filepath.Join(ScreenshotDir(t), "browsertest.png")
	Screenshot(t, ctx, path)
	data, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
}
