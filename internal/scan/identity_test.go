package scan

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/config"
)

// authServer issues numbered tokens; a token is valid for `uses` requests
// (0: unlimited). It counts logins.
type authServer struct {
	mu     sync.Mutex
	logins int
	uses   int
	valid  map[string]int
	// how: where the token goes in the login response: json, header, cookie.
	how       string
	expiresIn int
}

func (a *authServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.URL.Path {
	case "/login", "/oauth/token":
		user, pass := "", ""
		switch {
		case r.URL.Path == "/oauth/token":
			user, pass, _ = r.BasicAuth()
			if r.FormValue("grant_type") != "client_credentials" {
				http.Error(w, "bad grant", 400)
				return
			}
		case strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
			var body map[string]string
			_ = json.NewDecoder(r.Body).Decode(&body)
			user, pass = body["username"], body["password"]
		default:
			user, pass = r.FormValue("username"), r.FormValue("password")
		}
		if pass != "secret" {
			http.Error(w, "wrong password", http.StatusUnauthorized)
			return
		}
		a.logins++
		tok := fmt.Sprintf("%s-%d", user, a.logins)
		a.valid[tok] = 0
		switch a.how {
		case "header":
			w.Header().Set("X-Auth-Token", tok)
		case "cookie":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: tok})
		default:
			resp := map[string]any{"access_token": tok, "user": map[string]any{"id": 42, "name": user}}
			if a.expiresIn > 0 {
				resp["expires_in"] = a.expiresIn
			}
			_ = json.NewEncoder(w).Encode(resp)
		}
	default:
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if c, err := r.Cookie("session"); err == nil {
			tok = c.Value
		}
		if t := r.Header.Get("X-Auth-Token"); t != "" {
			tok = t
		}
		n, ok := a.valid[tok]
		if !ok || (a.uses > 0 && n >= a.uses) {
			http.Error(w, "expired", http.StatusUnauthorized)
			return
		}
		a.valid[tok] = n + 1
		fmt.Fprint(w, tok)
	}
}

func TestLoginFlows(t *testing.T) {
	for _, tc := range []struct {
		name string
		how  string
		id   Identity
		sent func(h http.Header) string
	}{
		{"json", "json", Identity{Name: "bob", Login: &Login{
			Request: LoginRequest{Method: "POST", Path: "/login", JSON: map[string]any{"username": "bob", "password": "secret"}},
			Token:   TokenRef{JSON: "/access_token"}}},
			func(h http.Header) string { return h.Get("Authorization") }},
		{"form", "json", Identity{Name: "bob", Login: &Login{
			Request: LoginRequest{Path: "/login", Form: map[string]string{"username": "bob", "password": "secret"}},
			Token:   TokenRef{JSON: "access_token"}, Header: "Authorization", Format: "Bearer {token}"}},
			func(h http.Header) string { return h.Get("Authorization") }},
		{"header", "header", Identity{Name: "bob", Login: &Login{
			Request: LoginRequest{Path: "/login", JSON: map[string]any{"username": "bob", "password": "secret"}},
			Token:   TokenRef{Header: "X-Auth-Token"}, Header: "X-Auth-Token", Format: "{token}"}},
			func(h http.Header) string { return "Bearer " + h.Get("X-Auth-Token") }},
		{"cookie", "cookie", Identity{Name: "bob", Login: &Login{
			Request: LoginRequest{Path: "/login", JSON: map[string]any{"username": "bob", "password": "secret"}},
			Token:   TokenRef{Cookie: "session"}}},
			func(h http.Header) string { return "Bearer " + strings.TrimPrefix(h.Get("Cookie"), "session=") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := &authServer{valid: map[string]int{}, how: tc.how, uses: 2}
			s, _ := testSession(t, as, Config{Identities: []Identity{tc.id}})
			ctx := testCtx(t)
			// Two uses per token: the third request gets a 401, escarp logs
			// in again and retries.
			for i := 0; i < 5; i++ {
				resp, err := s.Do(ctx, &check.Request{Path: "/data", Identity: "bob"})
				if err != nil || resp.Status != 200 {
					t.Fatalf("request %d: %v %v", i, resp, err)
				}
				if got := tc.sent(resp.Sent); got != "Bearer "+string(resp.Body) {
					t.Fatalf("sent %q, server saw %q", got, resp.Body)
				}
			}
			if as.logins != 3 {
				t.Errorf("%d logins for 5 requests with 2 uses per token, want 3", as.logins)
			}
		})
	}
}

func TestLoginFactsAndExpiry(t *testing.T) {
	as := &authServer{valid: map[string]int{}, expiresIn: 1}
	s, _ := testSession(t, as, Config{Identities: []Identity{{Name: "bob", Login: &Login{
		Request: LoginRequest{Path: "/login", JSON: map[string]any{"username": "bob", "password": "secret"}},
		Token:   TokenRef{JSON: "/access_token"}}}}})
	ctx := testCtx(t)
	if _, err := s.Do(ctx, &check.Request{Path: "/x", Identity: "bob"}); err != nil {
		t.Fatal(err)
	}
	if id := s.selfID("bob", "userId"); id != "42" {
		t.Errorf("self id = %q, want 42 (from the login response)", id)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := s.Do(ctx, &check.Request{Path: "/x", Identity: "bob"}); err != nil {
		t.Fatal(err)
	}
	if as.logins != 2 {
		t.Errorf("expired token (expires_in 1): %d logins, want 2", as.logins)
	}
}

func TestOAuth2ClientCredentials(t *testing.T) {
	as := &authServer{valid: map[string]int{}}
	srv := testServer(t, as)
	s, _ := testSession(t, as, Config{Identities: []Identity{{Name: "svc", OAuth2: &OAuth2{
		TokenURL: srv + "/oauth/token", ClientID: "svc", ClientSecret: "secret"}}}})
	resp, err := s.Do(testCtx(t), &check.Request{Path: "/x", Identity: "svc"})
	if err != nil || resp.Status != 200 || string(resp.Body) != "svc-1" {
		t.Fatalf("oauth2: %v %v", resp, err)
	}
}

func testServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestJWTExpiry(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"exp":%d,"sub":"7"}`, time.Now().Add(time.Hour).Unix())))
	claims := jwtClaims("e30." + payload + ".sig")
	if claims["sub"] != "7" || claims["exp"] == nil {
		t.Fatalf("claims = %v", claims)
	}
	if jwtClaims("not-a-jwt") != nil {
		t.Error("claims from a non-JWT")
	}
}

func TestIdentitiesFromConfig(t *testing.T) {
	env := func(k string) (string, bool) {
		return map[string]string{"ALICE_TOKEN": "a1", "BOB_PASSWORD": "pw"}[k], true
	}
	f, err := config.Parse("escarp.yaml", []byte(`
target: http://127.0.0.1:8080
identities:
  - name: alice
    headers: {Authorization: "Bearer ${ALICE_TOKEN}"}
  - name: bob
    login:
      request: {method: POST, path: /auth/login, json: {username: bob, password: "${BOB_PASSWORD}"}}
      token: {json: /access_token}
      header: Authorization
      format: "Bearer {token}"
  - name: admin
    privileged: true
    headers: {Authorization: "Bearer x"}
scan:
  rate: 5
  max_requests: 100
  max_duration: 2m
  checks: [API1]
  allow_destructive: true
`), env)
	if err != nil {
		t.Fatal(err)
	}
	var ids []Identity
	if err := f.Section("identities", &ids); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 || ids[0].Headers["Authorization"] != "Bearer a1" || ids[1].Login.Request.JSON.(map[string]any)["password"] != "pw" || !ids[2].Privileged {
		t.Fatalf("identities = %+v", ids)
	}
	for _, id := range ids {
		if err := id.validate(); err != nil {
			t.Error(err)
		}
	}
	var fc FileConfig
	if err := f.Section("scan", &fc); err != nil {
		t.Fatal(err)
	}
	var c Config
	if err := fc.Apply(&c); err != nil {
		t.Fatal(err)
	}
	if c.Rate != 5 || c.MaxRequests != 100 || c.MaxDuration != 2*time.Minute || !c.AllowDestructive || c.Checks[0] != "API1" {
		t.Errorf("scan config = %+v", c)
	}

	bad, _ := config.Parse("escarp.yaml", []byte("identities:\n  - name: x\n    tokn: y\n"), env)
	if err := bad.Section("identities", &ids); err == nil || !strings.Contains(err.Error(), "escarp.yaml:3") {
		t.Errorf("unknown field: %v", err)
	}
}

func TestIdentityValidate(t *testing.T) {
	for _, id := range []Identity{
		{Name: "none"},
		{Name: "notoken", Login: &Login{Request: LoginRequest{Path: "/l"}}},
		{Name: "both", Login: &Login{Request: LoginRequest{Path: "/l"}, Token: TokenRef{JSON: "/t", Header: "X"}}},
		{Name: "o", OAuth2: &OAuth2{}},
	} {
		if err := id.validate(); err == nil {
			t.Errorf("%s: no error", id.Name)
		}
	}
}
