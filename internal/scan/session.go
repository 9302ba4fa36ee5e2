package scan

import (
	"bytes"
	"context"
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

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// userAgent identifies escarp's requests in the target's logs.
const userAgent = "escarp-scan/1"

// errUnknownIdentity is returned by Do for an identity that is not
// configured or failed its self-test.
var errUnknownIdentity = errors.New("unknown or unauthenticated identity")

// Session is the engine's implementation of [check.Session]: every request
// a check sends goes through it, within scope, rate and budget.
type Session struct {
	cfg    Config
	api    *escarp.API
	target *url.URL
	origin string // scheme://host:port of the target

	client  *http.Client
	limiter *rate.Limiter
	sem     chan struct{}
	start   time.Time
	end     time.Time

	requests atomic.Int64
	errors   atomic.Int64
	// slowed counts the 429 answers that lowered the rate.
	slowed   atomic.Int64
	rateMu   sync.Mutex
	lastSlow time.Time
	// lastRaise is when recover last raised the rate.
	lastRaise time.Time
	// budgetHit is set when a request was refused for lack of budget.
	budgetHit atomic.Bool

	auths map[string]*auth // working identities
	all   map[string]*auth // configured identities
	cb    *callbackServer
	pool  *pool
	plan  *plan

	learnMu sync.Mutex
	learned map[*escarp.Operation]*learning

	// matchers map concrete paths to operations; guard records what the
	// safety rules withheld.
	matchers []opMatcher
	guard    guard
	// shapes are the target's learnt failure shapes.
	shapes shapes
	// uniq numbers the unique names given to created items.
	uniq atomic.Int64
	// Answers that were no use: 429, 5xx, redirects, truncated bodies;
	// stopRetry is set when a Retry-After reached past the time budget.
	tooMany, serverErrors, redirects, truncated atomic.Int64
	stopRetry                                   atomic.Bool
	// pastBudget holds the paths answered with a Retry-After past the
	// time budget (guarded by rateMu).
	pastBudget map[string]bool
}

// pastBudgetOps is how many operations must ask escarp to wait past its
// time budget before the scan stops.
const pastBudgetOps = 3

var _ check.Session = (*Session)(nil)

// newSession builds a session for target. cfg must have its defaults.
func newSession(api *escarp.API, target *url.URL, cfg Config) (*Session, error) {
	s := &Session{
		cfg:     cfg,
		api:     api,
		target:  target,
		origin:  origin(target),
		sem:     make(chan struct{}, cfg.Concurrency),
		start:   time.Now(),
		all:     map[string]*auth{},
		auths:   map[string]*auth{},
		pool:    newPool(),
		plan:    newPlan(api),
		learned: map[*escarp.Operation]*learning{},
	}
	s.matchers = newMatchers(api)
	s.end = s.start.Add(cfg.MaxDuration)
	if cfg.Rate > 0 {
		burst := int(cfg.Rate / 10)
		s.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), max(1, min(burst, cfg.Concurrency)))
	} else {
		s.limiter = rate.NewLimiter(rate.Inf, 1)
	}
	allowed := map[string]bool{hostPort(target): true}
	for _, id := range cfg.Identities {
		if id.OAuth2 != nil {
			if u, err := url.Parse(id.OAuth2.TokenURL); err == nil && u.Host != "" {
				allowed[hostPort(u)] = true
			}
		}
		if id.Login != nil {
			if u, err := url.Parse(id.Login.Request.Path); err == nil && u.Host != "" {
				allowed[hostPort(u)] = true
			}
		}
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		// The dial guard is the last line of scope enforcement: no
		// connection is ever opened to a host:port that is not the target
		// or a configured identity provider.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if !allowed[addr] {
				return nil, fmt.Errorf("dial %s: %w", addr, check.ErrOutOfScope)
			}
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConns:           cfg.Concurrency * 2,
		MaxIdleConnsPerHost:    cfg.Concurrency * 2,
		MaxConnsPerHost:        cfg.Concurrency * 2,
		IdleConnTimeout:        30 * time.Second,
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true,
	}
	s.client = &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	for _, id := range cfg.Identities {
		s.all[id.Name] = newAuth(id)
	}
	if !cfg.NoCallback {
		cb, err := newCallback(cfg.CallbackAddr, cfg.CallbackURL)
		if err != nil {
			return nil, err
		}
		s.cb = cb
	}
	return s, nil
}

// close releases the listener and idle connections.
func (s *Session) close() {
	if s.cb != nil {
		s.cb.close()
	}
	s.client.CloseIdleConnections()
}

// Requests returns the number of requests sent so far.
func (s *Session) Requests() int64 { return s.requests.Load() }

// Callback returns the callback listener, or nil.
func (s *Session) Callback() check.Callback {
	if s.cb == nil {
		return nil
	}
	return s.cb
}

// Do sends req within scope, rate and budget; see [check.Session].
func (s *Session) Do(ctx context.Context, req *check.Request) (*check.Response, error) {
	return s.do(ctx, req, false)
}

// do is Do; cleanup requests (bypass) may exceed the request budget so
// that escarp can delete what it created.
func (s *Session) do(ctx context.Context, req *check.Request, bypass bool) (*check.Response, error) {
	u, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	if method == http.MethodDelete && !s.cfg.AllowDestructive && !s.pool.createdPath(u.Path) {
		return nil, fmt.Errorf("DELETE %s: not a resource escarp created (use --allow-destructive): %w", req.Path, check.ErrOutOfScope)
	}
	if key, why := s.unsafeWhy(req, method); why != "" {
		s.guard.withhold(key, why)
		return nil, fmt.Errorf("%s %s: %s (use --allow-destructive): %w", method, req.Path, why, check.ErrOutOfScope)
	}
	req = s.safeBody(req, method)
	var (
		a   *auth
		hdr http.Header
		gen int
	)
	if req.Identity != "" {
		a = s.auths[req.Identity]
		if a == nil {
			return nil, fmt.Errorf("identity %q: %w", req.Identity, errUnknownIdentity)
		}
		hdr, gen, err = a.credentials(ctx, s.sendAuth)
		if err != nil {
			return nil, fmt.Errorf("identity %q: %w", req.Identity, err)
		}
	}
	for attempt := 0; ; attempt++ {
		resp, err := s.roundTrip(ctx, req, method, u, hdr, bypass)
		if err != nil {
			return nil, err
		}
		if resp.Status == http.StatusTooManyRequests {
			s.slowDown()
		} else {
			s.recover()
		}
		if resp.Status == http.StatusTooManyRequests && attempt < 2 {
			if wait, ok := s.retryAfter(resp.Header.Get("Retry-After"), u.Path); ok {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return resp, nil
				case <-t.C:
				}
				continue
			}
		}
		if resp.Status == http.StatusUnauthorized && a != nil && a.dynamic() && attempt == 0 {
			if h, g, err := a.refresh(ctx, s.sendAuth, gen); err == nil {
				hdr, gen = h, g
				continue
			}
		}
		resp.Failed = s.shapes.failed(resp)
		s.observe(req, method, u, resp)
		return resp, nil
	}
}

// slowDown lowers the request rate by 30% after a 429, at most once every
// two seconds and never below a quarter of the configured rate (1 request
// per second at least), so a target's own limit is respected without a
// deliberate burst probe slowing the whole scan to a crawl.
func (s *Session) slowDown() {
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	s.slowed.Add(1)
	if time.Since(s.lastSlow) < 2*time.Second {
		return
	}
	s.lastSlow = time.Now()
	cur := s.limiter.Limit()
	base := s.cfg.Rate
	if base <= 0 {
		base = 50
	}
	floor := rate.Limit(max(base/4, 1))
	next := rate.Limit(50)
	if cur != rate.Inf {
		next = max(cur*0.7, floor)
	}
	s.limiter.SetLimit(next)
}

// recover raises a lowered rate by 25% (up to the configured rate) once
// five seconds have passed without a 429, so one burst of 429s (a rate
// limit probe) does not slow the rest of the scan.
func (s *Session) recover() {
	if s.slowed.Load() == 0 {
		return
	}
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	cur, want := s.limiter.Limit(), rate.Limit(s.cfg.Rate)
	if s.cfg.Rate <= 0 {
		want = rate.Inf
	}
	if cur >= want || time.Since(s.lastSlow) < 5*time.Second || time.Since(s.lastRaise) < 5*time.Second {
		return
	}
	s.lastRaise = time.Now()
	s.limiter.SetLimit(min(cur*1.25, want))
}

// retryAfter parses a Retry-After header and bounds the wait by the
// remaining time budget and maxRetryAfter.
func (s *Session) retryAfter(v, path string) (time.Duration, bool) {
	wait := time.Second
	if v != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			wait = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			wait = time.Until(t)
		}
	}
	if wait < 0 {
		wait = 0
	}
	if time.Now().Add(wait).After(s.end) {
		// Waiting would spend the whole budget. One locked-out operation
		// (a login after a brute-force probe) is the target defending
		// itself; the same on several operations means the scan cannot
		// go on: stop it, honestly.
		s.rateMu.Lock()
		if s.pastBudget == nil {
			s.pastBudget = map[string]bool{}
		}
		s.pastBudget[path] = true
		n := len(s.pastBudget)
		s.rateMu.Unlock()
		if n >= pastBudgetOps {
			s.stopRetry.Store(true)
			s.budgetHit.Store(true)
		}
		return 0, false
	}
	if wait > maxRetryAfter {
		return 0, false
	}
	return wait, true
}

// resolve builds the absolute URL of req and refuses anything that would
// leave the target's origin.
func (s *Session) resolve(req *check.Request) (*url.URL, error) {
	p := req.Path
	if p == "" {
		p = "/"
	}
	if strings.Contains(p, "://") || strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") && strings.Contains(strings.TrimPrefix(p, "//"), ".") {
		ref, err := url.Parse(p)
		if err != nil || ref.Host != "" && !strings.EqualFold(ref.Scheme+"://"+ref.Host, s.origin) {
			return nil, fmt.Errorf("%s: %w", redactURL(p), check.ErrOutOfScope)
		}
		p = ref.RequestURI()
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	base := strings.TrimRight(s.target.EscapedPath(), "/")
	raw := s.origin + base + p
	u, err := url.Parse(raw)
	if err != nil {
		// Characters a check put into the path on purpose: escape them.
		u = &url.URL{Scheme: s.target.Scheme, Host: s.target.Host, Path: s.target.Path + p}
		u.RawPath = ""
	}
	if u.Host != s.target.Host || u.Scheme != s.target.Scheme || u.User != nil {
		return nil, fmt.Errorf("%s: %w", redactURL(raw), check.ErrOutOfScope)
	}
	q := u.Query()
	if len(req.Query) > 0 {
		for k, vs := range req.Query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

func redactURL(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// take reserves one request of the budget.
func (s *Session) take(bypass bool) error {
	if bypass {
		s.requests.Add(1)
		return nil
	}
	if time.Now().After(s.end) {
		s.budgetHit.Store(true)
		return fmt.Errorf("time budget of %s spent: %w", s.cfg.MaxDuration, check.ErrBudget)
	}
	n := s.requests.Add(1)
	if s.cfg.MaxRequests > 0 && n > int64(s.cfg.MaxRequests) {
		s.requests.Add(-1)
		s.budgetHit.Store(true)
		return fmt.Errorf("request budget of %d spent: %w", s.cfg.MaxRequests, check.ErrBudget)
	}
	return nil
}

func (s *Session) roundTrip(ctx context.Context, req *check.Request, method string, u *url.URL, cred http.Header, bypass bool) (*check.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.sem }()
	if err := s.take(bypass); err != nil {
		return nil, err
	}
	if !bypass {
		dl := s.end
		if d, ok := ctx.Deadline(); ok && d.Before(dl) {
			dl = d
		}
		wctx, cancel := context.WithDeadline(ctx, dl)
		err := s.limiter.Wait(wctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.budgetHit.Store(true)
			return nil, fmt.Errorf("time budget of %s spent: %w", s.cfg.MaxDuration, check.ErrBudget)
		}
	}
	timeout := s.cfg.Timeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(rctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	hreq.Header.Set("User-Agent", userAgent)
	hreq.Header.Set("Accept", "application/json, */*;q=0.5")
	if len(req.Body) > 0 {
		hreq.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range cred {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range req.Header {
		ck := http.CanonicalHeaderKey(k)
		if ck == "Host" && len(vs) > 0 {
			hreq.Host = vs[0]
			continue
		}
		hreq.Header[ck] = append([]string(nil), vs...)
	}
	started := time.Now()
	hresp, err := s.client.Do(hreq)
	if err != nil {
		s.errors.Add(1)
		return nil, fmt.Errorf("%s %s: %w", method, req.Path, err)
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, s.cfg.MaxBody+1))
	truncated := int64(len(data)) > s.cfg.MaxBody
	if truncated {
		data = data[:s.cfg.MaxBody]
	}
	if err != nil && !truncated && len(data) == 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
		s.errors.Add(1)
		return nil, fmt.Errorf("%s %s: reading body: %w", method, req.Path, err)
	}
	sent := hreq.Header.Clone()
	if hreq.Host != "" {
		sent.Set("Host", hreq.Host)
	}
	switch c := hresp.StatusCode; {
	case c == http.StatusTooManyRequests:
		s.tooMany.Add(1)
	case c >= 500:
		s.serverErrors.Add(1)
	case c >= 300 && c < 400 && c != http.StatusNotModified:
		s.redirects.Add(1)
	}
	if truncated || err != nil {
		s.truncated.Add(1)
	}
	return &check.Response{
		Status:    hresp.StatusCode,
		Header:    hresp.Header,
		Body:      data,
		Truncated: truncated || err != nil,
		Duration:  time.Since(started),
		URL:       u.String(),
		Request:   req,
		Sent:      sent,
	}, nil
}

// sendAuth sends a login or token request: relative paths go to the
// target; it counts against the budget but is never rate limited away.
func (s *Session) sendAuth(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	if req.URL.Host == "" {
		u := *s.target
		u.Path = loginPath(s.target.Path, req.URL.Path)
		u.RawQuery = req.URL.RawQuery
		req.URL = &u
		req.Host = u.Host
	}
	if err := s.take(true); err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req = req.WithContext(rctx)
	req.Header.Set("User-Agent", userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxBody))
	if err != nil {
		return nil, nil, err
	}
	return resp, body, nil
}

// loginPath joins a login flow's path to the target's base path, unless
// the path already starts with it: users write the login path as the API
// documents it ("/api/auth/login"), whether the base path "/api" came from
// the target URL or from the description's servers.
func loginPath(base, path string) string {
	base = strings.TrimRight(base, "/")
	if base != "" && (path == base || strings.HasPrefix(path, base+"/")) {
		return path
	}
	return base + "/" + strings.TrimLeft(path, "/")
}

func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// hostPort returns the dial address of u, with the scheme's default port.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
