package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/netedge"
)

// userAgent identifies escarp's requests in the target's logs.
const userAgent = "escarp-scan/1"

// errUnknownIdentity is returned by Do for an identity that is not
// configured or failed its self-test.
var errUnknownIdentity = errors.New("unknown or unauthenticated identity")

// Session is the engine's implementation of [check.Session]: every request
// a check sends goes through it, and from it through the network edge
// ([netedge.Edge]) that holds scope, rate and budget.
type Session struct {
	cfg    Config
	api    *escarp.API
	target *url.URL
	origin string // scheme://host:port of the target

	edge   *netedge.Edge
	client *http.Client
	start  time.Time

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
	// stopRetry is set when several operations answered with a
	// Retry-After reaching past the time budget.
	tooMany, serverErrors, redirects, truncated atomic.Int64
	stopRetry                                   atomic.Bool
	// pastBudget holds the paths answered with a Retry-After past the
	// time budget.
	pastMu     sync.Mutex
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
		start:   time.Now(),
		all:     map[string]*auth{},
		auths:   map[string]*auth{},
		pool:    newPool(),
		plan:    newPlan(api),
		learned: map[*escarp.Operation]*learning{},
	}
	s.matchers = newMatchers(api)
	s.useTransport(nil)
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

// useTransport (re)builds the session's edge over base (nil: the edge's
// own transport, whose dial guard never opens a connection to a host:port
// that is not the target or a configured identity provider).
func (s *Session) useTransport(base http.RoundTripper) {
	origins := []string{s.target.String()}
	for _, id := range s.cfg.Identities {
		if id.OAuth2 != nil {
			if u, err := url.Parse(id.OAuth2.TokenURL); err == nil && u.Host != "" {
				origins = append(origins, u.String())
			}
		}
		if id.Login != nil {
			if u, err := url.Parse(id.Login.Request.Path); err == nil && u.Host != "" {
				origins = append(origins, u.String())
			}
		}
	}
	rps := s.cfg.Rate
	if rps < 0 {
		rps = 0
	}
	s.edge = netedge.New(netedge.Config{
		Origins:       origins,
		Rate:          rps,
		Adaptive:      true,
		Concurrency:   s.cfg.Concurrency,
		MaxRequests:   s.cfg.MaxRequests,
		MaxDuration:   s.cfg.MaxDuration,
		Timeout:       s.cfg.Timeout,
		MaxBody:       s.cfg.MaxBody,
		Retries:       2,
		MaxRetryAfter: maxRetryAfter,
		// Rate-limit checks must see the 429s they provoke.
		Return429: true,
		UserAgent: userAgent,
		Transport: base,
	})
	s.client = s.edge.Client()
}

// close releases the listener and idle connections.
func (s *Session) close() {
	if s.cb != nil {
		s.cb.close()
	}
	s.edge.Close()
}

// Requests returns the number of requests sent so far.
func (s *Session) Requests() int64 { return s.edge.Stats().Requests }

// budgetHit reports whether a request was refused for lack of budget.
func (s *Session) budgetHit() bool { return s.edge.Stats().BudgetHit }

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
		if resp.Status == http.StatusUnauthorized && a != nil && a.dynamic() && attempt == 0 {
			if h, g, err := a.refresh(ctx, s.sendAuth, gen); err == nil {
				hdr, gen = h, g
				continue
			}
		}
		if resp.Status == http.StatusTooManyRequests {
			s.pastTheBudget(resp.Header.Get("Retry-After"), u.Path)
		}
		resp.Failed = s.shapes.failed(resp)
		s.observe(req, method, u, resp)
		return resp, nil
	}
}

// pastTheBudget records a 429 whose Retry-After reaches past the time
// budget (the edge hands those back instead of waiting). One locked-out
// operation (a login after a brute-force probe) is the target defending
// itself; the same on several operations means the scan cannot go on:
// stopRetry stops it, honestly.
func (s *Session) pastTheBudget(retryAfter, path string) {
	wait := time.Second
	if v := strings.TrimSpace(retryAfter); v != "" {
		if secs, err := strconv.Atoi(v); err == nil {
			wait = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			wait = time.Until(t)
		}
	}
	if s.cfg.MaxDuration <= 0 || !time.Now().Add(wait).After(s.start.Add(s.cfg.MaxDuration)) {
		return
	}
	s.pastMu.Lock()
	defer s.pastMu.Unlock()
	if s.pastBudget == nil {
		s.pastBudget = map[string]bool{}
	}
	s.pastBudget[path] = true
	if len(s.pastBudget) >= pastBudgetOps {
		s.stopRetry.Store(true)
	}
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

// edgeErr adds the check package's sentinel to an edge refusal, so checks
// test for check.ErrBudget and check.ErrOutOfScope as before.
func edgeErr(err error) error {
	switch {
	case errors.Is(err, netedge.ErrBudget):
		return fmt.Errorf("%w (%w)", check.ErrBudget, err)
	case errors.Is(err, netedge.ErrOutOfScope):
		return fmt.Errorf("%w (%w)", check.ErrOutOfScope, err)
	}
	return err
}

func (s *Session) roundTrip(ctx context.Context, req *check.Request, method string, u *url.URL, cred http.Header, bypass bool) (*check.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rctx := ctx
	if bypass {
		rctx = netedge.Unmetered(rctx)
	}
	if req.Timeout > 0 {
		rctx = netedge.WithTimeout(rctx, req.Timeout)
	}
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(rctx, method, u.String(), body) // #nosec G704 G107 -- a scanner sends to the target it was given; the network edge refuses every origin outside that scope
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
	hresp, err := s.edge.RoundTrip(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s %s: %w", method, req.Path, edgeErr(err))
	}
	defer hresp.Body.Close()
	started := netedge.SentAt(hresp)
	data, err := io.ReadAll(hresp.Body)
	truncated := netedge.Truncated(hresp.Body)
	if err != nil && len(data) == 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
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
	req = req.WithContext(netedge.Unmetered(ctx))
	req.Header.Set("User-Agent", userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, edgeErr(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
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
