package misconfig

import (
	"context"
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Headers is ESC-DAST-CONF-002: missing security headers.
type Headers struct{}

var _ check.Check = (*Headers)(nil)

// Info returns the check's metadata.
func (c *Headers) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-CONF-002",
		Title:    "Missing security headers",
		Severity: escarp.SeverityLow,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-693"},
		Description: "Reads the headers of valid answers of up to three GET operations, each sent twice: " +
			"X-Content-Type-Options: nosniff on every answer; Cache-Control with no-store (or private, no-cache, max-age=0) on authenticated answers; " +
			"Strict-Transport-Security on https targets only; Content-Security-Policy or X-Frame-Options on HTML answers. " +
			"A header is reported once per API when it is missing from every sampled answer.",
		Remediation: "Set the headers in one middleware:\n\n" +
			"```go\nh := w.Header()\nh.Set(\"X-Content-Type-Options\", \"nosniff\")\nh.Set(\"Cache-Control\", \"no-store\")\nh.Set(\"Strict-Transport-Security\", \"max-age=63072000; includeSubDomains\") // https\n```",
		References: []string{
			"https://cheatsheetseries.owasp.org/cheatsheets/REST_Security_Cheat_Sheet.html#security-headers",
			"https://cwe.mitre.org/data/definitions/693.html",
		},
		Scope: check.PerAPI,
	}
}

// requirement is one header requirement; applies says whether it holds
// for an answer, ok whether the answer meets it.
type requirement struct {
	name    string
	why     string
	applies func(*check.Pass, *check.Request, *check.Response) bool
	ok      func(*check.Response) bool
}

var requirements = []requirement{
	{"X-Content-Type-Options", "browsers may sniff answers as HTML",
		func(*check.Pass, *check.Request, *check.Response) bool { return true },
		func(r *check.Response) bool {
			return strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Content-Type-Options")), "nosniff")
		}},
	{"Cache-Control", "authenticated answers may be stored by shared caches",
		func(_ *check.Pass, q *check.Request, _ *check.Response) bool {
			return q.Identity != "" && q.Op != nil && !q.Op.Anonymous()
		},
		func(r *check.Response) bool {
			cc := strings.ToLower(r.Header.Get("Cache-Control"))
			return strings.Contains(cc, "no-store") || strings.Contains(cc, "private") ||
				strings.Contains(cc, "no-cache") || strings.Contains(cc, "max-age=0")
		}},
	{"Strict-Transport-Security", "clients may be downgraded to plain HTTP",
		func(p *check.Pass, _ *check.Request, _ *check.Response) bool {
			return p.Target != nil && p.Target.Scheme == "https"
		},
		func(r *check.Response) bool { return r.Header.Get("Strict-Transport-Security") != "" }},
	{"Content-Security-Policy", "HTML answers can be framed or run injected scripts",
		func(_ *check.Pass, _ *check.Request, r *check.Response) bool {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			return mt == "text/html"
		},
		func(r *check.Response) bool {
			return r.Header.Get("Content-Security-Policy") != "" || r.Header.Get("X-Frame-Options") != ""
		}},
}

// Run samples answers and reports each missing header once.
func (c *Headers) Run(ctx context.Context, p *check.Pass) error {
	ss, err := samples(ctx, p, maxSamples, false)
	if err != nil {
		return err
	}
	authed, err := samples(ctx, p, 2, true)
	if err != nil {
		return err
	}
	for _, s := range authed {
		if !slices.ContainsFunc(ss, func(x sample) bool { return x.req.Op == s.req.Op }) {
			ss = append(ss, s)
		}
	}
	// Each sample again: a second, independent answer.
	var all []sample
	for _, s := range ss {
		r, err := resend(ctx, p, s.req)
		if err != nil {
			return err
		}
		all = append(all, s)
		if r != nil {
			all = append(all, sample{s.req, r})
		}
	}
	info := c.Info()
	for _, rq := range requirements {
		var first *check.Response
		n, met := 0, false
		for _, s := range all {
			if !rq.applies(p, s.req, s.resp) {
				continue
			}
			n++
			if rq.ok(s.resp) {
				met = true
				break
			}
			if first == nil {
				first = s.resp
			}
		}
		if met || n < 2 {
			continue
		}
		var op *escarp.Operation
		if first.Request != nil {
			op = first.Request.Op
		}
		p.Report(checkkit.Finding(info, op, first, "header:"+rq.name,
			fmt.Sprintf("%s is missing from the API's answers (%d sampled): %s", rq.name, n, rq.why), ""))
	}
	return nil
}
