package injection

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Template is ESC-DAST-INJ-004: server-side template injection.
type Template struct{}

var _ check.Check = (*Template)(nil)

// Info returns the check's metadata.
func (c *Template) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-INJ-004",
		Title:    "Server-side template injection",
		Severity: escarp.SeverityHigh,
		OWASP:    "API8:2023",
		CWE:      []string{"CWE-1336"},
		Description: "Puts template expressions into string values: {{a*b}}, ${a*b}, <%= a*b %>, #{a*b} with random four-digit a and b, " +
			"and Go's {{print \"esc\" \"<token>\"}}. It reports when the answer holds the evaluated result (the product, or esc<token>), " +
			"which the payload itself does not contain, and a second payload with fresh numbers is evaluated too.",
		Remediation: "Never parse user input as a template; pass it as data:\n\n" +
			"```go\nt := template.Must(template.New(\"greet\").Parse(\"Hello {{.Name}}\")) // fixed template\nerr := t.Execute(w, struct{ Name string }{name})\n```",
		References: []string{
			"https://portswigger.net/web-security/server-side-template-injection",
			"https://cwe.mitre.org/data/definitions/1336.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// templates returns a payload and the text its evaluation prints.
var templates = []func() (payload, want string){
	product("{{%d*%d}}"), product("${%d*%d}"), product("<%%= %d*%d %%>"), product("#{%d*%d}"), product("{{=%d*%d}}"),
	func() (string, string) {
		tok := checkkit.Token(4)
		return `{{print "esc" "` + tok + `"}}`, "esc" + tok
	},
	func() (string, string) {
		a, b := rand.IntN(9000)+1000, rand.IntN(9000)+1000 // #nosec G404 -- canary operands, not secrets
		return fmt.Sprintf(`{{printf "%%d-%%d" %d %d}}`, a, b), fmt.Sprintf("%d-%d", a, b)
	},
}

func product(format string) func() (string, string) {
	return func() (string, string) {
		a, b := rand.IntN(9000)+1000, rand.IntN(9000)+1000 // #nosec G404 -- canary operands, not secrets
		return fmt.Sprintf(format, a, b), strconv.Itoa(a * b)
	}
}

// Run probes every string point.
func (c *Template) Run(ctx context.Context, p *check.Pass) error {
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	bresp, err := checkkit.Send(ctx, p, req.Clone())
	if bresp == nil || err != nil {
		return err
	}
	info := c.Info()
	n := 0
	for _, pt := range checkkit.Points(p.Op, req) {
		if pt.Kind != "string" {
			continue
		}
		if n++; n > maxPoints {
			break
		}
		for _, gen := range templates {
			payload, want := gen()
			r1, err := checkkit.Send(ctx, p, pt.With(req, pt.Value+payload))
			if err != nil {
				return err
			}
			if r1 == nil || !bytes.Contains(r1.Body, []byte(want)) || bytes.Contains(bresp.Body, []byte(want)) {
				continue
			}
			payload2, want2 := gen()
			r2, err := checkkit.Send(ctx, p, pt.With(req, pt.Value+payload2))
			if err != nil {
				return err
			}
			if r2 == nil || !bytes.Contains(r2.Body, []byte(want2)) {
				continue
			}
			p.Report(checkkit.Finding(info, p.Op, r1, pt.Param(),
				fmt.Sprintf("Template injection in %s of %s: the server evaluated %s", pt.Describe(), p.Op.Key(), payload),
				fmt.Sprintf("%q came back as %q; confirmed with %q → %q", payload, want, payload2, want2)))
			break
		}
	}
	return nil
}
