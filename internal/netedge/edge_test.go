package netedge

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, e *Edge, u string) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := e.Client().Get(u)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestScope(t *testing.T) {
	var hits atomic.Int64
	in := serve(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	out := serve(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	e := New(Config{Origins: []string{in.URL + "/base"}})
	if _, _, err := get(t, e, in.URL+"/x"); err != nil {
		t.Fatalf("in scope: %v", err)
	}
	_, _, err := get(t, e, out.URL+"/x?token=s3cret")
	if !errors.Is(err, ErrOutOfScope) {
		t.Fatalf("off scope: err = %v, want ErrOutOfScope", err)
	}
	// http.Client's *url.Error quotes the URL as it is; the edge's own
	// message is redacted.
	var ue *url.Error
	if !errors.As(err, &ue) || strings.Contains(ue.Err.Error(), "s3cret") {
		t.Errorf("error leaks the token: %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("server hits = %d, want 1", hits.Load())
	}
	if s := e.Stats(); s.OffScope != 1 || s.Requests != 1 {
		t.Errorf("stats = %+v, want 1 off-scope, 1 request", s)
	}
}

func TestDialGuard(t *testing.T) {
	out := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	e := New(Config{Origins: []string{"http://in.example"}})
	// A request whose URL is in scope but whose connection would go
	// elsewhere is stopped at dial time.
	_, err := e.own.DialContext(context.Background(), "tcp", strings.TrimPrefix(out.URL, "http://"))
	if !errors.Is(err, ErrOutOfScope) {
		t.Fatalf("dial: err = %v, want ErrOutOfScope", err)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var followed atomic.Bool
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/next" {
			followed.Store(true)
			return
		}
		http.Redirect(w, r, "/next", http.StatusFound)
	})
	e := New(Config{Origins: []string{srv.URL}})
	resp, _, err := get(t, e, srv.URL+"/start")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusFound || followed.Load() {
		t.Errorf("status %d, followed %v: want 302 returned as is", resp.StatusCode, followed.Load())
	}
}

func TestRetryAfter(t *testing.T) {
	var n atomic.Int64
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write(b)
	})
	e := New(Config{Origins: []string{srv.URL}, Retries: 2})
	start := time.Now()
	resp, err := e.Client().Post(srv.URL, "text/plain", bytes.NewReader([]byte("again")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "again" {
		t.Errorf("after retry: %d %q, want 200 \"again\" (body replayed)", resp.StatusCode, b)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %s, want Retry-After 1 s honoured", d)
	}
	if s := e.Stats(); s.TooMany != 1 || s.Retried != 1 || s.Requests != 2 {
		t.Errorf("stats = %+v", s)
	}
}

func TestRetryAfterBeyondBudget(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	e := New(Config{Origins: []string{srv.URL}, Retries: 2, MaxDuration: 5 * time.Second})
	start := time.Now()
	_, _, err := get(t, e, srv.URL)
	if !errors.Is(err, ErrRetryAfter) {
		t.Fatalf("err = %v, want ErrRetryAfter", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("waited %s: it should stop at once", time.Since(start))
	}
	// Return429 hands the answer over instead.
	e = New(Config{Origins: []string{srv.URL}, Retries: 2, MaxDuration: 5 * time.Second, Return429: true})
	resp, _, err := get(t, e, srv.URL)
	if err != nil || resp.StatusCode != 429 {
		t.Fatalf("Return429: %v, %v", resp, err)
	}
	// Without a time budget, a long wait returns the 429 unretried.
	e = New(Config{Origins: []string{srv.URL}, Retries: 2})
	resp, _, err = get(t, e, srv.URL)
	if err != nil || resp.StatusCode != 429 || e.Stats().Requests != 1 {
		t.Fatalf("no budget: %v, %v, %+v", resp, err, e.Stats())
	}
}

func TestBudget(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	e := New(Config{Origins: []string{srv.URL}, MaxRequests: 2})
	for i := range 2 {
		if _, _, err := get(t, e, srv.URL); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, _, err := get(t, e, srv.URL); !errors.Is(err, ErrBudget) {
		t.Fatalf("third request: err = %v, want ErrBudget", err)
	}
	if !e.Stats().BudgetHit {
		t.Error("BudgetHit not set")
	}
	// Unmetered requests pass and are counted.
	req, _ := http.NewRequestWithContext(Unmetered(context.Background()), "GET", srv.URL, nil)
	resp, err := e.Client().Do(req)
	if err != nil {
		t.Fatalf("unmetered: %v", err)
	}
	resp.Body.Close()
	if got := e.Stats().Requests; got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}

	e = New(Config{Origins: []string{srv.URL}, MaxDuration: 50 * time.Millisecond})
	time.Sleep(60 * time.Millisecond)
	if _, _, err := get(t, e, srv.URL); !errors.Is(err, ErrBudget) {
		t.Fatalf("after the time budget: err = %v, want ErrBudget", err)
	}
}

func TestRate(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	e := New(Config{Origins: []string{srv.URL}, Rate: 20, Burst: 1})
	start := time.Now()
	for range 5 {
		if _, _, err := get(t, e, srv.URL); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 180*time.Millisecond {
		t.Errorf("5 requests at 20/s took %s, want ≥ 200 ms", d)
	}
	// SentAt excludes the wait for the limiter.
	before := time.Now()
	resp, err := e.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sent := SentAt(resp); sent.Sub(before) < 30*time.Millisecond {
		t.Errorf("SentAt %s after the call: the limiter wait (~50 ms) should come before it", sent.Sub(before))
	}
}

func TestOversizedBody(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("a"), 100+len(r.URL.Path)))
	})
	e := New(Config{Origins: []string{srv.URL}, MaxBody: 101})
	resp, b, err := get(t, e, srv.URL+"/long")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 101 || !Truncated(resp.Body) {
		t.Errorf("read %d bytes, truncated %v: want 101, true", len(b), Truncated(resp.Body))
	}
	resp, b, _ = get(t, e, srv.URL+"/")
	if len(b) != 101 || Truncated(resp.Body) {
		t.Errorf("exactly MaxBody: read %d bytes, truncated %v: want 101, false", len(b), Truncated(resp.Body))
	}
	if e.Stats().Truncated != 1 {
		t.Errorf("truncated = %d, want 1", e.Stats().Truncated)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	var log bytes.Buffer
	e := New(Config{Origins: []string{srv.URL}, Timeout: 100 * time.Millisecond, Log: &log})
	_, _, err := get(t, e, srv.URL+"/?api_key=s3cret")
	if err == nil || !strings.Contains(err.Error(), "timed out after 100ms (raise --timeout)") {
		t.Fatalf("err = %v, want the timeout message", err)
	}
	if s := e.Stats(); s.Timeouts != 1 || s.Errors != 1 {
		t.Errorf("stats = %+v", s)
	}
	if strings.Contains(log.String(), "s3cret") || !strings.Contains(log.String(), "timed out") {
		t.Errorf("log = %q: want the timeout, redacted", log.String())
	}
	if got := (&timeoutError{after: 10 * time.Second, hint: "--timeout"}).Error(); got != "timed out after 10 s (raise --timeout)" {
		t.Errorf("message = %q", got)
	}
	// WithTimeout lifts it for one request.
	srv2 := serve(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(150 * time.Millisecond) })
	e = New(Config{Origins: []string{srv2.URL}, Timeout: 50 * time.Millisecond})
	req, _ := http.NewRequestWithContext(WithTimeout(context.Background(), time.Second), "GET", srv2.URL, nil)
	resp, err := e.Client().Do(req)
	if err != nil {
		t.Fatalf("WithTimeout: %v", err)
	}
	resp.Body.Close()
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	e := New(Config{Origins: []string{"http://" + addr}})
	if _, _, err := get(t, e, "http://"+addr); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
	s := e.Stats()
	if s.Refused != 1 || s.Errors != 1 {
		t.Errorf("stats = %+v", s)
	}
	if !strings.Contains(s.Summary(), "1 connection refused") {
		t.Errorf("summary = %q", s.Summary())
	}
}

func TestConcurrency(t *testing.T) {
	var in, peak atomic.Int64
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := in.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		in.Add(-1)
	})
	e := New(Config{Origins: []string{srv.URL}, Concurrency: 2})
	done := make(chan struct{})
	for range 6 {
		go func() {
			defer func() { done <- struct{}{} }()
			get(t, e, srv.URL)
		}()
	}
	for range 6 {
		<-done
	}
	if peak.Load() > 2 {
		t.Errorf("peak in flight = %d, want ≤ 2", peak.Load())
	}
}

func TestRateRecovers(t *testing.T) {
	e := New(Config{Origins: []string{"http://127.0.0.1:1"}, Rate: 100, Adaptive: true})
	e.tooMany.Add(1)
	e.slowDown()
	if got := e.Stats().Rate; got != 70 {
		t.Fatalf("after a 429: %v rps, want 70", got)
	}
	e.recover()
	if got := e.Stats().Rate; got != 70 {
		t.Fatalf("raised right after a 429: %v rps", got)
	}
	e.lastSlow = time.Now().Add(-6 * time.Second)
	e.recover()
	if got := e.Stats().Rate; got != 87.5 {
		t.Fatalf("after 5s without 429: %v rps, want 87.5", got)
	}
	e.lastRaise = time.Now().Add(-6 * time.Second)
	e.recover()
	if got := e.Stats().Rate; got != 100 {
		t.Fatalf("the configured rate is the ceiling: %v rps, want 100", got)
	}
	// Not adaptive: a 429 changes nothing.
	e = New(Config{Origins: []string{"http://127.0.0.1:1"}, Rate: 100})
	e.slowDown()
	if got := e.Stats().Rate; got != 100 {
		t.Fatalf("non-adaptive edge slowed to %v", got)
	}
}
