package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// SchemaViolation reports where the document breaks the OpenAPI schema.
var SchemaViolation = &audit.Rule{
	ID:       "ESC-SPEC-001",
	Title:    "Document does not validate against the OpenAPI schema",
	Severity: escarp.SeverityHigh,
	CWE:      []string{"CWE-1059"},
	Theme:    audit.ThemeSpecIntegrity,
	Aliases:  []string{"oas3-schema", "oas2-schema"},
	Doc: `The document breaks the official JSON Schema of its OpenAPI version (a
missing required field, a value of the wrong type, an unknown keyword).
Tools read invalid documents differently or not at all: gateways may skip
the validation the spec describes, and the rest of this audit may miss
what the tools miss. Spec integrity is not scored, but while it has
findings the overall score is capped at 50.

How to fix: fix the document until it validates; the message says what
the schema expected.

Before:

    info:
      title: Orders

After:

    info:
      title: Orders
      version: 1.0.0`,
	Run: func(p *audit.Pass) error {
		for _, pr := range p.Problems {
			if pr.Kind == audit.ProblemSchema {
				l := audit.At(pr.Pos, pr.Pointer)
				if l.Line == 0 {
					l = p.Root(pr.Pointer)
				}
				p.Reportf(l, "%s", pr.Message)
			}
		}
		return nil
	},
}
