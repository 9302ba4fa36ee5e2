package rules

import (
	"regexp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

var idName = regexp.MustCompile(`(?i)^id$|[_-]id$|[a-z0-9]Id$`)

// NumericIDs reports integer object identifiers in paths.
var NumericIDs = &audit.Rule{
	ID:        "ESC-AUTHZ-001",
	Title:     "Sequential integer object id in the path",
	Severity:  escarp.SeverityMedium,
	OWASP:     "API1:2023",
	CWE:       []string{"CWE-639"},
	Theme:     audit.ThemeAuthorization,
	Aliases:   []string{"owasp:api1:2023-no-numeric-ids", "owasp-no-numeric-ids"},
	Heuristic: true,
	Doc: `A path parameter named like an object id (id, user_id, orderId...) is an
integer. Sequential ids are trivial to enumerate: one missing
object-level authorization check (BOLA) then exposes every object.

How to fix: use random, unguessable ids (UUIDs), and check ownership on
every access anyway.

Before:

    - {name: orderId, in: path, required: true, schema: {type: integer}}

After:

    - {name: orderId, in: path, required: true, schema: {type: string, format: uuid}}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, prm := range op.Parameters {
				if prm != nil && prm.In == "path" && idName.MatchString(prm.Name) && prm.Schema.HasType("integer") {
					p.Reportf(audit.ParamAt(op, prm), "path parameter %q of %s is an integer id, easy to enumerate", prm.Name, op.Key())
				}
			}
		}
		return nil
	},
}
