package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// OAuthNoScopesOnWrite reports write operations that require an OAuth 2.0
// scheme without any scope.
var OAuthNoScopesOnWrite = &audit.Rule{
	ID:       "ESC-AUTHZ-004",
	Title:    "Write operation requires OAuth 2.0 without scopes",
	Severity: escarp.SeverityLow,
	OWASP:    "API5:2023",
	CWE:      []string{"CWE-285"},
	Theme:    audit.ThemeAuthorization,
	Doc: `A POST, PUT, PATCH or DELETE operation requires an OAuth 2.0 scheme that
defines scopes, but asks for none: any token of that authorization
server, however narrowly scoped, may change data.

How to fix: require the scope that grants the change.

Before:

    post:
      security:
        - oauth2: []

After:

    post:
      security:
        - oauth2: [orders:write]`,
	Run: func(p *audit.Pass) error {
		api := p.API
		hasScopes := func(s *escarp.SecurityScheme) bool {
			for _, f := range s.Flows {
				if f != nil && len(f.Scopes) > 0 {
					return true
				}
			}
			return false
		}
		for _, op := range api.Operations {
			if !isWrite(op.Method) {
				continue
			}
			for i, r := range op.Security {
				for _, n := range schemeNames(r) {
					s := api.SecuritySchemes[n]
					if s != nil && s.Type == escarp.SchemeOAuth2 && len(r[n]) == 0 && hasScopes(s) {
						p.Reportf(requirementAt(p, op, i, n), "%s requires OAuth 2.0 scheme %q without any scope", op.Key(), n)
					}
				}
			}
		}
		return nil
	},
}
