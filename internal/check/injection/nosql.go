package injection

import (
	"context"
	"fmt"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// NoSQLi is ESC-DAST-INJ-002: NoSQL operator injection.
type NoSQLi struct{}

var _ check.Check = (*NoSQLi)(nil)

// Info returns the check's metadata.
func (c *NoSQLi) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-INJ-002",
		Title:    "NoSQL operator injection",
		Severity: escarp.SeverityHigh,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-943"},
		Description: "Replaces JSON body members and query parameters with query operators ({\"$ne\": null}, {\"$gt\": \"\"}, " +
			"and name[$ne]= in query strings). It reports when both operators turn a non-matching value into a match " +
			"(a 2xx where a random value gets an error, or more data), while a control operator that cannot match " +
			"({\"$in\": [random]}) does not.",
		Remediation: "Accept only the type the schema declares and never pass client JSON into a query document:\n\n" +
			"```go\nvar in struct{ Username, Password string } // objects fail to decode\nfilter := bson.M{\"username\": in.Username}\n```",
		References: []string{
			"https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/05.6-Testing_for_NoSQL_Injection",
			"https://cwe.mitre.org/data/definitions/943.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// Run probes every string member and query parameter.
func (c *NoSQLi) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	info := c.Info()
	n := 0
	for _, pt := range checkkit.Points(p.Op, req) {
		if pt.Kind != "string" || (pt.In != checkkit.InBody && pt.In != checkkit.InQuery) {
			continue
		}
		if n++; n > maxPoints {
			break
		}
		miss := checkkit.Token(6)
		var probes [3]*check.Request
		if pt.In == checkkit.InBody {
			probes = [3]*check.Request{
				pt.With(req, map[string]any{"$ne": nil}),
				pt.With(req, map[string]any{"$gt": ""}),
				pt.With(req, map[string]any{"$in": []any{"escarp-" + miss}}),
			}
		} else {
			op := func(o string, v string) *check.Request {
				r := req.Clone()
				r.Query.Del(pt.Name)
				r.Query.Set(pt.Name+"["+o+"]", v)
				return r
			}
			probes = [3]*check.Request{op("$ne", "escarp-"+miss), op("$gt", ""), op("$in", "escarp-"+miss)}
		}
		r0, err := checkkit.Send(ctx, p, pt.With(req, "escarp-"+miss))
		if err != nil {
			return err
		}
		if r0 == nil {
			continue
		}
		r1, err := checkkit.Send(ctx, p, probes[0])
		if err != nil {
			return err
		}
		if r1 == nil || !better(r1, r0) {
			continue
		}
		r2, err := checkkit.Send(ctx, p, probes[1])
		if err != nil {
			return err
		}
		if r2 == nil || !better(r2, r0) {
			continue
		}
		rc, err := checkkit.Send(ctx, p, probes[2])
		if err != nil {
			return err
		}
		if rc == nil || better(rc, r0) {
			continue
		}
		p.Report(checkkit.Finding(info, p.Op, r1, pt.Param(),
			fmt.Sprintf("NoSQL injection in %s of %s: a query operator matches where a value does not", pt.Describe(), p.Op.Key()),
			fmt.Sprintf("random value: %d (%d bytes); $ne: %d (%d bytes); $gt: %d (%d bytes); control $in: %d (%d bytes)",
				r0.Status, len(r0.Body), r1.Status, len(r1.Body), r2.Status, len(r2.Body), rc.Status, len(rc.Body))))
	}
	return nil
}
