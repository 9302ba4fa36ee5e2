package list

import "github.com/escarp/escarp/internal/check"

// authz lists the authorization, authentication, property-level and
// business-flow checks (OWASP API1, API2, API3, API5, API6).
func authz() []check.Check {
	return []check.Check{}
}
