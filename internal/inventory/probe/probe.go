// Package probe is active API discovery (`escarp discover`): it finds API
// descriptions at well-known locations, GraphQL endpoints that answer
// introspection, sibling versions of documented paths (/v1 beside /v2),
// and undocumented routes from a wordlist, filtering wildcard and soft-404
// answers the way Kiterunner does so that a server answering 200 to
// everything yields no false routes.
//
// Probing obeys the scanner's safety rules: requests go only to the
// target's origin, redirects are never followed, only GET (and one
// read-only GraphQL introspection POST per candidate) is sent, and rate,
// concurrency, request and time budgets bound the run.
package probe

import (
	"bytes"
	"context"
	_ "embed" // the built-in wordlist
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/discovery"
	"github.com/escarp/escarp/internal/netedge"
)

// Config bounds and tunes a discovery run.
type Config struct {
	// Target is the base URL; only its origin is ever contacted.
	Target string
	// Rate is requests per second (default 25); Concurrency the number of
	// requests in flight (default 4).
	Rate        float64
	Concurrency int
	// MaxRequests and MaxDuration are budgets (defaults 3000 and 2m).
	MaxRequests int
	MaxDuration time.Duration
	// Timeout bounds each request (default 10s).
	Timeout time.Duration
	// Words are extra wordlist entries (e.g. from a --wordlist file).
	Words []string
	// NoBuiltin skips the built-in wordlist.
	NoBuiltin bool
	// Known is the documented API, when given: its paths seed version
	// siblings and its operations are not reported as undocumented.
	Known *escarp.API
	// Header is added to every request (authentication for probing).
	Header http.Header
	// Transport replaces the transport under the network edge (tests);
	// scope, budgets and the rule against following redirects still apply.
	Transport http.RoundTripper
	// ParseSpec loads an API description found on the target (the
	// command passes the spec loader); its paths then seed version
	// siblings and the wordlist prefixes. Nil skips it.
	ParseSpec func(url string, data []byte) (*escarp.API, error)
	// Quarantine is how many consecutive accepted answers mark a host as
	// a wildcard (default 12).
	Quarantine int
}

// Result is what a discovery run found.
type Result struct {
	Target   string    `json:"target"`
	Specs    []Spec    `json:"specs"`
	GraphQL  []string  `json:"graphql"`
	Routes   []Route   `json:"routes"`
	Requests int       `json:"requests"`
	Wildcard bool      `json:"wildcard"`
	Notes    []string  `json:"notes,omitempty"`
	Started  time.Time `json:"started"`
	Duration string    `json:"duration"`
}

// Spec is an API description found at a URL.
type Spec struct {
	URL    string `json:"url"`
	Format string `json:"format"`
	Data   []byte `json:"-"`
}

// Route is a path that answered like a real endpoint.
type Route struct {
	Method     string `json:"method"`
	Path       string `json:"path"`
	Status     int    `json:"status"`
	Length     int    `json:"length"`
	Reason     string `json:"reason"` // "wordlist", "version-sibling", "spec", "graphql"
	Documented bool   `json:"documented"`
}

type prober struct {
	cfg    Config
	base   *url.URL
	edge   *netedge.Edge
	stop   time.Time
	mu     sync.Mutex
	bases  map[string]*discovery.NotFound // prefix → how it answers paths that do not exist
	streak int
	wild   bool
}

// ErrBudget is returned (wrapped) when the request or time budget ran out;
// the result so far is still returned.
var ErrBudget = errors.New("discovery budget exhausted")

// Discover runs active discovery against cfg.Target.
func Discover(ctx context.Context, cfg Config) (*Result, error) {
	const op = "probe.Discover"
	u, err := url.Parse(strings.TrimRight(cfg.Target, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: fmt.Sprintf("target %q is not an http(s) URL", cfg.Target)}
	}
	defaults(&cfg)
	p := &prober{cfg: cfg, base: u, bases: map[string]*discovery.NotFound{}, stop: time.Now().Add(cfg.MaxDuration)}
	p.edge = netedge.New(netedge.Config{
		Origins:     []string{u.String()},
		Rate:        cfg.Rate,
		Burst:       max(1, int(cfg.Rate)),
		Concurrency: cfg.Concurrency,
		MaxRequests: cfg.MaxRequests,
		MaxDuration: cfg.MaxDuration,
		Timeout:     cfg.Timeout,
		MaxBody:     maxBody,
		Retries:     2,
		UserAgent:   "escarp-discover",
		Transport:   cfg.Transport,
	})
	defer p.edge.Close()
	ctx, cancel := context.WithDeadline(ctx, p.stop)
	defer cancel()

	res := &Result{Target: u.String(), Started: time.Now().UTC(), Specs: []Spec{}, GraphQL: []string{}, Routes: []Route{}}
	defer func() {
		res.Requests = int(p.edge.Stats().Requests)
		res.Duration = time.Since(res.Started).Round(time.Millisecond).String()
	}()

	// The root must answer at all.
	if _, err := p.get(ctx, "/"); err != nil {
		return res, &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "target " + u.String() + " does not answer", Err: err}
	}
	if err := p.baselines(ctx, ""); err != nil {
		return res, err
	}
	documented := map[string]bool{}
	if cfg.Known != nil {
		for _, o := range cfg.Known.Operations {
			documented[o.Method+" "+o.Path] = true
		}
	}
	found := map[string]*Route{}
	add := func(r Route) {
		key := r.Method + " " + r.Path
		if _, ok := found[key]; ok {
			return
		}
		r.Documented = matchesDocumented(r.Method, r.Path, cfg.Known)
		found[key] = &r
	}

	// 1. API descriptions at well-known locations.
	for _, sp := range p.findSpecs(ctx) {
		res.Specs = append(res.Specs, sp)
		add(Route{Method: "GET", Path: mustPath(sp.URL), Status: 200, Length: len(sp.Data), Reason: "spec"})
		if cfg.Known == nil && cfg.ParseSpec != nil {
			if api, err := cfg.ParseSpec(sp.URL, sp.Data); err == nil && api != nil {
				cfg.Known = api
				p.cfg.Known = api
			} else if err != nil {
				res.Notes = append(res.Notes, fmt.Sprintf("%s: found but not loadable: %v", sp.URL, err))
			}
		}
	}
	// 2. GraphQL introspection.
	for _, g := range p.findGraphQL(ctx) {
		res.GraphQL = append(res.GraphQL, g)
		add(Route{Method: "POST", Path: g, Status: 200, Reason: "graphql"})
	}
	// 3. Version siblings and 4. the wordlist, against baselines per prefix.
	var candidates []candidate
	candidates = append(candidates, siblings(cfg.Known)...)
	candidates = append(candidates, p.wordCandidates(cfg.Known)...)
	routes, err := p.probeAll(ctx, candidates)
	for _, r := range routes {
		add(r)
	}
	res.Wildcard = p.wild
	if p.wild {
		res.Notes = append(res.Notes, "the target answers like a wildcard (every path accepted): route probing stopped, no routes reported from it")
		// Keep only what does not depend on path guessing.
		for k, r := range found {
			if r.Reason == "wordlist" || r.Reason == "version-sibling" {
				delete(found, k)
			}
		}
	}
	for _, r := range found {
		res.Routes = append(res.Routes, *r)
	}
	sort.Slice(res.Routes, func(i, j int) bool {
		if res.Routes[i].Path != res.Routes[j].Path {
			return res.Routes[i].Path < res.Routes[j].Path
		}
		return res.Routes[i].Method < res.Routes[j].Method
	})
	if err != nil {
		res.Notes = append(res.Notes, err.Error())
		if errors.Is(err, ErrBudget) {
			return res, nil
		}
		return res, err
	}
	return res, nil
}

func defaults(c *Config) {
	if c.Rate <= 0 {
		c.Rate = 25
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.MaxRequests <= 0 {
		c.MaxRequests = 3000
	}
	if c.MaxDuration <= 0 {
		c.MaxDuration = 2 * time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Quarantine <= 0 {
		c.Quarantine = 12
	}
}

// response is a bounded read of an answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

const maxBody = 512 << 10

func (p *prober) do(ctx context.Context, method, path string, body []byte, ctype string) (*response, error) {
	u := *p.base
	u.Path = strings.TrimRight(p.base.Path, "/") + "/" + strings.TrimLeft(path, "/")
	u.RawQuery = ""
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range p.cfg.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := p.edge.RoundTrip(req)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, netedge.ErrBudget) || errors.Is(err, netedge.ErrRetryAfter) {
			return nil, fmt.Errorf("%w: %w", ErrBudget, err)
		}
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func (p *prober) get(ctx context.Context, path string) (*response, error) {
	return p.do(ctx, http.MethodGet, path, nil, "")
}

// baselines records how the target answers paths that cannot exist under
// prefix ("" for the root, "/api/v2"...).
func (p *prober) baselines(ctx context.Context, prefix string) error {
	p.mu.Lock()
	_, done := p.bases[prefix]
	p.mu.Unlock()
	if done {
		return nil
	}
	nf := &discovery.NotFound{}
	for _, path := range discovery.Probes(prefix) {
		r, err := p.get(ctx, path)
		if err != nil {
			return err
		}
		nf.Learn(path, r.status, r.body)
	}
	p.mu.Lock()
	p.bases[prefix] = nf
	p.mu.Unlock()
	return nil
}

// soft reports whether an answer looks like the answers of its prefix (or
// the root) to paths that do not exist: a wildcard or a soft 404.
func (p *prober) soft(prefix, path string, r *response) bool {
	p.mu.Lock()
	nf, root := p.bases[prefix], p.bases[""]
	p.mu.Unlock()
	return nf.Matches(path, r.status, r.body) || root.Matches(path, r.status, r.body)
}

// wellKnownSpecs are where API descriptions are commonly served.
var wellKnownSpecs = []string{
	"/openapi.json", "/openapi.yaml", "/openapi.yml", "/swagger.json", "/swagger.yaml",
	"/v3/api-docs", "/v2/api-docs", "/api-docs", "/api-docs.json", "/swagger/v1/swagger.json",
	"/api/openapi.json", "/api/openapi.yaml", "/api/swagger.json", "/api/v1/openapi.json",
	"/api/v2/openapi.json", "/api/v3/openapi.json", "/docs/openapi.json", "/.well-known/openapi.json",
	"/.well-known/openapi.yaml", "/openapi/v3", "/api/docs/swagger.json",
}

func (p *prober) findSpecs(ctx context.Context) []Spec {
	var out []Spec
	for _, path := range wellKnownSpecs {
		r, err := p.get(ctx, path)
		if err != nil {
			break
		}
		if r.status != http.StatusOK {
			continue
		}
		if f := detectSpec(r.body); f != "" {
			u := *p.base
			u.Path = path
			out = append(out, Spec{URL: u.String(), Format: f, Data: r.body})
		}
	}
	return out
}

// specKey finds a top-level openapi: or swagger: key of a YAML document.
var specKey = regexp.MustCompile(`(?m)^["']?(openapi|swagger)["']?\s*:`)

// detectSpec recognises an OpenAPI or Swagger document by its top-level
// keys (JSON) or key lines (YAML).
func detectSpec(b []byte) string {
	t := bytes.TrimSpace(b)
	if len(t) > 0 && t[0] == '{' {
		var top map[string]json.RawMessage
		if json.Unmarshal(t, &top) != nil {
			return ""
		}
		for _, key := range []string{"openapi", "swagger"} {
			if _, ok := top[key]; ok {
				return key
			}
		}
		return ""
	}
	if m := specKey.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

var graphqlPaths = []string{"/graphql", "/api/graphql", "/v1/graphql", "/graphql/v1", "/query", "/gql", "/api/gql"}

func (p *prober) findGraphQL(ctx context.Context) []string {
	var out []string
	body := []byte(`{"query":"query escarpIntrospection { __schema { queryType { name } } }"}`)
	for _, path := range graphqlPaths {
		r, err := p.do(ctx, http.MethodPost, path, body, "application/json")
		if err != nil {
			break
		}
		if r.status >= 400 && r.status != 400 {
			continue
		}
		var v struct {
			Data struct {
				Schema *struct {
					QueryType struct{ Name string } `json:"queryType"`
				} `json:"__schema"`
			} `json:"data"`
			Errors []any `json:"errors"`
		}
		if json.Unmarshal(r.body, &v) == nil && (v.Data.Schema != nil || len(v.Errors) > 0 && bytes.Contains(r.body, []byte("__schema"))) {
			out = append(out, path)
		}
	}
	return out
}

type candidate struct {
	prefix, path, reason string
}

// siblings derives other versions of documented paths: /api/v2/x → /api/v1/x, /api/v3/x.
func siblings(api *escarp.API) []candidate {
	if api == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []candidate
	for _, op := range api.Operations {
		if op.Method != http.MethodGet {
			continue
		}
		segs := strings.Split(strings.Trim(op.Path, "/"), "/")
		for i, s := range segs {
			n, ok := version(s)
			if !ok {
				continue
			}
			for _, v := range []int{n - 1, n + 1, 1} {
				if v < 0 || v == n {
					continue
				}
				alt := append([]string(nil), segs...)
				alt[i] = s[:1] + fmt.Sprint(v)
				for j, a := range alt {
					if strings.HasPrefix(a, "{") {
						alt[j] = "1"
					}
				}
				path := "/" + strings.Join(alt, "/")
				prefix := "/" + strings.Join(alt[:i+1], "/")
				if !seen[path] {
					seen[path] = true
					out = append(out, candidate{prefix: prefix, path: path, reason: "version-sibling"})
				}
			}
			break
		}
	}
	return out
}

func version(s string) (int, bool) {
	if len(s) < 2 || (s[0] != 'v' && s[0] != 'V') {
		return 0, false
	}
	n := 0
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n < 100
}

// wordCandidates places the wordlist at the root and under each API
// prefix of the documented paths (/api/v2).
func (p *prober) wordCandidates(api *escarp.API) []candidate {
	var words []string
	if !p.cfg.NoBuiltin {
		for _, w := range discovery.Builtin() {
			words = append(words, w.Path)
		}
	}
	words = append(words, p.cfg.Words...)
	prefixes := []string{""}
	if api != nil {
		seen := map[string]bool{"": true}
		for _, op := range api.Operations {
			segs := strings.Split(strings.Trim(op.Path, "/"), "/")
			for i, s := range segs {
				if _, ok := version(s); ok || s == "api" {
					pre := "/" + strings.Join(segs[:i+1], "/")
					if !seen[pre] {
						seen[pre] = true
						prefixes = append(prefixes, pre)
					}
				}
			}
		}
	}
	var out []candidate
	seen := map[string]bool{}
	for _, pre := range prefixes {
		for _, w := range words {
			path := pre + "/" + strings.TrimLeft(w, "/")
			if !seen[path] {
				seen[path] = true
				out = append(out, candidate{prefix: pre, path: path, reason: "wordlist"})
			}
		}
	}
	return out
}

// ParseWordlist reads a wordlist file's content (the format of
// [discovery.Builtin]): the paths, blank lines and # comments ignored.
func ParseWordlist(s string) []string { return discovery.Paths([]byte(s)) }

// probeAll sends GET to every candidate with bounded concurrency, keeping
// answers that differ from their prefix's baselines; many consecutive
// accepted answers quarantine the host as a wildcard.
func (p *prober) probeAll(ctx context.Context, cands []candidate) ([]Route, error) {
	// Baselines per prefix first, sequentially.
	for _, c := range cands {
		if err := p.baselines(ctx, c.prefix); err != nil {
			return nil, err
		}
	}
	var (
		mu       sync.Mutex
		routes   []Route
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan candidate)
	for i := 0; i < p.cfg.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				r, err := p.get(ctx, c.path)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				if p.soft(c.prefix, c.path, r) {
					p.streak = 0
				} else {
					p.streak++
					if p.streak >= p.cfg.Quarantine {
						p.wild = true
					}
					routes = append(routes, Route{Method: http.MethodGet, Path: c.path, Status: r.status, Length: len(r.body), Reason: c.reason})
				}
				mu.Unlock()
			}
		}()
	}
	for _, c := range cands {
		mu.Lock()
		stop := p.wild || firstErr != nil && errors.Is(firstErr, ErrBudget)
		mu.Unlock()
		if stop {
			break
		}
		select {
		case work <- c:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	return routes, firstErr
}

// Observations turns discovered routes into inventory observations.
func (r *Result) Observations(service string) []escarp.Observation {
	u, _ := url.Parse(r.Target)
	host := ""
	if u != nil {
		host = u.Host
	}
	at := r.Started
	var obs []escarp.Observation
	for _, rt := range r.Routes {
		if rt.Reason == "spec" {
			continue
		}
		obs = append(obs, escarp.Observation{Source: escarp.SourceProbe, Service: service, Host: host,
			Method: rt.Method, Path: rt.Path, Time: at, Status: rt.Status, Where: "escarp discover (" + rt.Reason + ")"})
	}
	return obs
}

func mustPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Path
}

// matchesDocumented reports whether method and path match an operation of
// api, parameters matching any segment.
func matchesDocumented(method, path string, api *escarp.API) bool {
	if api == nil {
		return false
	}
	for _, op := range api.Operations {
		if op.Method != method {
			continue
		}
		if _, ok := escarp.ParsePathTemplate(op.Path).Match(path); ok {
			return true
		}
	}
	return false
}
