package rules

import (
	"regexp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

var (
	ownerPath = regexp.MustCompile(`(?i)/(users?|accounts?|customers?|members?|profiles?|people|persons?)/\{[^}]+\}`)
	selfPath  = regexp.MustCompile(`(?i)/(me|self|current|myself|current-user|currentuser)(/|$)`)
)

// ForeignUserID reports user-owned resources addressed by a user id when
// the API has no "me" form.
var ForeignUserID = &audit.Rule{
	ID:        "ESC-AUTHZ-005",
	Title:     "User-owned resource addressed by a user id",
	Severity:  escarp.SeverityInfo,
	OWASP:     "API1:2023",
	CWE:       []string{"CWE-639"},
	Theme:     audit.ThemeAuthorization,
	Heuristic: true,
	Doc: `Paths such as /users/{id}/orders let the caller name whose data to read,
and the API has no /me (or /self) form. Every such operation depends on
the server comparing the id with the caller's identity; forgetting it once
is object-level authorization failure (BOLA). A /me path takes the
identity from the credentials instead.

How to fix: offer /me paths for the caller's own data and reserve
/users/{id} for administrators; test the id check either way.

Before:

    /users/{userId}/orders:
      get: {...}

After:

    /me/orders:
      get: {...}`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			if selfPath.MatchString(op.Path) {
				return nil
			}
		}
		for _, op := range p.API.Operations {
			if ownerPath.MatchString(op.Path) {
				p.Reportf(audit.OpAt(op), "%s addresses a user's resource by id and the API has no /me form", op.Key())
			}
		}
		return nil
	},
}
