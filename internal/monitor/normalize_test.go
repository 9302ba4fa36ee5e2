package monitor_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor"
)

func exch(method, url string, status int, h map[string][]string) *escarp.Exchange {
	return &escarp.Exchange{Method: method, URL: url, Status: status, RequestHeader: h, ClientIP: "192.0.2.1", Time: "2026-12-08T10:00:00Z"}
}

func bearer(tok string) map[string][]string {
	return map[string][]string{"Authorization": {"Bearer " + tok}}
}

func TestPrincipalsNeverSecrets(t *testing.T) {
	n := monitor.NewNormalizer(nil, nil)
	basic := base64.StdEncoding.EncodeToString([]byte("carol:s3cret-pass"))
	for _, c := range []struct {
		h    map[string][]string
		want string
	}{
		{bearer(signed(t, "42")), "jwt:42"},
		{map[string][]string{"Authorization": {"Basic " + basic}}, "basic:carol"},
		{map[string][]string{"X-Api-Key": {"live-key-0123456789"}}, "key:"},
		{bearer("opaque-token-value"), "token:"},
	} {
		e := n.Event(exch("GET", "http://api.example/boats", 200, c.h), monitor.Meta{})
		if !strings.HasPrefix(e.Principal, c.want) || !e.Verified {
			t.Errorf("principal %q verified %v, want %s…", e.Principal, e.Verified, c.want)
		}
		raw, _ := json.Marshal(e)
		for _, secret := range []string{"s3cret-pass", "live-key-0123456789", "opaque-token-value", basic} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("the event holds a secret: %s", raw)
			}
		}
	}
	// The API key in the query is hashed too, and redacted in the sample.
	e := n.Event(exch("GET", "http://api.example/boats?api_key=live-key-0123456789&page=2", 200, nil), monitor.Meta{})
	if !strings.HasPrefix(e.Principal, "key:") || strings.Contains(e.Sample, "live-key") {
		t.Errorf("query key: principal %q sample %q", e.Principal, e.Sample)
	}
}

func signed(t *testing.T, sub string) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestVerification: a 2xx verifies the token (and later calls with it); a
// forged token claiming the same sub stays unverified; a JWKS verifies a
// token whose request failed.
func TestVerification(t *testing.T) {
	n := monitor.NewNormalizer(nil, nil)
	real := signed(t, "7")
	if e := n.Event(exch("GET", "http://a/boats/1", 401, bearer(real)), monitor.Meta{}); e.Verified {
		t.Fatal("a token the upstream refused is verified")
	}
	n.Event(exch("GET", "http://a/boats/1", 200, bearer(real)), monitor.Meta{})
	if e := n.Event(exch("GET", "http://a/boats/999", 404, bearer(real)), monitor.Meta{}); !e.Verified || e.Principal != "jwt:7" {
		t.Fatalf("a token the upstream accepted before: %+v", e)
	}
	enc := base64.RawURLEncoding.EncodeToString
	forged := enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"sub":"7"}`)) + "."
	if e := n.Event(exch("GET", "http://a/boats/2", 403, bearer(forged)), monitor.Meta{}); e.Verified || e.Principal != "jwt:7" {
		t.Fatalf("a forged token: %+v", e)
	}

	// With a JWKS, an ES256 token verifies on its own.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, err := jwk.Import(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub.Set(jwk.KeyIDKey, "k1")
	pub.Set(jwk.AlgorithmKey, "ES256")
	set := jwk.NewSet()
	set.AddKey(pub)
	raw, _ := json.Marshal(set)
	path := filepath.Join(t.TempDir(), "jwks.json")
	os.WriteFile(path, raw, 0o600)
	keys, err := monitor.LoadKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"sub": "dana"})
	tok.Header["kid"] = "k1"
	es, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	nk := monitor.NewNormalizer(nil, keys)
	if e := nk.Event(exch("GET", "http://a/boats/1", 404, bearer(es)), monitor.Meta{}); !e.Verified || e.Principal != "jwt:dana" {
		t.Fatalf("a JWKS-signed token: %+v", e)
	}
	if e := nk.Event(exch("GET", "http://a/boats/1", 404, bearer(forged)), monitor.Meta{}); e.Verified {
		t.Fatal("a forged token verified against the JWKS")
	}
	if _, err := monitor.LoadKeys(filepath.Join(t.TempDir(), "missing.json")); escarp.KindOf(err) != escarp.Invalid {
		t.Fatalf("missing JWKS: %v", err)
	}
}

func TestOperationsAndAccounts(t *testing.T) {
	api := &escarp.API{Operations: []*escarp.Operation{
		{Method: "GET", Path: "/api/v2/boats/{boatId}"},
		{Method: "GET", Path: "/api/v2/bookings/export", Deprecated: true},
		{Method: "POST", Path: "/api/v2/auth/login"},
	}}
	n := monitor.NewNormalizer(api, nil)
	n.Sensitize("GET /api/v2/boats/{boatId}", 1)
	e := n.Event(exch("GET", "http://a/api/v2/boats/77", 200, nil), monitor.Meta{})
	if e.Template != "/api/v2/boats/{boatId}" || !e.Matched || e.ObjectID != "77" || e.Sensitivity != 1 {
		t.Fatalf("boat: %+v", e)
	}
	if e := n.Event(exch("GET", "http://a/api/v2/bookings/export", 200, nil), monitor.Meta{}); !e.Deprecated {
		t.Fatal("deprecated operation not marked")
	}
	if e := n.Event(exch("DELETE", "http://a/api/v2/boats/77", 204, nil), monitor.Meta{}); e.Matched {
		t.Fatal("an undocumented method matched")
	}
	if e := n.Event(exch("GET", "http://a/internal/debug/123", 200, nil), monitor.Meta{}); e.Matched || e.Template != "/internal/debug/{debugId}" {
		t.Fatalf("shadow call: %+v", e)
	}
	x := exch("POST", "http://a/api/v2/auth/login", 401, nil)
	x.RequestBody = `{"username":"Bob","password":"hunter2"}`
	if e := n.Event(x, monitor.Meta{}); !e.Login || e.Username != "bob" || strings.Contains(e.Sample, "hunter2") {
		t.Fatalf("login: %+v", e)
	}
	y := exch("POST", "http://a/api/v2/password-reset", 404, nil)
	y.RequestBody = "email=who%40example.com"
	if e := n.Event(y, monitor.Meta{}); !e.Account || e.Username != "who@example.com" {
		t.Fatalf("reset: %+v", e)
	}
	z := exch("GET", "http://a/api/v2/bookings", 200, nil)
	z.ResponseBody = `{"items":[{"id":1},{"id":2},{"id":3}],"next":null}`
	if e := n.Event(z, monitor.Meta{}); e.Records != 3 || e.RespBytes != int64(len(z.ResponseBody)) {
		t.Fatalf("records: %+v", e)
	}
}
