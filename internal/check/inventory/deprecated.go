package inventory

import (
	"context"
	"fmt"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Deprecated is ESC-DAST-INV-002: deprecated operations still served.
type Deprecated struct{}

var _ check.Check = (*Deprecated)(nil)

// Info returns the check's metadata.
func (c *Deprecated) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-INV-002",
		Title:    "Deprecated operation still served",
		Severity: escarp.SeverityLow,
		OWASP:    "API9:2023",
		CWE:      []string{"CWE-1059"},
		Description: "Sends a valid request to each operation the description marks deprecated: true and reports it when it answers " +
			"2xx twice. Deprecated operations tend to miss the fixes and controls of their successors.",
		Remediation: "Retire deprecated operations on a published date; until then answer with Deprecation and Sunset headers, then 410 Gone:\n\n" +
			"```go\nmux.HandleFunc(\"GET /v1/users\", func(w http.ResponseWriter, r *http.Request) {\n\thttp.Error(w, \"use /v2/users\", http.StatusGone)\n})\n```",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
			"https://www.rfc-editor.org/rfc/rfc8594",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Mutating: true},
	}
}

// Run calls the operation when it is deprecated.
func (c *Deprecated) Run(ctx context.Context, p *check.Pass) error {
	if !p.Op.Deprecated {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, p.Op, checkkit.Prober(p))
	if skip {
		return err
	}
	req = checkkit.Inputs(p, req)
	r1, err := checkkit.Send(ctx, p, req.Clone())
	if err != nil || r1 == nil || !r1.OK() {
		return err
	}
	r2, err := checkkit.Send(ctx, p, req.Clone())
	if err != nil || r2 == nil || !r2.OK() {
		return err
	}
	p.Report(checkkit.Finding(c.Info(), p.Op, r1, "",
		fmt.Sprintf("%s is deprecated but still answers %d", p.Op.Key(), r1.Status), ""))
	return nil
}
