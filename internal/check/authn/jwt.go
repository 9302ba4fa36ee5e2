package authn

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// WeakSecret is ESC-DAST-AUTHN-006: a JWT signed with a guessable HMAC
// key.
type WeakSecret struct {
	// Wordlist holds more candidate keys (--jwt-wordlist), tried after
	// the built-in dictionary.
	Wordlist []string
}

var _ check.Check = WeakSecret{}

// Info describes the check.
func (WeakSecret) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-AUTHN-006",
		Title:    "JWT signed with a guessable HMAC key",
		Severity: escarp.SeverityCritical,
		OWASP:    "API2:2023",
		CWE:      []string{"CWE-798", "CWE-521", "CWE-347"},
		Description: "When the identity's credential is an HS256/384/512 JWT, escarp checks its signature offline " +
			"against a dictionary of about 200 keys from tutorials, framework defaults and leaks (\"secret\", " +
			"\"your-256-bit-secret\", \"changeme\", ...), keys derived from the API's title and, with --jwt-wordlist FILE " +
			"(scan.jwt_wordlist), every line of a larger list such as the 104k publicly seen secrets of " +
			"wallarm/jwt-secrets, in process at full speed; no request is sent for that. When a key matches, it confirms by forging a fresh token (new iat and jti, same subject) with the " +
			"key and sending it on a representative protected GET operation: accepted means anyone can mint tokens " +
			"for any user (confidence certain); not accepted still leaves the key known (confidence medium).",
		Remediation: "Sign tokens with a random key of at least 256 bits from a secret store, never a word or a " +
			"default, and rotate any key that was weak (every token signed with it is forgeable):\n\n" +
			"```go\nkey := make([]byte, 32)\nif _, err := rand.Read(key); err != nil { ... } // keep it in your secret store\n```\n\n" +
			"Prefer asymmetric signatures (EdDSA, ES256, RS256) so that services which only verify never hold the " +
			"signing key.",
		References: append([]string{"https://cwe.mitre.org/data/definitions/798.html"}, jwtReferences...),
		Scope:      check.PerAPI,
		Requires:   check.Requirements{Identities: 1},
	}
}

// Run probes the API.
func (c WeakSecret) Run(ctx context.Context, p *check.Pass) error {
	ts, err := targets(ctx, p, 1)
	if err != nil || len(ts) == 0 {
		return err
	}
	t := ts[0]
	j, ok := parseJWT(t.cred.token)
	if !ok {
		return nil
	}
	key, ok := j.crack(candidateSecrets(p.API))
	if !ok && len(c.Wordlist) > 0 {
		key, ok = j.crack(c.Wordlist)
	}
	if !ok {
		return nil
	}
	forged, ok := j.sign(key, func(cl jwt.MapClaims) {
		now := time.Now()
		cl["iat"] = now.Unix()
		if _, has := cl["exp"]; has {
			cl["exp"] = now.Add(time.Hour).Unix()
		}
		cl["jti"] = checkkit.Marker("escarp")
	})
	if !ok {
		return nil
	}
	resp, ok, err := try(ctx, p, t.base, t.cred.with(t.req, forged))
	if err != nil {
		return err
	}
	shown := maskKey(key)
	if !ok {
		status := 0
		if resp != nil {
			status = resp.Status
		}
		f := check.NewFinding(c.Info(), t.base, fmt.Sprintf(
			"The identity %q's %s token is signed with the dictionary key %s (verified offline); a token escarp forged "+
				"with it was not accepted on %s (HTTP %d), so the key may be stale, but it is guessable.",
			t.req.Identity, j.alg(), shown, t.req.Op.Key(), status))
		f.Confidence = escarp.ConfidenceMedium
		atIssuer(p.API, &f)
		p.Report(f)
		return nil
	}
	f := check.NewFinding(c.Info(), resp, fmt.Sprintf(
		"The identity %q's %s token is signed with the dictionary key %s (verified offline), and a token escarp "+
			"forged with it was accepted on %s (HTTP %d, same data as the real token): anyone can mint tokens.",
		t.req.Identity, j.alg(), shown, t.req.Op.Key(), resp.Status))
	f.Confidence = escarp.ConfidenceCertain
	atIssuer(p.API, &f)
	p.Report(f)
	return nil
}

// maxWordlist bounds the wordlist read (64 MiB).
const maxWordlist = 64 << 20

// LoadWordlist reads a JWT key wordlist: one candidate key a line (CRLF or
// LF), blank lines skipped.
func LoadWordlist(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, escarp.Errorf(escarp.Invalid, "jwt wordlist: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxWordlist+1))
	if err != nil {
		return nil, escarp.Errorf(escarp.Invalid, "jwt wordlist %s: %v", path, err)
	}
	if len(data) > maxWordlist {
		return nil, escarp.Errorf(escarp.Invalid, "jwt wordlist %s: larger than %d MiB", path, maxWordlist>>20)
	}
	var out []string
	for line := range strings.SplitSeq(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if line != "" {
			out = append(out, line)
		}
	}
	return out, nil
}

// atIssuer moves a finding about the token's key to the operation that
// issues tokens (the login operation), when the API has one: that is where
// the key is used and must be fixed.
func atIssuer(api *escarp.API, f *escarp.Finding) {
	l, ok := findLogin(api)
	if !ok {
		return
	}
	f.Location.Method, f.Location.Path = l.op.Method, l.op.Path
	f.Location = f.Location.At(l.op.Pos)
}

// maskKey shows a cracked key partly: enough to recognize a dictionary
// word, not a secret to copy into a report.
func maskKey(k string) string {
	switch {
	case k == "":
		return `"" (empty)`
	case len(k) <= 3:
		return fmt.Sprintf("of %d characters", len(k))
	default:
		return fmt.Sprintf("%q", k[:2]+strings.Repeat("*", len(k)-2))
	}
}

// Expired is ESC-DAST-AUTHN-005: an expired JWT is accepted.
type Expired struct{}

var _ check.Check = Expired{}

// Info describes the check.
func (Expired) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-AUTHN-005",
		Title:    "Expired JWT accepted",
		Severity: escarp.SeverityHigh,
		OWASP:    "API2:2023",
		CWE:      []string{"CWE-613"},
		Description: "An expired token can only be told from a tampered one when it is validly signed, so escarp tests " +
			"expiry two ways. When the identity's own JWT has an `exp` in the past and the baseline still succeeded, " +
			"the API ignores expiry (confirmed by a second request). When the JWT's HMAC key is guessable (see " +
			"ESC-DAST-AUTHN-006), escarp signs two tokens with it: a valid control (must be accepted, else the test is " +
			"inconclusive) and the same claims with `exp` a day in the past; it reports when the expired one is " +
			"accepted too, confirmed by a second request. Otherwise the check cannot run; configure an identity with " +
			"an expired token to test expiry without a weak key. Up to 5 requests per API.",
		Remediation: jwtRemediation + " Keep access tokens short-lived (minutes) and allow at most a small clock skew.",
		References:  append([]string{"https://cwe.mitre.org/data/definitions/613.html"}, jwtReferences...),
		Scope:       check.PerAPI,
		Requires:    check.Requirements{Identities: 1},
	}
}

// Run probes the API.
func (c Expired) Run(ctx context.Context, p *check.Pass) error {
	ts, err := targets(ctx, p, 1)
	if err != nil || len(ts) == 0 {
		return err
	}
	t := ts[0]
	j, ok := parseJWT(t.cred.token)
	if !ok {
		return nil
	}
	if exp, err := j.claims.GetExpirationTime(); err == nil && exp != nil && exp.Before(time.Now().Add(-time.Minute)) {
		// The identity's own token is expired and the baseline succeeded.
		again, ok, err := confirm(ctx, p, t, func(r *check.Request) *check.Request { return t.cred.with(r, t.cred.token) })
		if err != nil || !ok {
			return err
		}
		p.Report(check.NewFinding(c.Info(), again, fmt.Sprintf(
			"%s accepted the identity %q's JWT that expired at %s (HTTP %d), while a request without credentials was "+
				"refused (HTTP %d).", t.req.Op.Key(), t.req.Identity, exp.UTC().Format(time.RFC3339), again.Status, t.anon.Status)))
		return nil
	}
	key, ok := j.crack(candidateSecrets(p.API))
	if !ok {
		return nil
	}
	now := time.Now()
	control, ok := j.sign(key, func(cl jwt.MapClaims) {
		cl["iat"] = now.Unix()
		cl["exp"] = now.Add(time.Hour).Unix()
	})
	if !ok {
		return nil
	}
	if _, ok, err := try(ctx, p, t.base, t.cred.with(t.req, control)); err != nil || !ok {
		return err
	}
	expired, _ := j.sign(key, func(cl jwt.MapClaims) {
		cl["iat"] = now.Add(-25 * time.Hour).Unix()
		cl["nbf"] = now.Add(-25 * time.Hour).Unix()
		cl["exp"] = now.Add(-24 * time.Hour).Unix()
	})
	resp, ok, err := try(ctx, p, t.base, t.cred.with(t.req, expired))
	if err != nil || !ok {
		return err
	}
	again, ok, err := confirm(ctx, p, t, func(r *check.Request) *check.Request { return t.cred.with(r, expired) })
	if err != nil || !ok {
		return err
	}
	p.Report(check.NewFinding(c.Info(), resp, fmt.Sprintf(
		"%s accepted a correctly signed JWT that expired 24 hours ago (HTTP %d; signed with the guessable key of "+
			"ESC-DAST-AUTHN-006, a valid control token was accepted too); a second request confirmed it (HTTP %d).",
		t.req.Op.Key(), resp.Status, again.Status)))
	return nil
}
