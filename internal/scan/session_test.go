package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// testSession returns a session on a server running h, with cfg's
// defaults filled and every configured identity working.
func testSession(t *testing.T, h http.Handler, cfg Config) (*Session, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if cfg.Rate == 0 {
		cfg.Rate = -1
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	s, err := newSession(&escarp.API{}, u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	for name, a := range s.all {
		s.auths[name] = a
	}
	return s, srv
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// offScope is a server that must never be reached.
func offScope(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
	}))
	t.Cleanup(func() {
		srv.Close()
		if got := n.Load(); got != 0 {
			t.Errorf("the off-scope server received %d requests", got)
		}
	})
	return srv, &n
}

func TestDoScope(t *testing.T) {
	off, _ := offScope(t)
	s, _ := testSession(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect-off":
			http.Redirect(w, r, off.URL+"/stolen", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			fmt.Fprint(w, "ok "+r.URL.Path)
		}
	}), Config{})
	ctx := testCtx(t)
	for _, tc := range []struct {
		path       string
		wantErr    error
		wantStatus int
	}{
		{"/plain", nil, 200},
		{off.URL + "/x", check.ErrOutOfScope, 0},
		{"//" + strings.TrimPrefix(off.URL, "http://") + "/x", check.ErrOutOfScope, 0},
		{"/redirect-off", nil, 302},
		{"/loop", nil, 302},
		{"/../../etc/passwd", nil, 200},
		{"/%2e%2e/admin", nil, 200},
	} {
		resp, err := s.Do(ctx, &check.Request{Method: "GET", Path: tc.path})
		if !errors.Is(err, tc.wantErr) || (err == nil && resp.Status != tc.wantStatus) {
			t.Errorf("Do(%s) = %v, %v; want status %d, error %v", tc.path, resp, err, tc.wantStatus, tc.wantErr)
		}
	}
}

func TestDoBudgets(t *testing.T) {
	ctx := testCtx(t)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	s, _ := testSession(t, ok, Config{MaxRequests: 3})
	for i := 0; i < 3; i++ {
		if _, err := s.Do(ctx, &check.Request{Path: "/"}); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := s.Do(ctx, &check.Request{Path: "/"}); !errors.Is(err, check.ErrBudget) {
		t.Fatalf("4th request with a budget of 3: %v, want ErrBudget", err)
	}
	if got := s.Requests(); got != 3 {
		t.Errorf("Requests() = %d, want 3", got)
	}

	s, _ = testSession(t, ok, Config{MaxDuration: 50 * time.Millisecond})
	time.Sleep(60 * time.Millisecond)
	if _, err := s.Do(ctx, &check.Request{Path: "/"}); !errors.Is(err, check.ErrBudget) {
		t.Fatalf("request after the time budget: %v, want ErrBudget", err)
	}
}

func TestDoRate(t *testing.T) {
	ctx := testCtx(t)
	s, _ := testSession(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), Config{Rate: 20})
	start := time.Now()
	for i := 0; i < 11; i++ {
		if _, err := s.Do(ctx, &check.Request{Path: "/"}); err != nil {
			t.Fatal(err)
		}
	}
	// 11 requests at 20/s with a burst of 1 take at least 10 intervals.
	if d := time.Since(start); d < 450*time.Millisecond {
		t.Errorf("11 requests at 20 rps took %s, want >= 500ms", d)
	}
}

func TestDoHostileResponses(t *testing.T) {
	ctx := testCtx(t)
	s, _ := testSession(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/huge":
			chunk := strings.Repeat("A", 64<<10)
			for i := 0; i < 1024; i++ { // 64 MiB
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "/slow-body":
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "/huge-header":
			w.Header().Set("X-Big", strings.Repeat("h", 1<<20))
		}
	}), Config{Timeout: 300 * time.Millisecond, MaxBody: 1 << 20})

	resp, err := s.Do(ctx, &check.Request{Path: "/huge"})
	if err != nil || !resp.Truncated || len(resp.Body) != 1<<20 {
		t.Fatalf("huge body: err %v, truncated %v, %d bytes", err, resp != nil && resp.Truncated, len(resp.Body))
	}
	for _, p := range []string{"/slow", "/slow-body", "/huge-header"} {
		start := time.Now()
		resp, err := s.Do(ctx, &check.Request{Path: p})
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %s with a 300ms timeout", p, d)
		}
		if err == nil && p != "/slow-body" {
			t.Errorf("%s: no error (status %d)", p, resp.Status)
		}
	}
}

func TestDoMalformedHTTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				buf := make([]byte, 4096)
				_, _ = c.Read(buf)
				_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\x00\xff garbage\r\n\r\n"))
			}(c)
		}
	}()
	cfg, _ := Config{Rate: -1, Timeout: time.Second}.withDefaults()
	u, _ := url.Parse("http://" + ln.Addr().String())
	s, err := newSession(&escarp.API{}, u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if _, err := s.Do(testCtx(t), &check.Request{Path: "/"}); err == nil {
		t.Fatal("a garbage response was accepted")
	}
}

func TestDoRetryAfter(t *testing.T) {
	var n atomic.Int64
	s, _ := testSession(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, "ok")
	}), Config{})
	start := time.Now()
	resp, err := s.Do(testCtx(t), &check.Request{Path: "/"})
	if err != nil || resp.Status != 200 {
		t.Fatalf("after a 429: %v, %v", resp, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("Retry-After: 1 was not honoured (%s)", d)
	}
	// A Retry-After beyond the bound is not waited for.
	n.Store(0)
	s2, _ := testSession(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}), Config{})
	start = time.Now()
	resp, err = s2.Do(testCtx(t), &check.Request{Path: "/"})
	if err != nil || resp.Status != 429 || time.Since(start) > time.Second {
		t.Fatalf("Retry-After 3600: %v, %v after %s", resp, err, time.Since(start))
	}
	// Each 429 lowers the rate.
	if got := s2.edge.Stats().Rate; got != 50 {
		t.Errorf("rate after a 429 from an unthrottled scan: %v, want 50", got)
	}
	// A second 429 within two seconds does not lower it again.
	_, _ = s2.Do(testCtx(t), &check.Request{Path: "/"})
	if got := s2.edge.Stats().Rate; got != 50 {
		t.Errorf("rate after a second 429 at once: %v, want 50", got)
	}
}

func TestDoCredentials(t *testing.T) {
	var got atomic.Value
	s, _ := testSession(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Clone())
	}), Config{Identities: []Identity{{Name: "alice", Headers: map[string]string{"Authorization": "Bearer a"},
		Cookies: map[string]string{"sid": "s1"}}}})
	ctx := testCtx(t)
	resp, err := s.Do(ctx, &check.Request{Path: "/", Identity: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	h := got.Load().(http.Header)
	if h.Get("Authorization") != "Bearer a" || h.Get("Cookie") != "sid=s1" {
		t.Errorf("sent %v", h)
	}
	if resp.Sent.Get("Authorization") != "Bearer a" {
		t.Errorf("Response.Sent = %v", resp.Sent)
	}
	// Headers of the request win over the identity's.
	_, err = s.Do(ctx, &check.Request{Path: "/", Identity: "alice", Header: http.Header{"Authorization": {"Bearer forged"}}})
	if err != nil || got.Load().(http.Header).Get("Authorization") != "Bearer forged" {
		t.Errorf("request header did not win: %v", got.Load())
	}
	// Anonymous requests carry nothing.
	_, _ = s.Do(ctx, &check.Request{Path: "/"})
	if a := got.Load().(http.Header).Get("Authorization"); a != "" {
		t.Errorf("anonymous request sent Authorization %q", a)
	}
	if _, err := s.Do(ctx, &check.Request{Path: "/", Identity: "mallory"}); err == nil {
		t.Error("an unknown identity was accepted")
	}
}

func TestDoDeleteGuard(t *testing.T) {
	var deletes atomic.Int64
	s, _ := testSession(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "DELETE" {
			deletes.Add(1)
		}
	}), Config{})
	ctx := testCtx(t)
	if _, err := s.Do(ctx, &check.Request{Method: "DELETE", Path: "/orders/7"}); !errors.Is(err, check.ErrOutOfScope) {
		t.Fatalf("DELETE of a resource escarp did not create: %v", err)
	}
	s.pool.addCreated(created{identity: "alice", noun: "order", id: "7"})
	if _, err := s.Do(ctx, &check.Request{Method: "DELETE", Path: "/orders/7"}); err != nil {
		t.Fatalf("DELETE of a created resource: %v", err)
	}
	if deletes.Load() != 1 {
		t.Errorf("%d DELETEs reached the target, want 1", deletes.Load())
	}
}

func TestCallback(t *testing.T) {
	cb, err := newCallback("", "")
	if err != nil {
		t.Fatal(err)
	}
	defer cb.close()
	cb.Serve("evil", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"injected":true}`)
	}))
	for _, tok := range []string{"probe-1", "evil"} {
		resp, err := http.Get(cb.URL(tok) + "/latest/meta-data")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if tok == "evil" && string(body) != `{"injected":true}` {
			t.Errorf("Serve handler not used: %q", body)
		}
	}
	if h := cb.Hits("probe-1"); len(h) != 1 || h[0].Path != "/probe-1/latest/meta-data" {
		t.Errorf("hits = %+v", h)
	}
	if h := cb.Hits("never"); len(h) != 0 {
		t.Errorf("hits for an unused token: %+v", h)
	}
	if !strings.HasPrefix(cb.URL("x"), "http://127.0.0.1:") {
		t.Errorf("callback not on loopback: %s", cb.URL("x"))
	}
}
