package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// DefaultBurst is the number of requests RATE-001 sends at most.
const DefaultBurst = 60

// Burst is ESC-DAST-RATE-001: no rate limiting.
type Burst struct {
	// Requests is the size of the burst (default [DefaultBurst]).
	Requests int
}

var _ check.Check = (*Burst)(nil)

// Info returns the check's metadata.
func (c *Burst) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-RATE-001",
		Title:    "No rate limiting",
		Severity: escarp.SeverityMedium,
		OWASP:    "API4:2023",
		CWE:      []string{"CWE-770"},
		Description: "Sends a bounded burst (60 requests) to each of up to four operations: login operations (anonymous, as a " +
			"credential-stuffing client would) and operations whose path says they are expensive (tools, lookups, search, one-time codes, " +
			"password reset); a cheap GET without path parameters when there are none. Each burst stops at the first 429 or 503. " +
			"It reports when every request was answered without throttling: no 429/503, no rate-limit headers (RateLimit-*, " +
			"X-RateLimit-*, Retry-After) and no request held back (escarp honours Retry-After, which would show as a delay). Run once per API, reported per operation.",
		Remediation: "Limit requests per client and per account, strictest on login and expensive operations:\n\n" +
			"```go\nlim := rate.NewLimiter(rate.Every(time.Second), 10) // per client key\nif !lim.Allow() {\n\tw.Header().Set(\"Retry-After\", \"1\")\n\thttp.Error(w, \"too many requests\", http.StatusTooManyRequests)\n\treturn\n}\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
			"https://cwe.mitre.org/data/definitions/770.html",
		},
		Scope: check.PerAPI,
	}
}

var (
	loginPath     = regexp.MustCompile(`(?i)(login|log-in|signin|sign-in|sign_in|/token$|authenticate|/sessions?$)`)
	expensivePath = regexp.MustCompile(`(?i)(/tools?/|lookup|/dns|/ping|/exec|/command|/otp|/sms|/verify|/reset|password|forgot|/search)`)
)

// maxTargets bounds the operations that get a burst.
const maxTargets = 4

// target is an operation that gets a burst.
type target struct {
	op    *escarp.Operation
	login bool
}

// targets picks the operations of the bursts: login operations, then
// operations whose path says they are expensive (tools, lookups, search,
// one-time codes); a cheap GET without path parameters when there is
// neither.
func targets(api *escarp.API) []target {
	var out []target
	for _, op := range api.Operations {
		if len(out) < maxTargets && op.Method == "POST" && loginPath.MatchString(op.Path) && op.Anonymous() {
			out = append(out, target{op, true})
		}
	}
	for _, op := range api.Operations {
		if len(out) < maxTargets && expensivePath.MatchString(op.Path) && !loginPath.MatchString(op.Path) &&
			(op.Method == "GET" || op.Method == "POST") {
			out = append(out, target{op, false})
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, op := range api.Operations {
		if op.Method == "GET" && !slices.ContainsFunc(op.Parameters, func(p *escarp.Parameter) bool { return p.In == "path" }) {
			return []target{{op, false}}
		}
	}
	return nil
}

var limitHeaders = []string{"RateLimit", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Policy",
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "Retry-After"}

// Run sends the bursts.
func (c *Burst) Run(ctx context.Context, p *check.Pass) error {
	for _, t := range targets(p.API) {
		if err := c.burst(ctx, p, t.op, t.login); err != nil {
			return err
		}
	}
	return nil
}

func (c *Burst) burst(ctx context.Context, p *check.Pass, op *escarp.Operation, login bool) error {
	ident := checkkit.Prober(p)
	if login {
		ident = ""
	}
	req, err := p.Session.Prepare(ctx, op, ident)
	if err != nil || req == nil {
		return budget(err)
	}
	req = checkkit.Contain(p, req)
	n := c.Requests
	if n <= 0 {
		n = DefaultBurst
	}
	var first, last *check.Response
	var walls []time.Duration
	for range n {
		start := time.Now()
		resp, err := checkkit.Send(ctx, p, req.Clone())
		if err != nil {
			return err
		}
		if resp == nil {
			return nil // unanswered requests are not evidence either way
		}
		walls = append(walls, time.Since(start))
		if resp.Status == 429 || resp.Status == 503 {
			return nil
		}
		for _, h := range limitHeaders {
			if resp.Header.Get(h) != "" {
				return nil
			}
		}
		if resp.Status >= 500 || (!login && !resp.OK()) {
			return nil // a failing operation says nothing about limits
		}
		if first == nil {
			first = resp
		}
		last = resp
	}
	// A request held back by a second or more was throttled (the engine
	// waited out a Retry-After, or the server slowed the client down).
	sorted := slices.Clone(walls)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	if sorted[len(sorted)-1] > median+900*time.Millisecond {
		return nil
	}
	what := "operation"
	if login {
		what = "login operation"
	}
	p.Report(checkkit.Finding(c.Info(), op, last, "",
		fmt.Sprintf("%d requests to the %s %s in %s were all answered (%d first, %d last): no rate limiting",
			n, what, op.Key(), sum(walls).Round(time.Millisecond), first.Status, last.Status),
		fmt.Sprintf("no 429, no rate-limit header, slowest request %s", sorted[len(sorted)-1].Round(time.Millisecond))))
	return nil
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

// budget returns err when it means the check must stop, else nil.
func budget(err error) error {
	if errors.Is(err, check.ErrBudget) {
		return err
	}
	return nil
}
