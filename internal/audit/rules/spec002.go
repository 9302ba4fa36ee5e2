package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// UnresolvedRef reports $refs that cannot be resolved.
var UnresolvedRef = &audit.Rule{
	ID:       "ESC-SPEC-002",
	Title:    "Unresolvable $ref",
	Severity: escarp.SeverityHigh,
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeSpecIntegrity,
	Doc: `A $ref points at nothing: a missing component, a wrong JSON pointer, or
a file that does not exist. The referencing element is then undefined, and
everything reached through it (schemas, parameters, responses) escapes
validation and this audit. A $ref the document's root depends on stops the
load (exit 2); this rule reports the ones the loader could work around,
such as references inside x- extensions (code samples), at low severity.

How to fix: point the reference at an existing definition.

Before:

    schema: {$ref: "#/components/schemas/Oder"}

After:

    schema: {$ref: "#/components/schemas/Order"}`,
	Run: func(p *audit.Pass) error {
		for _, pr := range p.Problems {
			if pr.Kind == audit.ProblemRef {
				l := audit.At(pr.Pos, pr.Pointer)
				if l.Line == 0 {
					l = p.Root(pr.Pointer)
				}
				if l.Pointer == "" {
					// Loader warnings carry no pointer: the message (which
					// names the $ref) keeps fingerprints apart.
					l.Param = "ref:" + pr.Message
				}
				if pr.Extension {
					p.ReportSeverityf(escarp.SeverityLow, l, "%s (only documentation tools read it)", pr.Message)
					continue
				}
				p.Reportf(l, "%s", pr.Message)
			}
		}
		return nil
	},
}
