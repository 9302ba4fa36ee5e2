package lab

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	tokenTTL = time.Hour
	issuer   = "quayside-marina"
	// Twin login throttling: failures per client and account, and per
	// client across accounts, within loginWindow.
	loginWindow          = 10 * time.Minute
	maxAccountFailures   = 5
	maxClientFailures    = 30
	loginRetryAfterSecds = 60
)

// claims are the lab's JWT claims.
type claims struct {
	Name string `json:"name"`
	Role string `json:"role"`
	jwt.RegisteredClaims
}

// principal is the authenticated caller.
type principal struct {
	ID       int64
	Username string
	Role     string
	FullName string
	Email    string
}

type ctxKey struct{}

func who(r *http.Request) *principal {
	p, _ := r.Context().Value(ctxKey{}).(*principal)
	return p
}

func (l *Lab) issue(id int64, username, role string) (string, error) {
	now := l.now()
	c := claims{Name: username, Role: role, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: strconv.FormatInt(id, 10),
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(tokenTTL)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(l.secret)
}

// bearer returns the token of the Authorization header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// verify checks a token. The twin accepts HS256 only, with its random key,
// a required and unexpired exp and the lab's issuer. The vulnerable lab
// accepts alg "none" (authn-alg-none), signs with "secret"
// (authn-weak-secret) and ignores exp (authn-expired-token).
func (l *Lab) verify(tok string) (*claims, error) {
	c := &claims{}
	if l.secure {
		_, err := jwt.ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return l.secret, nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuer(issuer),
			jwt.WithTimeFunc(l.now))
		return c, err
	}
	_, err := jwt.ParseWithClaims(tok, c, func(t *jwt.Token) (any, error) {
		if t.Method == jwt.SigningMethodNone {
			return jwt.UnsafeAllowNoneSignatureType, nil
		}
		return l.secret, nil
	}, jwt.WithoutClaimsValidation())
	return c, err
}

// unverified decodes a token without checking its signature: the
// notifications service "trusts the gateway" (authn-unverified-signature).
func unverified(tok string) (*claims, error) {
	c := &claims{}
	_, _, err := jwt.NewParser().ParseUnverified(tok, c)
	return c, err
}

// lookup loads the principal a verified token names.
func (l *Lab) lookup(ctx context.Context, c *claims) (*principal, error) {
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil {
		return nil, err
	}
	p := &principal{ID: id}
	err = l.db.QueryRowContext(ctx, `SELECT username, role, full_name, email FROM users WHERE id = ?`, id).
		Scan(&p.Username, &p.Role, &p.FullName, &p.Email)
	return p, err
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="quayside"`)
	writeError(w, http.StatusUnauthorized, "unauthorized", "%s", msg)
}

// authMode says how an operation authenticates in the vulnerable lab; the
// twin always verifies.
type authMode int

const (
	authVerify     authMode = iota // verify (with the vulnerable lab's mistakes)
	authUnverified                 // decode without verifying the signature
	authPresence                   // any "Bearer x" header will do
	authNone                       // nothing is checked at all
)

// auth wraps h so it runs only for an authenticated caller.
func (l *Lab) auth(mode authMode, h http.HandlerFunc) http.HandlerFunc {
	if l.secure {
		mode = authVerify
	}
	return func(w http.ResponseWriter, r *http.Request) {
		tok := bearer(r)
		switch mode {
		case authNone:
			h(w, r)
			return
		case authPresence:
			if tok == "" {
				unauthorized(w, "a bearer token is required")
				return
			}
			h(w, r)
			return
		}
		if tok == "" {
			unauthorized(w, "a bearer token is required")
			return
		}
		var c *claims
		var err error
		if mode == authUnverified {
			c, err = unverified(tok)
		} else {
			c, err = l.verify(tok)
		}
		if err != nil {
			if l.secure {
				unauthorized(w, "invalid or expired token")
			} else {
				unauthorized(w, "invalid token: "+err.Error())
			}
			return
		}
		p, err := l.lookup(r.Context(), c)
		if err != nil {
			unauthorized(w, "unknown user")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
	}
}

// admin wraps h so only the admin role may run it (in both modes: the
// vulnerable lab just forgets to use it in places).
func (l *Lab) admin(h http.HandlerFunc) http.HandlerFunc {
	return l.auth(authVerify, func(w http.ResponseWriter, r *http.Request) {
		if who(r).Role != "admin" {
			writeError(w, http.StatusForbidden, "forbidden", "this operation is for the harbour master (admin) only")
			return
		}
		h(w, r)
	})
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type"`
	ExpiresIn   int       `json:"expires_in"`
	User        loginUser `json:"user"`
}

type loginUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Role     string `json:"role"`
}

// login checks credentials and answers with a token. The vulnerable lab
// tells unknown users from wrong passwords (authn-user-enumeration) and
// never throttles (authn-no-brute-force-protection). The twin answers both
// the same way and throttles failures per client and account; successful
// logins are never throttled, so a working identity is never locked out.
func (l *Lab) login(w http.ResponseWriter, r *http.Request, req loginRequest) {
	var (
		id         int64
		hash, role string
	)
	err := l.db.QueryRowContext(r.Context(), `SELECT id, password_hash, role FROM users WHERE username = ?`, req.Username).
		Scan(&id, &hash, &role)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		l.dbError(w, err, "SELECT id, password_hash, role FROM users WHERE username = ?")
		return
	}
	known := err == nil
	ok := known && subtle.ConstantTimeCompare([]byte(hash), []byte(hashPassword(req.Username, req.Password))) == 1
	if !known {
		hashPassword(req.Username, req.Password) // same work either way
	}
	if !ok {
		if !l.secure {
			if !known {
				writeError(w, http.StatusNotFound, "unknown_user", "no member is called %q", req.Username)
			} else {
				writeError(w, http.StatusUnauthorized, "wrong_password", "wrong password for %s", req.Username)
			}
			return
		}
		now := l.now()
		client := clientKey(r)
		perAccount := l.limits.failures("login:"+client+"|"+strings.ToLower(req.Username), now, loginWindow, true)
		perClient := l.limits.failures("login:"+client, now, loginWindow, true)
		if perAccount > maxAccountFailures || perClient > maxClientFailures {
			tooMany(w, loginRetryAfterSecds)
			return
		}
		unauthorized(w, "invalid username or password")
		return
	}
	tok, err := l.issue(id, req.Username, role)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not issue a token")
		return
	}
	l.db.ExecContext(r.Context(), `UPDATE users SET last_login_ip = ? WHERE id = ?`, clientKey(r), id)
	writeJSON(w, http.StatusOK, loginResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(tokenTTL / time.Second),
		User: loginUser{ID: id, Username: req.Username, Role: role}})
}

func (l *Lab) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !l.readJSON(w, r, &req) {
		return
	}
	if req.Username == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "username and password are required")
		return
	}
	l.login(w, r, req)
}

// handleTokenQuery is the legacy token endpoint that takes credentials in
// the query string (authn-credentials-in-url). The twin refuses them there.
func (l *Lab) handleTokenQuery(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if l.secure {
		writeError(w, http.StatusBadRequest, "bad_request", "send credentials in a POST body, never in the URL")
		return
	}
	if q.Get("username") == "" || q.Get("password") == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "username and password are required")
		return
	}
	l.login(w, r, loginRequest{Username: q.Get("username"), Password: q.Get("password")})
}

// handleTokenForm is the token endpoint with form-encoded credentials.
func (l *Lab) handleTokenForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "could not read the form")
		return
	}
	req := loginRequest{Username: r.PostForm.Get("username"), Password: r.PostForm.Get("password")}
	if req.Username == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "username and password are required")
		return
	}
	l.login(w, r, req)
}

// handleLogout ends the session (tokens are stateless) and redirects to
// next; the vulnerable lab redirects anywhere (conf-open-redirect).
func (l *Lab) handleLogout(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if next == "" {
		next = "/"
	}
	if l.secure && (!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\")) {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusFound)
}
