package routes

import (
	"regexp"
	"strings"
)

// authName matches names of authentication middleware, decorators and
// dependencies in every language escarp reads routes from (Go routers and
// the tree-sitter languages): auth, JWT, bearer, OAuth/OIDC, API keys,
// Passport, login or user requirements, roles, permissions and guards, and
// session or token checks ("verifyToken", "token_required"; a bare
// "token" is not enough: "tokenBucketLimiter").
var authName = regexp.MustCompile(`(?i)auth|jwt|bearer|oauth|oidc|api_?key|passport|` +
	`login_?required|require_?login|logged_?in|signed_?in|current_?user|require_?user|verify_?user|` +
	`protect|guard|permission|require_?role|has_?role|roles_?required|check_?acl|` +
	`(require|check|valid|verify|ensure|must|parse)\w*(session|token)|(session|token)\w*(required|check|guard|valid|verif|middleware|mw)`)

// notAuthName matches middleware that authName would catch but that does
// not authenticate: CSRF protection, optional or skipped authentication.
var notAuthName = regexp.MustCompile(`(?i)csrf|xsrf|noauth|no_auth|skipauth|optionalauth|unauth`)

// sessionStores are session middleware (cookie or server-side stores)
// that load a session but do not require one.
var sessionStores = map[string]bool{"cookiesession": true, "expresssession": true}

// AuthMiddleware reports whether a middleware, decorator or dependency
// name ("middleware.AuthRequired", "@login_required", "passport.authenticate",
// "Depends(get_current_user)") looks like authentication: the one
// heuristic Go routes (internal/coderoutes) and tree-sitter routes
// (internal/treesitter) share.
func AuthMiddleware(name string) bool {
	name = strings.TrimSpace(name)
	if name == "" || notAuthName.MatchString(name) {
		return false
	}
	last := name
	if i := strings.IndexAny(last, "[("); i >= 0 {
		last = last[:i]
	}
	last = strings.TrimSpace(last[strings.LastIndexByte(last, '.')+1:])
	if sessionStores[strings.ToLower(last)] {
		return false
	}
	return authName.MatchString(name)
}
