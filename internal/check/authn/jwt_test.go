package authn

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestForge(t *testing.T) {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "7"}).SignedString([]byte("changeme"))
	if err != nil {
		t.Fatal(err)
	}
	j, ok := parseJWT(tok)
	if !ok {
		t.Fatalf("parseJWT(%q) failed", tok)
	}
	key, ok := j.crack(weakSecrets)
	if !ok || key != "changeme" {
		t.Fatalf("crack = %q, %v, want changeme", key, ok)
	}
	forged, ok := j.sign(key, func(c jwt.MapClaims) { c["sub"] = "8" })
	if !ok {
		t.Fatal("sign failed")
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(forged, claims, func(*jwt.Token) (any, error) { return []byte("changeme"), nil }); err != nil || claims["sub"] != "8" {
		t.Errorf("forged token %q: %v, claims %v", forged, err, claims)
	}
	none := j.withAlg("none")
	if !strings.HasSuffix(none, ".") || strings.Count(none, ".") != 2 {
		t.Errorf("withAlg(none) = %q, want header.payload.", none)
	}
	if p, ok := parseJWT(j.tampered()); !ok || p.claims["escarp"] != "tampered" || p.parts[2] != j.parts[2] {
		t.Errorf("tampered() = %q: want the added claim under the original signature", j.tampered())
	}
	strong, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "7"}).SignedString([]byte("6c1f0d2e9a8b7c6d5e4f3a2b1c0d9e8f"))
	if sj, _ := parseJWT(strong); sj != nil {
		if k, ok := sj.crack(weakSecrets); ok {
			t.Errorf("a random key was cracked as %q", k)
		}
	}
}

func FuzzParseJWT(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")
	f.Add("a.b.")
	f.Fuzz(func(t *testing.T, tok string) {
		j, ok := parseJWT(tok)
		if !ok {
			return
		}
		_ = j.withAlg("none")
		_ = j.stripped()
		_ = j.resigned()
		_ = j.tampered()
		_, _ = j.crack([]string{"secret"})
	})
}

// TestWordlist cracks, with the public list of seen JWT secrets, a key the
// built-in dictionary does not hold, and still not a random key.
func TestWordlist(t *testing.T) {
	words, err := LoadWordlist(filepath.Join("..", "..", "..", "..", "shared", "corpus", "wordlists", "jwt-secrets.txt"))
	if err != nil {
		t.Skipf("no shared JWT wordlist: %v", err)
	}
	if len(words) < 100000 || strings.ContainsAny(words[0], "\r\n") {
		t.Fatalf("wordlist: %d words, first %q", len(words), words[0])
	}
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"sub": "7"}).SignedString([]byte("7231648lfp"))
	j, _ := parseJWT(tok)
	if _, ok := j.crack(weakSecrets); ok {
		t.Fatal("the built-in list should not hold the test key")
	}
	start := time.Now()
	if key, ok := j.crack(words); !ok || key != "7231648lfp" {
		t.Fatalf("crack with the wordlist = %q, %v", key, ok)
	}
	t.Logf("cracked HS512 against %d words in %s", len(words), time.Since(start).Round(time.Millisecond))
	strong, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "7"}).SignedString([]byte("6c1f0d2e9a8b7c6d5e4f3a2b1c0d9e8f"))
	if sj, _ := parseJWT(strong); sj != nil {
		if k, ok := sj.crack(words); ok {
			t.Errorf("a random key was cracked as %q", k)
		}
	}
	if _, err := LoadWordlist(filepath.Join(t.TempDir(), "missing.txt")); err == nil {
		t.Error("a missing wordlist loaded")
	}
}
