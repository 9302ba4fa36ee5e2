package ratelimit

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// DefaultSlowdown is the slowdown RATE-004 requires.
const DefaultSlowdown = time.Second

// ReDoS is ESC-DAST-RATE-004: expensive inputs (regular-expression denial
// of service).
type ReDoS struct {
	// Slowdown is how much slower than the baseline an expensive input
	// must be (default [DefaultSlowdown]).
	Slowdown time.Duration
}

var _ check.Check = (*ReDoS)(nil)

// Info returns the check's metadata.
func (c *ReDoS) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-RATE-004",
		Title:    "Expensive input (ReDoS)",
		Severity: escarp.SeverityMedium,
		OWASP:    "API4:2023",
		CWE:      []string{"CWE-1333", "CWE-400"},
		Description: "Sends catastrophic-backtracking inputs to pattern, regex, search, query, filter and match parameters: nested " +
			"quantifiers such as (a+)+$ and (a|aa)+$ where a pattern is expected, and a long run of 'a' ending in '!' as text, " +
			"each beside a benign twin of the same length. It reports when the expensive input is slower than the baseline by at least " +
			"80% of 1 s twice while its benign twin is not (the statistical rule the time-based checks share).",
		Remediation: "Never compile client patterns with a backtracking engine; use RE2 semantics (Go's regexp), bound input length and time:\n\n" +
			"```go\nif len(pattern) > 100 { return errTooLong }\nre, err := regexp.Compile(pattern) // linear time\nctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)\n```",
		References: []string{
			"https://owasp.org/www-community/attacks/Regular_expression_Denial_of_Service_-_ReDoS",
			"https://cwe.mitre.org/data/definitions/1333.html",
		},
		Scope: check.PerOperation,
	}
}

var expensiveNames = regexp.MustCompile(`(?i)(pattern|regex|regexp|^re$|search|^q$|query|filter|match|expr|glob|keyword|term|find)`)

// evil is an expensive input and its benign twin of the same length.
type evil struct{ slow, fast string }

var evils = []evil{
	{`(a+)+$`, `(ab)c$`},
	{`(a|aa)+$`, `(b|bb)c$`},
	{`^(([a-z])+.)+[A-Z]([a-z])+$`, `^(([a-z])_.)_[A-Z]([a-z])_$`},
	{strings.Repeat("a", 40) + "!", strings.Repeat("a", 41)},
	{`(.*a){25}`, `(.*a){2}x`},
}

// Run probes the expensive-looking points.
func (c *ReDoS) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	var pts []checkkit.Point
	for _, pt := range checkkit.Points(p.Op, req) {
		if pt.Kind == "string" && (pt.In == checkkit.InQuery || pt.In == checkkit.InBody || pt.In == checkkit.InForm) &&
			(expensiveNames.MatchString(pt.Leaf()) || pt.Schema != nil && strings.EqualFold(pt.Schema.Format, "regex")) {
			pts = append(pts, pt)
		}
	}
	if len(pts) == 0 {
		return nil
	}
	slow := c.Slowdown
	if slow <= 0 {
		slow = DefaultSlowdown
	}
	base, _, ok, err := checkkit.Baseline(ctx, p, req, 3)
	if !ok || err != nil {
		return err
	}
	info := c.Info()
	for _, pt := range pts {
		for _, e := range evils {
			mk := func(d time.Duration) *check.Request {
				if d == 0 {
					return pt.With(req, e.fast)
				}
				return pt.With(req, e.slow)
			}
			resp, note, ok, err := checkkit.DelayProbe(ctx, p, mk, slow, base)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			p.Report(checkkit.Finding(info, p.Op, resp, pt.Param(),
				fmt.Sprintf("%s of %s makes the server work for seconds on %q", pt.Describe(), p.Op.Key(), e.slow),
				strings.Replace(note, "payload with "+slow.String()+" delay", "expensive input", 1)+"; benign twin "+fmt.Sprintf("%q", e.fast)))
			break
		}
	}
	return nil
}
