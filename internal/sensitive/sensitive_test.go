package sensitive

import (
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	for _, n := range []string{"Authorization", "X-Api-Key", "password", "client_secret", "card_number", "pin", "session_id", "X-Amz-Security-Token"} {
		if !Name(n) {
			t.Errorf("Name(%q) = false, want true", n)
		}
	}
	for _, n := range []string{"shipping", "author", "keyword", "token_type", "name", "email", "Accept"} {
		if Name(n) {
			t.Errorf("Name(%q) = true, want false", n)
		}
	}
}

func TestCard(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"4242424242424242", true},    // Visa
		{"4242 4242 4242 4242", true}, // with spaces
		{"5555-5555-5555-4444", true}, // Mastercard
		{"378282246310005", true},     // Amex
		{"6011111111111117", true},    // Discover
		{"4242424242424241", false},   // Luhn fails
		{"1234567812345670", false},   // Luhn-valid, no issuer
		{"79927398713", false},        // Luhn-valid, too short
		{"42424242424242424242", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := Card(tt.v); got != tt.want {
			t.Errorf("Card(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestSSN(t *testing.T) {
	for v, want := range map[string]bool{"123-45-6789": true, "000-12-3456": false, "666-12-3456": false, "900-12-3456": false, "123-00-4567": false, "123456789": false} {
		if got := SSN(v); got != want {
			t.Errorf("SSN(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestProviderKey(t *testing.T) {
	keys := map[string]string{
		"AKIAIOSFODNN7EXAMPLE":                                     "aws",
		"ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789":                 "github",
		"sk_live_4eC39HqLyjWDarjtT1zdp7dc":                         "stripe",
		"xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx": "slack",
		"glpat-ABCDEFGHIJKLMNOPQRST":                               "gitlab",
	}
	for k, provider := range keys {
		id := ProviderKey("the key is " + k + ".")
		if id == "" || !strings.Contains(id, provider) {
			t.Errorf("ProviderKey(%q) = %q, want a %s pattern", k, id, provider)
		}
		masked := MaskProviderKeys(`{"key": "`+k+`"}`, "REDACTED")
		if masked != `{"key": "REDACTED"}` {
			t.Errorf("MaskProviderKeys(%q) = %q, want only the key masked", k, masked)
		}
	}
	for _, s := range []string{"hello world", "order 4242", "AKIA is a prefix", "skeleton_key"} {
		if id := ProviderKey(s); id != "" {
			t.Errorf("ProviderKey(%q) = %q, want none", s, id)
		}
		if got := MaskProviderKeys(s, "X"); got != s {
			t.Errorf("MaskProviderKeys(%q) = %q, want unchanged", s, got)
		}
	}
}

func TestNameCases(t *testing.T) {
	for _, n := range []string{"password", "X-Auth-Token", "client_secret", "apiKey", "session_id", "user_pin", "otp", "X-Api-Key", "refresh_token", "card-number"} {
		if !Name(n) {
			t.Errorf("Name(%q) = false", n)
		}
	}
	for _, n := range []string{"author", "name", "email", "page", "token_type", "shipping_address", "hotpot", "keywords", "monkey"} {
		if Name(n) {
			t.Errorf("Name(%q) = true", n)
		}
	}
}

func BenchmarkName(b *testing.B) {
	names := []string{"Accept", "Content-Type", "Authorization", "X-Request-Id", "User-Agent", "X-Api-Key"}
	for i := 0; b.Loop(); i++ {
		_ = Name(names[i%len(names)])
	}
}
