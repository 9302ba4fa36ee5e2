package scan

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// inProcess is a RoundTripper that calls a handler directly, so the
// benchmark measures the engine, not the network stack.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func benchSession(b *testing.B, target string, rt http.RoundTripper, cfg Config) *Session {
	b.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(target)
	s, err := newSession(&escarp.API{}, u, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.close)
	if rt != nil {
		s.useTransport(rt)
	}
	for name, a := range s.all {
		s.auths[name] = a
	}
	return s
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEngineOverhead measures the engine's own cost per request (scope,
// budget, rate limiter, credentials, bounded body read, response
// bookkeeping) against an in-process no-op handler. Target: <= 50 µs of
// CPU per request.
func BenchmarkEngineOverhead(b *testing.B) {
	noop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"ok":true}`)) })
	s := benchSession(b, "http://127.0.0.1:1", inProcess{noop}, Config{Rate: -1, MaxRequests: -1,
		Identities: []Identity{{Name: "alice", Headers: map[string]string{"Authorization": "Bearer x"}}}})
	ctx := context.Background()
	req := &check.Request{Method: "GET", Path: "/users/42", Identity: "alice"}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := s.Do(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/req")
}

// BenchmarkThroughput measures unthrottled requests per second against a
// local no-op httptest target over loopback, with the default concurrency.
// Target: >= 2,000 req/s on 2 cores.
func BenchmarkThroughput(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	srv.Config.SetKeepAlivesEnabled(true)
	s := benchSession(b, srv.URL, nil, Config{Rate: -1, MaxRequests: -1})
	ctx := context.Background()
	req := &check.Request{Method: "GET", Path: "/items"}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan struct{})
	for w := 0; w < s.cfg.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if _, err := s.Do(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
