package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/escarp/escarp"
)

// Access is who may call a route.
type Access string

// The kinds of access a route has besides a role.
const (
	// Anonymous routes need nothing: health, readiness, login, assets.
	Anonymous Access = "anonymous"
	// Webhook routes are authenticated by the project's HMAC signature.
	Webhook Access = "webhook"
	// Viewer, Editor and Admin need a token or session of that role or
	// above.
	Viewer Access = Access(escarp.RoleViewer)
	Editor Access = Access(escarp.RoleEditor)
	Admin  Access = Access(escarp.RoleAdmin)
)

const sessionCookie = "escarp_session"

// principal is who is calling.
type principal struct {
	token   *escarp.APIToken
	session *escarp.Session // nil for bearer tokens
}

type ctxKey struct{}

func principalOf(ctx context.Context) *principal {
	p, _ := ctx.Value(ctxKey{}).(*principal)
	return p
}

// actor names the caller in the audit log.
func actor(ctx context.Context) string {
	if p := principalOf(ctx); p != nil {
		return p.token.Name + " (" + p.token.ID + ")"
	}
	return "anonymous"
}

// authenticate finds the caller from an Authorization bearer token or a
// session cookie; nil when neither is valid.
func (s *Server) authenticate(r *http.Request) *principal {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || secret == "" {
			return nil
		}
		t, err := s.store.TokenByHash(ctx, HashToken(strings.TrimSpace(secret)))
		if err != nil {
			return nil
		}
		return &principal{token: t}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	se, err := s.store.SessionByHash(ctx, HashToken(c.Value))
	if err != nil {
		return nil
	}
	toks, err := s.store.ListTokens(ctx)
	if err != nil {
		return nil
	}
	for _, t := range toks {
		if t.ID == se.TokenID {
			return &principal{token: t, session: se}
		}
	}
	return nil
}

// guard wraps a route's handler with its access check, CSRF check and
// rate limit.
func (s *Server) guard(rt Route) http.Handler {
	h := rt.Handler
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Access != Anonymous {
			lim := s.apiLimits.get(clientAddr(r))
			ok := lim.Allow()
			hd := w.Header()
			hd.Set("RateLimit-Limit", strconv.Itoa(s.apiLimits.burst))
			hd.Set("RateLimit-Remaining", strconv.Itoa(max(0, int(lim.Tokens()))))
			hd.Set("RateLimit-Reset", "1")
			if !ok {
				hd.Set("Retry-After", "1")
				s.deny(w, r, http.StatusTooManyRequests, "too many requests; retry later")
				return
			}
		}
		// Limited routes refuse a client whose failed attempts used up
		// its allowance; failures (and token creations) spend it.
		if rt.Limited && !s.limits.ok(clientAddr(r)) {
			w.Header().Set("Retry-After", "1")
			s.deny(w, r, http.StatusTooManyRequests, "too many attempts; retry later")
			return
		}
		switch rt.Access {
		case Anonymous, Webhook:
			h.ServeHTTP(w, r)
			return
		}
		p := s.authenticate(r)
		if p == nil {
			if rt.UI && r.Method == http.MethodGet {
				http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
				return
			}
			if rt.Limited {
				s.limits.penalize(clientAddr(r))
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="escarp"`)
			s.deny(w, r, http.StatusUnauthorized, "authentication required: an API token (Authorization: Bearer) or a dashboard session")
			return
		}
		if p.token.Role.Rank() < escarp.Role(rt.Access).Rank() {
			if rt.Limited {
				s.limits.penalize(clientAddr(r))
			}
			s.deny(w, r, http.StatusForbidden, "this needs the "+string(rt.Access)+" role")
			return
		}
		// Cookie-authenticated changes need the session's CSRF token:
		// in a form field for the dashboard, or a header for scripts.
		if p.session != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" {
				r.Body = http.MaxBytesReader(w, r.Body, maxBody)
				got = r.PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(p.session.CSRF)) != 1 {
				s.deny(w, r, http.StatusForbidden, "missing or wrong CSRF token")
				return
			}
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
	})
}

// verifySignature checks a webhook body's HMAC-SHA256 signature, given as
// "sha256=HEX" in X-Escarp-Signature (or X-Hub-Signature-256).
func verifySignature(secret string, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok || secret == "" {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	want := m.Sum(nil)
	gotb, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	return hmac.Equal(gotb, want)
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter rate-limits per client address, with a bounded table.
type limiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	clients map[string]*rate.Limiter
	seen    map[string]time.Time
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{limit: rate.Limit(perSecond), burst: burst, clients: map[string]*rate.Limiter{}, seen: map[string]time.Time{}}
}

const maxClients = 10000

func (l *limiter) get(addr string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.clients[addr]
	if !ok {
		if len(l.clients) >= maxClients {
			// Forget the stalest half.
			cut := time.Now().Add(-time.Minute)
			for a, t := range l.seen {
				if t.Before(cut) {
					delete(l.clients, a)
					delete(l.seen, a)
				}
			}
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.clients[addr] = lim
	}
	l.seen[addr] = time.Now()
	return lim
}

func (l *limiter) ok(addr string) bool { return l.get(addr).Tokens() >= 1 }

// penalize spends one more token after a failed attempt.
func (l *limiter) penalize(addr string) { l.get(addr).Allow() }
