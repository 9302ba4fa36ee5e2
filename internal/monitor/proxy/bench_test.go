package proxy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/escarp/escarp/internal/monitor"
	"github.com/escarp/escarp/internal/monitor/detect"
	"github.com/escarp/escarp/internal/monitor/detectors"
	"github.com/escarp/escarp/internal/monitor/proxy"
)

// paced sends n requests at rate per second from 16 workers and returns
// the sorted latencies.
func paced(b *testing.B, c *http.Client, base string, n, rate int) []time.Duration {
	var mu sync.Mutex
	lat := make([]time.Duration, 0, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				t0 := time.Now()
				resp, err := c.Get(fmt.Sprintf("%s/boats/%d", base, i%500))
				if err != nil {
					b.Error(err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for i := range n {
		<-tick.C
		jobs <- i
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	slices.Sort(lat)
	return lat
}

// BenchmarkProxyLatency measures what the proxy adds to requests at 2,000
// per second on loopback, with analysis in the same process and without:
// -benchtime=Nx sets N requests.
func BenchmarkProxyLatency(b *testing.B) {
	b.Run("analysis", func(b *testing.B) { benchLatency(b, true) })
	b.Run("forward-only", func(b *testing.B) { benchLatency(b, false) })
}

func benchLatency(b *testing.B, analyse bool) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":1,"name":"Sea Breeze","berth":"A-12"}`)
	}))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	p := proxy.New(proxy.Options{Target: target})
	eng, _ := detect.New(detectors.All(), detect.Options{NoCatalogue: true})
	an := monitor.NewAnalyzer(context.Background(), eng, nil, nil)
	norm := monitor.NewNormalizer(nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Drain(ctx, func(x *proxy.Exchange) {
			if analyse {
				e := norm.Event(&x.X, x.Meta)
				an.Process(&e)
			}
		})
	}()
	ps := httptest.NewServer(p)
	defer func() { ps.Close(); cancel(); <-done }()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	n := max(b.N, 200)
	paced(b, c, up.URL, 200, 2000) // warm both paths
	paced(b, c, ps.URL, 200, 2000)
	b.ResetTimer()
	direct := paced(b, c, up.URL, n, 2000)
	proxied := paced(b, c, ps.URL, n, 2000)
	b.StopTimer()
	q := func(l []time.Duration, p int) float64 { return float64(l[len(l)*p/100].Microseconds()) / 1000 }
	b.ReportMetric(q(direct, 50), "direct-p50-ms")
	b.ReportMetric(q(direct, 99), "direct-p99-ms")
	b.ReportMetric(q(proxied, 50), "proxy-p50-ms")
	b.ReportMetric(q(proxied, 99), "proxy-p99-ms")
	b.ReportMetric(q(proxied, 50)-q(direct, 50), "added-p50-ms")
	b.ReportMetric(q(proxied, 99)-q(direct, 99), "added-p99-ms")
	b.ReportMetric(float64(p.Stats().Dropped), "dropped")
}
