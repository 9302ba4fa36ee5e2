// Package proxy is the monitor's reverse-proxy sensor. It forwards every
// request to the target at once and hands a copy of each exchange to
// analysis through a bounded queue: when analysis lags, exchanges are
// dropped and counted, never the traffic delayed. With a block list it
// answers blocked principals and clients with 429 or 403 itself.
package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor"
)

// Options configure a proxy.
type Options struct {
	Target *url.URL
	// Queue is the number of exchanges waiting for analysis (default 8192).
	Queue int
	// MaxBody is how much of each body is kept for analysis (default 64 KiB).
	MaxBody int
	// MaxQueueBytes bounds the bodies waiting in the queue (default 64 MiB):
	// beyond it exchanges are queued without their bodies.
	MaxQueueBytes int64
	// Blocks, when set, is enforced on every request.
	Blocks *monitor.Blocks
	// Transport to the target (default a clone of http.DefaultTransport).
	Transport http.RoundTripper
	// Now stamps each exchange (default time.Now); a replay or a test
	// drives it to play hours of traffic in seconds.
	Now func() time.Time
}

// Exchange is one observed call, as queued for analysis.
type Exchange struct {
	X    escarp.Exchange
	Meta monitor.Meta
	size int64
}

// Proxy is the sensor. Use it as an http.Handler; run Drain to analyse.
type Proxy struct {
	opts  Options
	rp    *httputil.ReverseProxy
	queue chan *Exchange

	events, dropped, blocked, unbodied atomic.Int64
	queuedBytes                        atomic.Int64
	reg                                *prometheus.Registry
}

// New returns a proxy to opts.Target.
func New(opts Options) *Proxy {
	if opts.Queue <= 0 {
		opts.Queue = 8192
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 64 << 10
	}
	if opts.MaxQueueBytes <= 0 {
		opts.MaxQueueBytes = 64 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256
		opts.Transport = t
	}
	p := &Proxy{opts: opts, queue: make(chan *Exchange, opts.Queue), reg: prometheus.NewRegistry()}
	target := opts.Target
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		Transport:     opts.Transport,
		FlushInterval: -1,
		ErrorLog:      nil,
	}
	p.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "escarp_monitor_events_total", Help: "Exchanges queued for analysis."},
			func() float64 { return float64(p.events.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "escarp_monitor_dropped_total", Help: "Exchanges dropped because analysis lagged."},
			func() float64 { return float64(p.dropped.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "escarp_monitor_blocked_total", Help: "Requests refused by a block."},
			func() float64 { return float64(p.blocked.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "escarp_monitor_unbodied_total", Help: "Exchanges analysed without their bodies because queued bodies reached their bound."},
			func() float64 { return float64(p.unbodied.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "escarp_monitor_queue_length", Help: "Exchanges waiting for analysis."},
			func() float64 { return float64(len(p.queue)) }),
	)
	return p
}

// Stats are the proxy's counters.
type Stats struct {
	Events  int64 `json:"events"`
	Dropped int64 `json:"dropped"`
	Blocked int64 `json:"blocked"`
	Queued  int   `json:"queued"`
	// Unbodied counts exchanges queued without bodies (MaxQueueBytes).
	Unbodied int64 `json:"unbodied"`
}

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	return Stats{Events: p.events.Load(), Dropped: p.dropped.Load(), Blocked: p.blocked.Load(), Queued: len(p.queue),
		Unbodied: p.unbodied.Load()}
}

// ServeHTTP forwards r to the target and queues a copy of the exchange.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	if p.opts.Blocks != nil {
		if b := p.opts.Blocks.Check(monitor.ClaimedPrincipal(r.Header, r.URL.RawQuery), client); b != nil {
			p.blocked.Add(1)
			w.Header().Set("Retry-After", itoa(int(time.Until(b.Expires).Seconds())+1))
			http.Error(w, http.StatusText(b.Status), b.Status)
			return
		}
	}
	reqHeader := r.Header.Clone()
	var reqBody *capture
	if r.Body != nil && r.Body != http.NoBody {
		reqBody = &capture{r: r.Body, max: p.opts.MaxBody}
		r.Body = reqBody
	}
	rw := &recorder{ResponseWriter: w, max: p.opts.MaxBody}
	p.rp.ServeHTTP(rw, r)

	x := &Exchange{X: escarp.Exchange{Method: r.Method, URL: requestURL(r), RequestHeader: reqHeader, Status: rw.status(),
		ResponseHeader: rw.Header(), ClientIP: client, Time: p.opts.Now().UTC().Format(time.RFC3339Nano),
		Duration: float64(time.Since(start).Microseconds()) / 1000}}
	x.Meta.RespBytes = rw.n
	if reqBody != nil {
		x.X.RequestBody = reqBody.buf.String()
		x.Meta.ReqBytes = reqBody.n
	}
	x.X.ResponseBody = rw.buf.String()
	size := int64(len(x.X.RequestBody) + len(x.X.ResponseBody))
	if p.queuedBytes.Load()+size > p.opts.MaxQueueBytes {
		x.X.RequestBody, x.X.ResponseBody, size = "", "", 0
		p.unbodied.Add(1)
	}
	x.size = size
	select {
	case p.queue <- x:
		p.events.Add(1)
		p.queuedBytes.Add(size)
	default:
		p.dropped.Add(1)
	}
}

func requestURL(r *http.Request) string {
	u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return u.String()
}

// Drain hands queued exchanges to analyse until ctx ends, then returns
// after handing over what is still queued.
func (p *Proxy) Drain(ctx context.Context, analyse func(*Exchange)) {
	for {
		select {
		case x := <-p.queue:
			p.queuedBytes.Add(-x.size)
			analyse(x)
		case <-ctx.Done():
			for {
				select {
				case x := <-p.queue:
					p.queuedBytes.Add(-x.size)
					analyse(x)
				default:
					return
				}
			}
		}
	}
}

// Admin serves the monitor's own endpoints, for --admin-addr only:
// GET /blocks, DELETE /blocks/{id}, GET /counters (JSON), GET /metrics.
func (p *Proxy) Admin() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /counters", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, p.Stats()) })
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /blocks", func(w http.ResponseWriter, _ *http.Request) {
		if p.opts.Blocks == nil {
			writeJSON(w, []monitor.Block{})
			return
		}
		type row struct {
			monitor.Block
			State string `json:"state"`
		}
		var out []row
		now := time.Now()
		for _, b := range p.opts.Blocks.List() {
			out = append(out, row{b, b.State(now)})
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("DELETE /blocks/{id}", func(w http.ResponseWriter, r *http.Request) {
		if p.opts.Blocks == nil {
			http.NotFound(w, r)
			return
		}
		n, err := p.opts.Blocks.Lift(r.PathValue("id"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if n == 0 {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, map[string]int{"lifted": n})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// capture tees up to max bytes of a body while it streams.
type capture struct {
	r   io.ReadCloser
	buf bytes.Buffer
	max int
	n   int64
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if room := c.max - c.buf.Len(); room > 0 && n > 0 {
		c.buf.Write(p[:min(n, room)])
	}
	return n, err
}

func (c *capture) Close() error { return c.r.Close() }

// recorder records the status, the size and the first bytes of a response.
type recorder struct {
	http.ResponseWriter
	code int
	n    int64
	buf  bytes.Buffer
	max  int
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.n += int64(n)
	if room := r.max - r.buf.Len(); room > 0 && n > 0 {
		r.buf.Write(p[:min(n, room)])
	}
	return n, err
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// Flush lets streaming responses through.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
