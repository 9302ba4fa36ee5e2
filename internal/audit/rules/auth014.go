package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// UndeclaredScope reports scopes that their scheme does not declare, and
// scopes on schemes that have none.
var UndeclaredScope = &audit.Rule{
	ID:       "ESC-AUTH-014",
	Title:    "Security requirement uses an undeclared scope",
	Severity: escarp.SeverityMedium,
	OWASP:    "API5:2023",
	CWE:      []string{"CWE-285"},
	Theme:    audit.ThemeAuthentication,
	Doc: `A security requirement asks for an OAuth 2.0 scope that none of the
scheme's flows declares, or lists scopes for a scheme that is not OAuth 2.0
or OpenID Connect (allowed as role names only from OpenAPI 3.1 on). The
authorization server cannot issue an undeclared scope, so either the
requirement can never be met or it is not enforced as written.

How to fix: declare the scope in the flow, or fix its spelling.

Before:

    security:
      - oauth2: [orders:admin]
    # flows declare only orders:read and orders:write

After:

    flows:
      authorizationCode:
        scopes:
          orders:read: read orders
          orders:write: change orders
          orders:admin: manage all orders`,
	Run: func(p *audit.Pass) error {
		api := p.API
		rolesAllowed := api.Format == escarp.FormatOpenAPI && !strings.HasPrefix(api.SpecVersion, "3.0")
		check := func(op *escarp.Operation, reqs []escarp.SecurityRequirement) {
			for i, r := range reqs {
				for _, name := range schemeNames(r) {
					s := api.SecuritySchemes[name]
					scopes := r[name]
					if s == nil || len(scopes) == 0 {
						continue
					}
					switch s.Type {
					case escarp.SchemeOAuth2:
						declared := make(map[string]bool)
						for _, f := range s.Flows {
							if f != nil {
								for sc := range f.Scopes {
									declared[sc] = true
								}
							}
						}
						for _, sc := range scopes {
							if !declared[sc] {
								p.Reportf(requirementAt(p, op, i, name), "scope %q is not declared by OAuth 2.0 scheme %q", sc, name)
								break
							}
						}
					case escarp.SchemeOpenIDConnect:
					default:
						if !rolesAllowed {
							p.Reportf(requirementAt(p, op, i, name), "scheme %q is %s, which has no scopes, but the requirement lists %s", name, s.Type, strings.Join(scopes, ", "))
						}
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
