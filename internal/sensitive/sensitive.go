// Package sensitive is escarp's one catalogue of sensitive data: the names
// of fields and headers that hold secrets ([Name], [SecretMember]), the
// shapes of personal data ([Card], with the Luhn checksum and an issuer
// check, [SSN]) and provider key patterns ([ProviderKey],
// [MaskProviderKeys]).
//
// Redaction (internal/redact), traffic classification (internal/traffic)
// and the exposure checks (internal/check/property) all read it, so that
// what escarp hides and what it reports as exposed agree.
//
// The provider patterns are gitleaks' default rules
// (github.com/zricethezav/gitleaks/v8), copied into providers_gen.go by
// `go generate` so that this package, which redaction and therefore almost
// everything imports, needs only the standard library; a test fails when
// the table and gitleaks' rules drift apart.
package sensitive

//go:generate go test -run TestProvidersInSync -update

import (
	"regexp"
	"strings"
)

// sensitiveHeaders are redacted whatever their value.
var sensitiveHeaders = map[string]bool{
	"authorization":        true,
	"proxy-authorization":  true,
	"cookie":               true,
	"set-cookie":           true,
	"x-api-key":            true,
	"api-key":              true,
	"x-auth-token":         true,
	"x-access-token":       true,
	"x-csrf-token":         true,
	"x-xsrf-token":         true,
	"x-amz-security-token": true,
}

// sensitiveParts are substrings of names that hold secrets, matched after
// lower-casing and removing '-' and '_' ("X-Api-Key" → "xapikey").
var sensitiveParts = []string{"password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey",
	"privatekey", "credential", "auth", "session", "jwt", "bearer", "signature", "cardnumber", "cvv", "ssn"}

// sensitiveTokens are short names that count only as a whole word of the
// name ("pin", not "shipping").
var sensitiveTokens = map[string]bool{"pass": true, "pwd": true, "otp": true, "pin": true, "sid": true, "key": true}

// Name reports whether a header, parameter or field name usually holds a
// secret: "Authorization", "X-Api-Key", "password", "client_secret",
// "card_number", "pin" (not "shipping").
func Name(name string) bool {
	n := strings.ToLower(name)
	if sensitiveHeaders[n] {
		return true
	}
	// Common non-secret names that the parts would catch.
	switch n {
	case "author", "authors", "authority", "oauth_callback", "token_type", "expires_in", "pinned", "keyword", "keywords":
		return false
	}
	var b [64]byte
	flat := b[:0]
	for i := 0; i < len(n) && len(flat) < len(b); i++ {
		if n[i] != '-' && n[i] != '_' {
			flat = append(flat, n[i])
		}
	}
	f := string(flat)
	for _, p := range sensitiveParts {
		if strings.Contains(f, p) {
			return true
		}
	}
	start := 0
	for i := 0; i <= len(n); i++ {
		if i == len(n) || n[i] == '-' || n[i] == '_' || n[i] == '.' {
			if sensitiveTokens[n[start:i]] {
				return true
			}
			start = i + 1
		}
	}
	return false
}

// secretMember matches member names that hold a secret value itself
// (stricter than [Name], which also covers session and token carriers).
var secretMember = regexp.MustCompile(`(?i)^(password|passwd|pwd|secret|client_?secret|api_?key|apikey|private_?key|secret_?key|access_?key_?secret|aws_?secret_?access_?key)$`)

// SecretMember reports whether a JSON member of that name holds a secret
// in clear: password, secret, client_secret, api_key, private_key.
func SecretMember(name string) bool { return secretMember.MatchString(name) }

var ssnValue = regexp.MustCompile(`^(\d{3})-(\d{2})-(\d{4})$`)

// SSN reports whether v is a US social security number in the usual
// 123-45-6789 form with a valid area, group and serial.
func SSN(v string) bool {
	m := ssnValue.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	area := m[1]
	return area != "000" && area != "666" && area[0] != '9' && m[2] != "00" && m[3] != "0000"
}

var digitsSep = regexp.MustCompile(`^[0-9][0-9 -]{11,22}[0-9]$`)

// Card reports whether v is a payment card number: 13 to 19 digits
// (spaces and dashes allowed between them), Luhn-valid, with a card
// issuer's prefix and length (Visa, Mastercard, Amex, Discover, JCB,
// Diners, UnionPay).
func Card(v string) bool {
	if !digitsSep.MatchString(v) {
		if len(v) < 13 || len(v) > 19 {
			return false
		}
	}
	d := strings.NewReplacer(" ", "", "-", "").Replace(v)
	if len(d) < 13 || len(d) > 19 {
		return false
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return false
		}
	}
	return issuer(d) && luhn(d)
}

// luhn checks the Luhn checksum of a string of digits.
func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

func issuer(d string) bool {
	n := len(d)
	p2 := atoi(d[:2])
	p4 := atoi(d[:4])
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case (p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720):
		return n == 16
	case p2 == 34 || p2 == 37:
		return n == 15
	case p4 == 6011 || p2 == 65 || (atoi(d[:3]) >= 644 && atoi(d[:3]) <= 649):
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589:
		return n >= 16 && n <= 19
	case p2 == 36 || p2 == 38 || (atoi(d[:3]) >= 300 && atoi(d[:3]) <= 305):
		return n >= 14 && n <= 19
	case p2 == 62:
		return n >= 16 && n <= 19
	}
	return false
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
