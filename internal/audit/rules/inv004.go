package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// DeprecatedNoSunset reports deprecated operations without sunset
// information.
var DeprecatedNoSunset = &audit.Rule{
	ID:       "ESC-INV-004",
	Title:    "Deprecated operation without sunset information",
	Severity: escarp.SeverityMedium,
	OWASP:    "API9:2023",
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeInventory,
	Doc: "An operation is `deprecated: true` but says neither when it goes away\n" +
		"(`x-sunset` extension, or a `Sunset` response header, RFC 8594) nor\n" +
		"announces itself with a `Deprecation` header (RFC 9745). Deprecated\n" +
		`operations without an end date are never removed and keep old, less
protected code paths alive (zombie endpoints).

How to fix: set a sunset date, send the headers, and remove the operation
when it passes.

Before:

    get:
      deprecated: true

After:

    get:
      deprecated: true
      x-sunset: "2026-12-31"
      responses:
        "200":
          headers:
            Sunset: {schema: {type: string}}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if !op.Deprecated {
				continue
			}
			if _, ok := op.Extensions["x-sunset"]; ok {
				continue
			}
			if _, ok := op.Extensions["x-sunset-date"]; ok {
				continue
			}
			found := false
			for _, r := range op.Responses {
				if r != nil && (header(r, "Sunset") != nil || header(r, "Deprecation") != nil) {
					found = true
				}
			}
			if !found {
				p.Reportf(audit.OpAt(op), "deprecated operation %s has no sunset date (x-sunset, Sunset or Deprecation header)", op.Key())
			}
		}
		return nil
	},
}
