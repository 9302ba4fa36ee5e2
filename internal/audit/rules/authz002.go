package rules

import (
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// isAdminPath reports whether a path template has an admin segment.
func isAdminPath(path string) bool {
	for _, s := range pathSegments(path) {
		if s == "admin" || strings.HasPrefix(s, "admin-") || strings.HasPrefix(s, "admin_") {
			return true
		}
	}
	return false
}

// AdminSecurityUnique reports admin operations that accept the same
// security schemes as ordinary operations.
var AdminSecurityUnique = &audit.Rule{
	ID:        "ESC-AUTHZ-002",
	Title:     "Admin operations share security schemes with ordinary ones",
	Severity:  escarp.SeverityHigh,
	OWASP:     "API5:2023",
	CWE:       []string{"CWE-285"},
	Theme:     audit.ThemeAuthorization,
	Aliases:   []string{"owasp:api5:2023-admin-security-unique"},
	Heuristic: true,
	Doc: `Operations under an /admin path accept a security scheme that ordinary
operations accept too. Any user's credentials then reach the admin
endpoints, and only a function-level check in code stands between a
user and admin functions (BFLA).

How to fix: give admin endpoints their own scheme (or at least dedicated
scopes, checked by the gateway).

Before:

    /admin/users:
      get:
        security: [{bearer: []}]   # same scheme as /orders

After:

    /admin/users:
      get:
        security: [{adminAuth: []}]`,
	Run: func(p *audit.Pass) error {
		normal := make(map[string]bool)
		for _, op := range p.API.Operations {
			if isAdminPath(op.Path) {
				continue
			}
			for _, r := range op.Security {
				for n := range r {
					normal[n] = true
				}
			}
		}
		for _, op := range p.API.Operations {
			if !isAdminPath(op.Path) {
				continue
			}
			for i, r := range op.Security {
				for _, n := range schemeNames(r) {
					if normal[n] {
						p.Reportf(requirementAt(p, op, i, n), "admin operation %s accepts scheme %q, which non-admin operations accept too", op.Key(), n)
					}
				}
			}
		}
		return nil
	},
}
