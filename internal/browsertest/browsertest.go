// Package browsertest runs a real headless Chromium for tests of pages
// escarp serves or writes (the HTML report, the dashboard, the threat
// model): it finds Debian's chromium, starts it with the flags this kind of
// machine needs, and skips the test with one line when no browser is there.
//
// It is a test helper: only _test.go files import it, so ordinary binaries
// never link chromedp.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// candidates are the browser binaries tried, in order, after
// $ESCARP_CHROMIUM.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the path of a Chromium binary: $ESCARP_CHROMIUM when set,
// else the first candidate on PATH. It returns "" when there is none.
func Find() string {
	if p := os.Getenv("ESCARP_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil { // #nosec G703 -- test helper: the browser path the developer set
			return p
		}
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for t and returns a browser context that
// is cancelled, with the browser closed, when the test ends (or after
// timeout, whichever is first). The test is skipped with one line when no
// browser is found (./test.sh installs Debian's chromium).
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	bin := Find()
	if bin == "" {
		t.Skip("browsertest: no chromium found (./test.sh installs Debian's chromium; or set ESCARP_CHROMIUM)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// This machine's network is closed: without these Chromium keeps
		// trying to reach Google's hosts.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root with its sandbox.
		opts = append(opts, chromedp.NoSandbox)
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	// Start the browser now, so a broken install fails here, clearly.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("browsertest: starting %s: %v", bin, err)
	}
	return bctx
}

// chromedp v0.23's actions are generic values: run one with
// chromedp.Run(ctx, action) for its result, several with chromedp.Do.

// Screenshot saves a full-page PNG of what ctx shows to path, creating its
// directory. Tests name where it went so a person can look at it.
func Screenshot(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	// Quality 100 asks for PNG; below it Chromium writes JPEG.
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("browsertest: screenshot %s", path)
}

// ScreenshotDir is where tests keep screenshots: $ESCARP_SCREENSHOTS when
// set (CI keeps them as artefacts), else a directory of t's.
func ScreenshotDir(t testing.TB) string {
	if d := os.Getenv("ESCARP_SCREENSHOTS"); d != "" {
		return d
	}
	return t.TempDir()
}
