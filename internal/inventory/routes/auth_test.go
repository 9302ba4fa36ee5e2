package routes

import "testing"

func TestAuthMiddleware(t *testing.T) {
	for name, want := range map[string]bool{
		// Go routers.
		"mw.RequireJWT": true, "middleware.AuthRequired": true, "jwtauth.Verifier": true, "keyAuth": true,
		"middleware.KeyAuth": true, "basicauth.New": true, "requireSession": true, "verifyToken": true,
		"login_required": true, "apiKeyCheck": true, "echojwt.WithConfig": true,
		"middleware.Logger": false, "csrf.Protect": false, "tokenBucketLimiter": false, "sessions.Sessions": false,
		"cors.New": false, "optionalAuth": false, "": false,
		// Express, Flask, Django, FastAPI, NestJS, Rails, Spring.
		"passport.authenticate": true, "ensureLoggedIn": true, "token_required": true, "Depends(get_current_user)": true,
		"permission_classes": true, "AuthGuard": true, "authenticate_user!": true, "PreAuthorize": true, "protect": true,
		"cookieSession": false, "expressSession": false, "csurf": false, "helmet": false, "morgan": false, "bodyParser.json": false,
	} {
		if got := AuthMiddleware(name); got != want {
			t.Errorf("AuthMiddleware(%q) = %v, want %v", name, got, want)
		}
	}
}
