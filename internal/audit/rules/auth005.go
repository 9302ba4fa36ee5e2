package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// UndefinedScheme reports security requirements that name a scheme the
// document does not define.
var UndefinedScheme = &audit.Rule{
	ID:       "ESC-AUTH-005",
	Title:    "Security requirement references an undefined scheme",
	Severity: escarp.SeverityHigh,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-287"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"oas3-operation-security-defined", "oas2-operation-security-defined"},
	Doc: `A security requirement names a scheme that is not declared in
components.securitySchemes (securityDefinitions in Swagger 2). Tools treat
the requirement as unsatisfiable or ignore it, so the operation's real
protection is unknown; gateways generated from the spec may leave it open.

How to fix: declare the scheme, or fix the name in the requirement.

Before:

    security:
      - OAuth2: [read]
    components:
      securitySchemes:
        oauth2: {...}

After:

    security:
      - oauth2: [read]`,
	Run: func(p *audit.Pass) error {
		api := p.API
		check := func(op *escarp.Operation, reqs []escarp.SecurityRequirement) {
			for i, r := range reqs {
				for _, name := range schemeNames(r) {
					if api.SecuritySchemes[name] == nil {
						p.Reportf(requirementAt(p, op, i, name), "security scheme %q is not defined", name)
					}
				}
			}
		}
		check(nil, api.Security)
		for _, op := range api.Operations {
			if op.SecurityDeclared {
				check(op, op.Security)
			}
		}
		return nil
	},
}
