// Package netedge is escarp's one network edge: every request escarp sends
// to a target (scan checks, identity logins, active discovery, API
// descriptions fetched from URLs, and later TLS probes and webhooks) goes
// through an [Edge], an [http.RoundTripper] that enforces what escarp is
// allowed to do on the network:
//
//   - scope: only the configured origins are contacted; anything else is
//     refused with [ErrOutOfScope] (checked on the request and again when
//     dialling) and counted;
//   - budgets: a request budget and a time budget ([ErrBudget]);
//   - a rate limiter (golang.org/x/time/rate), optionally adaptive (lowered
//     after a 429, raised again once the target calms down), and a limit on
//     requests in flight;
//   - 429 answers: Retry-After is honoured (the request is retried after the
//     wait when its body can be replayed); a Retry-After longer than the
//     remaining time budget stops with [ErrRetryAfter], so callers can exit
//     3 and say why;
//   - redirects are never followed by [Edge.Client];
//   - bounded response bodies: a body longer than MaxBody reads as its first
//     MaxBody bytes and [Truncated] reports it;
//   - per-request timeouts whose error says what to do ("timed out after
//     10 s (raise --timeout)");
//   - what it logs is redacted (internal/redact).
//
// [Edge.Stats] returns the counters (requests, errors by class, 429s,
// truncated bodies, off-scope refusals) a run summary prints.
//
//	e := netedge.New(netedge.Config{Origins: []string{target}, Rate: 50, MaxRequests: 1000})
//	resp, err := e.Client().Get(target + "/health")
package netedge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/escarp/escarp/internal/redact"
)

// Errors wrapped by [Edge.RoundTrip]; test them with [errors.Is].
var (
	// ErrOutOfScope: the request's origin is not one the edge may contact.
	ErrOutOfScope = errors.New("request out of scope")
	// ErrBudget: the request or time budget is spent.
	ErrBudget = errors.New("network budget exhausted")
	// ErrRetryAfter: the target answered 429 with a Retry-After longer
	// than the remaining time budget.
	ErrRetryAfter = errors.New("target asked to wait beyond the time budget")
)

// Defaults of [Config].
const (
	DefaultTimeout       = 10 * time.Second
	DefaultMaxBody       = 1 << 20
	DefaultConcurrency   = 4
	DefaultMaxRetryAfter = 10 * time.Second
)

// Config is what an [Edge] may do. The zero value allows nothing (no
// origin is in scope); zero numbers get the defaults above or mean
// "unlimited" as documented per field.
type Config struct {
	// Origins are the URLs (only scheme, host and port count) requests may
	// go to. AnyOrigin lifts the scope (fetching a user-given URL and what
	// it references).
	Origins   []string
	AnyOrigin bool
	// Rate is the maximum number of requests per second (0 or negative:
	// unthrottled); Burst the limiter's burst (default Rate/10, at least 1,
	// at most Concurrency). Adaptive lowers the rate by 30% after a 429
	// (at most every 2 s, never below a quarter of Rate) and raises it by
	// 25% after 5 s without one.
	Rate     float64
	Burst    int
	Adaptive bool
	// Concurrency bounds the requests in flight (default 4); a request
	// holds its slot until its body is closed.
	Concurrency int
	// MaxRequests is the request budget (0 or negative: unlimited);
	// MaxDuration the time budget from New (0 or negative: unlimited).
	MaxRequests int
	MaxDuration time.Duration
	// Timeout bounds each request, body included (default 10 s; see
	// [WithTimeout]). TimeoutHint names the setting that raises it in
	// error messages (default "--timeout").
	Timeout     time.Duration
	TimeoutHint string
	// MaxBody bounds each response body read (default 1 MiB).
	MaxBody int64
	// Retries is how many times a request answered 429 is sent again
	// after its Retry-After (or 1 s without one), when the wait is at most
	// MaxRetryAfter (default 10 s) and fits in the time budget.
	Retries       int
	MaxRetryAfter time.Duration
	// Return429 hands a 429 whose Retry-After exceeds the remaining time
	// budget to the caller instead of failing with [ErrRetryAfter] (the
	// scanner's rate-limit checks need to see those answers).
	Return429 bool
	// UserAgent is set on requests that have none.
	UserAgent string
	// EnvProxy sends requests through the proxy of the environment
	// (HTTPS_PROXY...); the dial-time scope guard is then off, the
	// request-time check stays.
	EnvProxy bool
	// TLS configures TLS connections (nil: Go's defaults).
	TLS *tls.Config
	// Transport replaces the edge's own transport underneath (tests, or a
	// caller-built transport); scope, budgets and limits still apply.
	Transport http.RoundTripper
	// Log receives one redacted line per refused request, error, 429 wait
	// and truncated body; nil discards.
	Log io.Writer
}

// Stats are an edge's counters.
type Stats struct {
	// Requests is the number of requests sent (retries included).
	Requests int64 `json:"requests"`
	// Errors is the number of requests that got no answer, by class in
	// Refused (connection refused), Timeouts, TLS and Other.
	Errors   int64 `json:"errors"`
	Refused  int64 `json:"connectionRefused"`
	Timeouts int64 `json:"timeouts"`
	TLS      int64 `json:"tls"`
	Other    int64 `json:"otherErrors"`
	// TooMany counts 429 answers; Retried the requests sent again after
	// one.
	TooMany int64 `json:"tooManyRequests"`
	Retried int64 `json:"retried"`
	// Truncated counts response bodies cut at MaxBody.
	Truncated int64 `json:"truncated"`
	// OffScope counts requests refused for leaving the scope.
	OffScope int64 `json:"offScope"`
	// BudgetHit is set once a request was refused for lack of budget.
	BudgetHit bool `json:"budgetHit"`
	// Rate is the current rate limit in requests per second (0:
	// unthrottled).
	Rate float64 `json:"rate"`
}

// Summary is one line for a run summary ("120 requests, 3 errors (1
// connection refused, 2 timed out), 4 × 429, 1 truncated body").
func (s Stats) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests", s.Requests)
	if s.Errors > 0 {
		var parts []string
		for _, c := range []struct {
			n    int64
			name string
		}{{s.Refused, "connection refused"}, {s.Timeouts, "timed out"}, {s.TLS, "TLS"}, {s.Other, "other"}} {
			if c.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
			}
		}
		fmt.Fprintf(&b, ", %d errors (%s)", s.Errors, strings.Join(parts, ", "))
	}
	if s.TooMany > 0 {
		fmt.Fprintf(&b, ", %d × 429", s.TooMany)
	}
	if s.Truncated > 0 {
		fmt.Fprintf(&b, ", %d truncated bodies", s.Truncated)
	}
	if s.OffScope > 0 {
		fmt.Fprintf(&b, ", %d off-scope requests refused", s.OffScope)
	}
	return b.String()
}

// Edge is the network edge; see the package documentation. Its methods are
// safe for concurrent use.
type Edge struct {
	cfg     Config
	allowed map[string]bool // scheme://host:port
	dials   map[string]bool // host:port
	base    http.RoundTripper
	own     *http.Transport // base, when the edge built it
	limiter *rate.Limiter
	sem     chan struct{}
	end     time.Time // zero: no time budget

	requests, errs, refused, timeouts, tlsErrs, other atomic.Int64
	tooMany, retried, truncated, offScope             atomic.Int64
	budgetHit                                         atomic.Bool

	rateMu              sync.Mutex
	lastSlow, lastRaise time.Time

	logMu sync.Mutex
}

var _ http.RoundTripper = (*Edge)(nil)

// New returns an edge enforcing cfg; its time budget starts now.
func New(cfg Config) *Edge {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.TimeoutHint == "" {
		cfg.TimeoutHint = "--timeout"
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	e := &Edge{cfg: cfg, allowed: map[string]bool{}, dials: map[string]bool{}, sem: make(chan struct{}, cfg.Concurrency)}
	for _, o := range cfg.Origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			e.allowed[originKey(u)] = true
			e.dials[hostPort(u)] = true
		}
	}
	if cfg.MaxDuration > 0 {
		e.end = time.Now().Add(cfg.MaxDuration)
	}
	if cfg.Rate > 0 {
		burst := cfg.Burst
		if burst <= 0 {
			burst = min(max(1, int(cfg.Rate/10)), cfg.Concurrency)
		}
		e.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), burst)
	} else {
		e.limiter = rate.NewLimiter(rate.Inf, 1)
	}
	e.base = cfg.Transport
	if e.base == nil {
		e.own = e.transport()
		e.base = e.own
	}
	return e
}

// transport is the edge's own transport: timeouts on dial and TLS (the
// per-request context bounds the rest), no
// compression (body sizes stay honest) and, without a proxy, a dial guard
// that never opens a connection outside the scope.
func (e *Edge) transport() *http.Transport {
	dialer := &net.Dialer{Timeout: e.cfg.Timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:            dialer.DialContext,
		TLSClientConfig:        e.cfg.TLS,
		MaxIdleConns:           e.cfg.Concurrency * 2,
		MaxIdleConnsPerHost:    e.cfg.Concurrency * 2,
		MaxConnsPerHost:        e.cfg.Concurrency * 2,
		IdleConnTimeout:        30 * time.Second,
		TLSHandshakeTimeout:    e.cfg.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true,
		ForceAttemptHTTP2:      e.cfg.TLS == nil,
	}
	if e.cfg.EnvProxy {
		tr.Proxy = http.ProxyFromEnvironment
	} else if !e.cfg.AnyOrigin {
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if !e.dials[addr] {
				e.offScope.Add(1)
				return nil, fmt.Errorf("dial %s: %w", addr, ErrOutOfScope)
			}
			return dialer.DialContext(ctx, network, addr)
		}
	}
	return tr
}

// Client returns an HTTP client sending through e that never follows
// redirects: a 3xx answer is returned as it is.
func (e *Edge) Client() *http.Client {
	return &http.Client{
		Transport: e,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Close releases idle connections.
func (e *Edge) Close() {
	if e.own != nil {
		e.own.CloseIdleConnections()
	}
}

// Stats returns a snapshot of the counters.
func (e *Edge) Stats() Stats {
	r := float64(e.limiter.Limit())
	if e.limiter.Limit() == rate.Inf {
		r = 0
	}
	return Stats{
		Requests: e.requests.Load(), Errors: e.errs.Load(),
		Refused: e.refused.Load(), Timeouts: e.timeouts.Load(), TLS: e.tlsErrs.Load(), Other: e.other.Load(),
		TooMany: e.tooMany.Load(), Retried: e.retried.Load(), Truncated: e.truncated.Load(),
		OffScope: e.offScope.Load(), BudgetHit: e.budgetHit.Load(), Rate: r,
	}
}

// InScope reports whether u's origin may be contacted.
func (e *Edge) InScope(u *url.URL) bool {
	if u == nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return false
	}
	return e.cfg.AnyOrigin || e.allowed[originKey(u)]
}

type ctxKey int

const (
	keyUnmetered ctxKey = iota
	keyTimeout
)

// Unmetered marks requests sent with ctx as outside the budgets and the
// rate limiter (they are still counted and scoped): logins, and the
// clean-up of what a scan created.
func Unmetered(ctx context.Context) context.Context {
	return context.WithValue(ctx, keyUnmetered, true)
}

// WithTimeout overrides the edge's per-request timeout for requests sent
// with ctx.
func WithTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, keyTimeout, d)
}

// RoundTrip sends req within scope, budgets and limits; see the package
// documentation.
func (e *Edge) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !e.InScope(req.URL) {
		e.offScope.Add(1)
		e.logf("refused %s %s: out of scope", req.Method, redact.URL(req.URL))
		closeBody(req)
		return nil, fmt.Errorf("%s %s: %w", req.Method, redact.URL(req.URL), ErrOutOfScope)
	}
	unmetered, _ := ctx.Value(keyUnmetered).(bool)
	if e.cfg.UserAgent != "" && req.Header.Get("User-Agent") == "" {
		req = req.Clone(ctx)
		req.Header.Set("User-Agent", e.cfg.UserAgent)
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			r, err := rewind(req)
			if err != nil {
				return nil, err
			}
			req = r
		}
		resp, err := e.once(req, unmetered)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			e.recover()
			return resp, nil
		}
		e.tooMany.Add(1)
		e.slowDown()
		wait := retryAfter(resp.Header.Get("Retry-After"))
		left, bounded := e.remaining()
		if bounded && wait > left && !unmetered {
			if e.cfg.Return429 {
				return resp, nil
			}
			drain(resp)
			e.logf("%s %s: 429 with Retry-After %s, beyond the remaining time budget of %s", req.Method, redact.URL(req.URL), wait, left.Round(time.Second))
			return nil, fmt.Errorf("%s %s: answered 429 asking to wait %s, more than the %s left of the time budget: %w",
				req.Method, redact.URL(req.URL), wait, left.Round(time.Second), ErrRetryAfter)
		}
		if attempt >= e.cfg.Retries || wait > e.cfg.MaxRetryAfter || !replayable(req) {
			return resp, nil
		}
		drain(resp)
		e.logf("%s %s: 429, retrying after %s", req.Method, redact.URL(req.URL), wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		e.retried.Add(1)
	}
}

// once sends req one time.
func (e *Edge) once(req *http.Request, unmetered bool) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := sync.OnceFunc(func() { <-e.sem })
	if err := e.take(ctx, unmetered); err != nil {
		release()
		closeBody(req)
		e.logf("refused %s %s: %v", req.Method, redact.URL(req.URL), err)
		return nil, fmt.Errorf("%s %s: %w", req.Method, redact.URL(req.URL), err)
	}
	timeout := e.cfg.Timeout
	if d, ok := ctx.Value(keyTimeout).(time.Duration); ok && d > 0 {
		timeout = d
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	sent := time.Now()
	resp, err := e.base.RoundTrip(req.WithContext(rctx))
	if err != nil {
		cancel()
		release()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = e.classify(err, rctx, timeout)
		e.logf("%s %s: %v", req.Method, redact.URL(req.URL), err)
		return nil, fmt.Errorf("%s %s: %w", req.Method, redact.URL(req.URL), err)
	}
	resp.Body = &body{rc: resp.Body, left: e.cfg.MaxBody, e: e, parent: ctx, ctx: rctx, timeout: timeout, sent: sent,
		done: func() { cancel(); release() }, what: req.Method + " " + redact.URL(req.URL)}
	return resp, nil
}

// take reserves one request of the budgets and waits for the limiter.
func (e *Edge) take(ctx context.Context, unmetered bool) error {
	if unmetered {
		e.requests.Add(1)
		return nil
	}
	if !e.end.IsZero() && time.Now().After(e.end) {
		e.budgetHit.Store(true)
		return fmt.Errorf("time budget of %s spent: %w", e.cfg.MaxDuration, ErrBudget)
	}
	n := e.requests.Add(1)
	if e.cfg.MaxRequests > 0 && n > int64(e.cfg.MaxRequests) {
		e.requests.Add(-1)
		e.budgetHit.Store(true)
		return fmt.Errorf("request budget of %d spent: %w", e.cfg.MaxRequests, ErrBudget)
	}
	wctx := ctx
	if !e.end.IsZero() {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, e.end)
		defer cancel()
	}
	if err := e.limiter.Wait(wctx); err != nil {
		e.requests.Add(-1)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.budgetHit.Store(true)
		return fmt.Errorf("time budget of %s spent: %w", e.cfg.MaxDuration, ErrBudget)
	}
	return nil
}

// remaining returns the time left of the time budget, and whether there is
// one.
func (e *Edge) remaining() (time.Duration, bool) {
	if e.end.IsZero() {
		return 0, false
	}
	return max(time.Until(e.end), 0), true
}

// timeoutError is a request that ran out of its per-request time.
type timeoutError struct {
	after time.Duration
	hint  string
	err   error
}

func (t *timeoutError) Error() string {
	return fmt.Sprintf("timed out after %s (raise %s)", seconds(t.after), t.hint)
}
func (t *timeoutError) Unwrap() error { return t.err }
func (t *timeoutError) Timeout() bool { return true }

func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + " s"
	}
	return d.String()
}

// classify counts err by class and returns it, rewritten for timeouts.
func (e *Edge) classify(err error, rctx context.Context, timeout time.Duration) error {
	e.errs.Add(1)
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.Is(err, ErrOutOfScope):
		e.errs.Add(-1)
		return err
	case rctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		e.timeouts.Add(1)
		return &timeoutError{after: timeout, hint: e.cfg.TimeoutHint, err: err}
	case isRefused(err):
		e.refused.Add(1)
		return fmt.Errorf("connection refused: %w", err)
	case errors.As(err, &certErr) || errors.As(err, &recErr) || errors.As(err, &alert) || strings.Contains(err.Error(), "tls:"):
		e.tlsErrs.Add(1)
		return fmt.Errorf("TLS: %w", err)
	default:
		e.other.Add(1)
		return err
	}
}

func isRefused(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return strings.Contains(op.Err.Error(), "refused")
	}
	return strings.Contains(err.Error(), "connection refused")
}

// body bounds a response body at MaxBody, releases the request's slot and
// timeout on Close, and turns a read that ran out of time into the timeout
// message.
type body struct {
	rc        io.ReadCloser
	left      int64
	e         *Edge
	parent    context.Context
	ctx       context.Context
	timeout   time.Duration
	sent      time.Time
	done      func()
	what      string
	truncated bool
	closeOnce sync.Once
}

func (b *body) Read(p []byte) (int, error) {
	if b.left <= 0 {
		if !b.truncated {
			// One more byte tells a body of exactly MaxBody from a longer one.
			var one [1]byte
			n, _ := io.ReadFull(b.rc, one[:])
			if n > 0 {
				b.truncated = true
				b.e.truncated.Add(1)
				b.e.logf("%s: body truncated at %d bytes", b.what, b.e.cfg.MaxBody)
			}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if err != nil && err != io.EOF && b.parent.Err() == nil && b.ctx.Err() == context.DeadlineExceeded {
		b.e.errs.Add(1)
		b.e.timeouts.Add(1)
		err = &timeoutError{after: b.timeout, hint: b.e.cfg.TimeoutHint, err: err}
	}
	return n, err
}

func (b *body) Close() error {
	var err error
	b.closeOnce.Do(func() {
		err = b.rc.Close()
		b.done()
	})
	return err
}

// SentAt returns when the request answered by resp left the edge (after
// any wait for the limiter, a free slot or a Retry-After), so a caller can
// time the target alone; the zero time for a response not from an edge.
func SentAt(resp *http.Response) time.Time {
	if b, ok := resp.Body.(*body); ok {
		return b.sent
	}
	return time.Time{}
}

// Truncated reports whether body, a response body from an [Edge] read to
// its end, was longer than MaxBody.
func Truncated(rc io.Reader) bool {
	b, ok := rc.(*body)
	return ok && b.truncated
}

func (e *Edge) logf(format string, args ...any) {
	if e.cfg.Log == nil {
		return
	}
	line := redact.String(fmt.Sprintf(format, args...))
	e.logMu.Lock()
	defer e.logMu.Unlock()
	fmt.Fprintln(e.cfg.Log, "net: "+line)
}

// slowDown lowers the rate after a 429 (Adaptive only).
func (e *Edge) slowDown() {
	if !e.cfg.Adaptive {
		return
	}
	e.rateMu.Lock()
	defer e.rateMu.Unlock()
	if time.Since(e.lastSlow) < 2*time.Second {
		return
	}
	e.lastSlow = time.Now()
	cur := e.limiter.Limit()
	base := e.cfg.Rate
	if base <= 0 {
		base = 50
	}
	floor := rate.Limit(max(base/4, 1))
	next := rate.Limit(50)
	if cur != rate.Inf {
		next = max(cur*0.7, floor)
	}
	e.limiter.SetLimit(next)
}

// recover raises a lowered rate by 25% (up to Rate) once 5 s have passed
// without a 429.
func (e *Edge) recover() {
	if !e.cfg.Adaptive || e.tooMany.Load() == 0 {
		return
	}
	e.rateMu.Lock()
	defer e.rateMu.Unlock()
	cur, want := e.limiter.Limit(), rate.Limit(e.cfg.Rate)
	if e.cfg.Rate <= 0 {
		want = rate.Inf
	}
	if cur >= want || time.Since(e.lastSlow) < 5*time.Second || time.Since(e.lastRaise) < 5*time.Second {
		return
	}
	e.lastRaise = time.Now()
	e.limiter.SetLimit(min(cur*1.25, want))
}

// retryAfter parses a Retry-After value (seconds or an HTTP date); absent
// or unparseable, it is 1 s.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Second
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(secs)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return time.Second
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func rewind(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("replaying the request body: %w", err)
	}
	r := req.Clone(req.Context())
	r.Body = b
	return r, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// drain reads a little of a body so its connection can be reused, and
// closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// originKey is scheme://host:port with the scheme's default port.
func originKey(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(hostPort(u))
}

// hostPort returns the dial address of u, with the scheme's default port.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if strings.EqualFold(u.Scheme, "https") {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
