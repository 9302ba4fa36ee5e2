// Package wildtest holds small vulnerable APIs written in styles unlike
// escarp's own lab (internal/lab), each with a fixed twin, an API
// description, the list of its documented flaws and the identities to scan
// it with. The scan engine's tests scan them to measure recall (documented
// flaws found) and false positives (findings on the twins, and findings on
// the vulnerable variants that match no documented flaw) on APIs shaped
// like the ones escarp meets in the wild: Flask-like envelopes whose
// errors answer 200, FastAPI-like role enums and 422s, objects named by
// client-chosen strings, Swagger 2.0 file uploads.
//
// Only tests import this package.
package wildtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/escarp/escarp"
)

// Flaw is one documented flaw of a fixture's vulnerable variant. It counts
// as found when a finding on the operation Method Path has one of the
// OWASP categories or one of the rule ids; a flaw without an operation
// (Method "") is API-wide and counts as found by one of its rule ids
// anywhere.
type Flaw struct {
	ID     string
	Method string
	Path   string
	OWASP  []string
	Rules  []string
	// Cause is the issue-20 cause number the flaw exercises.
	Cause int
}

// FoundIn reports whether findings report the flaw.
func (f Flaw) FoundIn(findings []escarp.Finding) bool {
	for _, x := range findings {
		if f.Matches(x) {
			return true
		}
	}
	return false
}

// Matches reports whether finding x reports the flaw.
func (f Flaw) Matches(x escarp.Finding) bool {
	if f.Method == "" {
		return slices.Contains(f.Rules, x.RuleID)
	}
	if !strings.EqualFold(x.Location.Method, f.Method) || x.Location.Path != f.Path {
		return false
	}
	return slices.Contains(f.OWASP, x.OWASP) || slices.Contains(f.Rules, x.RuleID)
}

// Fixture is one API: its description, documented flaws, escarp
// configuration and a constructor for either variant.
type Fixture struct {
	// Name is short ("flaskenv"); Style says what the API is like.
	Name, Style string
	// SpecName is the description's file name and Spec its text.
	SpecName string
	Spec     []byte
	// Flaws are the documented flaws of the vulnerable variant.
	Flaws []Flaw
	// Config returns the escarp.yaml (target and identities) that scans
	// baseURL.
	Config func(baseURL string) []byte
	// New returns a fresh instance: the vulnerable variant, or its fixed
	// twin.
	New func(vulnerable bool) Target
}

// Target is a running fixture's handler plus what it observed.
type Target interface {
	http.Handler
	// Unsafe lists what the scan did that a safe-by-default scan must not:
	// calls of a destructive operation, credential or email changes of a
	// configured identity.
	Unsafe() []string
	// Alive reports whether the configured identities can still log in
	// with their configured passwords.
	Alive() error
}

// All returns every fixture in a stable order.
func All() []*Fixture {
	return []*Fixture{FlaskEnvelope(), FastShop(), Handles(), OKFalse()}
}

// ledger records unsafe actions; embedded by the fixtures.
type ledger struct {
	mu     sync.Mutex
	unsafe []string
}

func (l *ledger) record(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.unsafe) < 100 {
		l.unsafe = append(l.unsafe, fmt.Sprintf(format, args...))
	}
}

// Unsafe returns the recorded unsafe actions.
func (l *ledger) Unsafe() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.unsafe)
}

// writeJSON writes v with status and the headers every fixture sends (so
// that header checks stay quiet unless a flaw is planted).
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	b, _ := json.Marshal(v)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decode reads a JSON object body; a body that is not one gives nil.
func decode(r *http.Request) map[string]any {
	var m map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&m); err != nil {
		return nil
	}
	return m
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// randomKey returns a strong HMAC key (the fixed twins' signing key).
func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// signer issues and verifies HS256 tokens.
type signer struct {
	key []byte
	// unverified accepts a token whose signature is not checked (for the
	// vulnerable refresh endpoint).
}

func (s signer) issue(claims jwt.MapClaims, ttl time.Duration) string {
	claims["exp"] = time.Now().Add(ttl).Unix()
	claims["iat"] = time.Now().Unix()
	t, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	return t
}

// verify returns the claims of a valid token signed with the key.
func (s signer) verify(token string) (jwt.MapClaims, bool) {
	claims := jwt.MapClaims{}
	t, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	if err != nil || !t.Valid {
		return nil, false
	}
	return claims, true
}

// unverified returns a token's claims without checking its signature or
// algorithm (the flaw of a refresh endpoint that signs what it is given).
func unverified(token string) (jwt.MapClaims, bool) {
	claims := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(token, claims)
	return claims, err == nil
}

func bearer(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return ""
}

// account is a user of a fixture.
type account struct {
	Name, Password, Email, Role string
	ID                          int
	Configured                  bool
}

// checkAlive logs each configured account in with check and reports the
// first that cannot.
func checkAlive(accounts []account, login func(name, password string) bool) error {
	for _, a := range accounts {
		if a.Configured && !login(a.Name, a.Password) {
			return fmt.Errorf("configured identity %s can no longer log in with its password", a.Name)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
