package misconfig

import (
	"context"
	"fmt"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Verbose is ESC-DAST-CONF-003: verbose errors and stack traces.
type Verbose struct{}

var _ check.Check = (*Verbose)(nil)

// Info returns the check's metadata.
func (c *Verbose) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-CONF-003",
		Title:    "Verbose error messages",
		Severity: escarp.SeverityMedium,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-209"},
		Description: "Sends malformed input to each operation: a truncated JSON body, text with quotes where numbers are declared, " +
			"and a broken path parameter. It reports when an answer holds a stack trace (Go, Java, Python, Node.js, .NET, PHP, Ruby), " +
			"a database error message, source file paths or a framework debug page that the valid answer does not, " +
			"and the same input gives it again.",
		Remediation: "Log the detail and answer with a generic message:\n\n" +
			"```go\nif err != nil {\n\tlog.Printf(\"create user: %v\", err)\n\thttp.Error(w, \"invalid request\", http.StatusBadRequest)\n\treturn\n}\n```",
		References: []string{
			"https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html",
			"https://cwe.mitre.org/data/definitions/209.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// Run sends malformed variants of a valid request.
func (c *Verbose) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	base, err := checkkit.Send(ctx, p, req.Clone())
	if base == nil || err != nil {
		return err
	}
	if checkkit.Leak(base.Body) != "" {
		return nil
	}
	type variant struct {
		param string
		req   *check.Request
	}
	var vs []variant
	if len(req.Body) > 0 && strings.Contains(strings.ToLower(req.Header.Get("Content-Type")), "json") {
		r := req.Clone()
		r.Body = []byte(`{"escarp": "'` + "\\x\"")
		vs = append(vs, variant{"body:", r})
	}
	n := 0
	for _, pt := range checkkit.Points(p.Op, req) {
		numeric := pt.Kind == "number" || (pt.Schema != nil && (pt.Schema.HasType("integer") || pt.Schema.HasType("number")))
		if !numeric && pt.In != checkkit.InPath {
			continue
		}
		if n++; n > 3 {
			break
		}
		vs = append(vs, variant{pt.Param(), pt.With(req, `escarp'"<x`)})
	}
	info := c.Info()
	for _, v := range vs {
		r1, err := checkkit.Send(ctx, p, v.req.Clone())
		if err != nil {
			return err
		}
		if r1 == nil {
			continue
		}
		leak := checkkit.Leak(r1.Body)
		if leak == "" {
			continue
		}
		r2, err := checkkit.Send(ctx, p, v.req.Clone())
		if err != nil {
			return err
		}
		if r2 == nil || checkkit.Leak(r2.Body) == "" {
			continue
		}
		p.Report(checkkit.Finding(info, p.Op, r1, v.param,
			fmt.Sprintf("%s answers malformed input with internal detail: %q", p.Op.Key(), leak), ""))
		return nil
	}
	return nil
}
