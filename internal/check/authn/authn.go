package authn

import (
	"context"
	"fmt"
	"net/http"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

var references = []string{
	"https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
	"https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html",
}

var jwtReferences = []string{
	"https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
	"https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html",
	"https://datatracker.ietf.org/doc/html/rfc8725",
}

const jwtRemediation = "Verify every token with a library, pinning the algorithms and key you expect, and " +
	"require the claims you rely on:\n\n" +
	"```go\n" +
	"tok, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return key, nil },\n" +
	"    jwt.WithValidMethods([]string{\"RS256\"}), // never \"none\", never taken from the token\n" +
	"    jwt.WithExpirationRequired(), jwt.WithIssuer(issuer), jwt.WithAudience(audience))\n" +
	"if err != nil || !tok.Valid {\n" +
	"    http.Error(w, \"unauthorized\", http.StatusUnauthorized)\n" +
	"    return\n" +
	"}\n" +
	"```\n\n" +
	"Fail closed: any parse or verification error is a 401, never a fallback identity."

// NoAuth is ESC-DAST-AUTHN-001: a protected operation answers without
// credentials.
type NoAuth struct{}

var _ check.Check = NoAuth{}

// Info describes the check.
func (NoAuth) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-AUTHN-001",
		Title:    "Protected operation answers without credentials",
		Severity: escarp.SeverityHigh,
		OWASP:    "API2:2023",
		CWE:      []string{"CWE-306", "CWE-287"},
		Description: "For each GET operation whose spec requires authentication, escarp sends a valid request as a " +
			"configured identity (baseline: 2xx with data), then the same request with no credentials. It reports " +
			"when the anonymous request also gets 2xx with data of the baseline's shape (at least 80% of its member " +
			"names) and no error envelope, confirmed by a second anonymous, freshly prepared request. Operations the " +
			"spec marks public (`security: []` or an empty requirement) are not tested. 3 to 4 requests per operation.",
		Remediation: "Enforce authentication in one middleware that wraps every route and fails closed, and list the " +
			"public routes explicitly:\n\n```go\nmux.Handle(\"/api/\", requireAuth(api)) // everything under /api/ needs a token\n" +
			"mux.Handle(\"/health\", health)          // public, on purpose\n```\n\nKeep the spec's `security` in step with " +
			"the code, and test that each protected operation answers 401 without credentials.",
		References: append([]string{"https://cwe.mitre.org/data/definitions/306.html"}, references...),
		Scope:      check.PerOperation,
		Requires:   check.Requirements{Identities: 1},
	}
}

// Run probes one operation.
func (c NoAuth) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil || op.Method != http.MethodGet || !protected(op) {
		return nil
	}
	ident, ok := checkkit.User(p.Identities)
	if !ok {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, op, ident)
	if skip {
		return err
	}
	base, err := p.Session.Do(ctx, checkkit.As(req, ident))
	if err != nil {
		return stop(ctx, err)
	}
	if !base.OK() || !checkkit.Substantial(base.Body) || checkkit.ErrorBody(base.Body) {
		return nil
	}
	anon, ok, err := try(ctx, p, base, checkkit.As(req, ""))
	if err != nil || !ok {
		return err
	}
	again, ok, err := confirm(ctx, p, target{req: req, base: base}, func(r *check.Request) *check.Request { return checkkit.As(r, "") })
	if err != nil || !ok {
		return err
	}
	p.Report(check.NewFinding(c.Info(), anon, fmt.Sprintf(
		"%s requires authentication in the spec but answered HTTP %d with data to a request without credentials "+
			"(the identity %q got HTTP %d); a second anonymous request confirmed it (HTTP %d).",
		op.Key(), anon.Status, ident, base.Status, again.Status)))
	return nil
}

func stop(ctx context.Context, err error) error {
	if checkkit.Fatal(ctx, err) {
		return err
	}
	return nil
}

// tokenCheck is the shape of the token-acceptance checks: variants of the
// identity's token, each sent on the representative operations.
type tokenCheck struct {
	info check.Info
	// variants returns the forged tokens to try, with a description each.
	variants func(c credential) []variant
}

type variant struct {
	token string
	what  string
}

func (c tokenCheck) run(ctx context.Context, p *check.Pass) error {
	ts, err := targets(ctx, p, maxTargets)
	if err != nil || len(ts) == 0 {
		return err
	}
	reports := 0
	for _, t := range ts {
		if reports == maxReports {
			return nil
		}
		for _, v := range c.variants(t.cred) {
			resp, ok, err := try(ctx, p, t.base, t.cred.with(t.req, v.token))
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			again, ok, err := confirm(ctx, p, t, func(r *check.Request) *check.Request { return t.cred.with(r, v.token) })
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			p.Report(check.NewFinding(c.info, resp, fmt.Sprintf(
				"%s accepted %s (HTTP %d, the same data as the identity %q's own token) while a request without "+
					"credentials was refused (HTTP %d); a second request confirmed it (HTTP %d).",
				t.req.Op.Key(), v.what, resp.Status, t.req.Identity, t.anon.Status, again.Status)))
			reports++
			break // one finding per operation
		}
	}
	return nil
}

// Garbled is ESC-DAST-AUTHN-002: a garbled or tampered token is accepted.
type Garbled struct{}

var _ check.Check = Garbled{}

// Info describes the check.
func (Garbled) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-AUTHN-002",
		Title:    "Garbled or tampered token accepted",
		Severity: escarp.SeverityCritical,
		OWASP:    "API2:2023",
		CWE:      []string{"CWE-287", "CWE-345"},
		Description: "On the protected GET operations (up to 12, the caller's profile first; each must answer 2xx with " +
			"data for a configured identity and 401/403 without credentials), escarp replaces the identity's token with a random string of the same " +
			"length, and for opaque tokens also with the token with its last characters changed. It reports when the " +
			"API answers 2xx with data of the baseline's shape, confirmed by a second request: the API checks that a " +
			"credential is present, not that it is valid, or fails open to some identity. One finding per operation, " +
			"at most 3. About 4 requests per operation.",
		Remediation: jwtRemediation,
		References:  append([]string{"https://cwe.mitre.org/data/definitions/287.html"}, references...),
		Scope:       check.PerAPI,
		Requires:    check.Requirements{Identities: 1},
	}
}

// Run probes the API.
func (c Garbled) Run(ctx context.Context, p *check.Pass) error {
	return tokenCheck{info: c.Info(), variants: func(cr credential) []variant {
		vs := []variant{{garble(cr.token), "a random token"}}
		if !cr.isJWT() && len(cr.token) >= 8 {
			t := []byte(cr.token)
			for i := len(t) - 4; i < len(t); i++ {
				t[i] = flip(t[i])
			}
			vs = append(vs, variant{string(t), "the identity's token with its last 4 characters changed"})
		}
		return vs
	}}.run(ctx, p)
}

func flip(b byte) byte {
	switch {
	case b >= 'a' && b < 'z', b >= 'A' && b < 'Z', b >= '0' && b < '9':
		return b + 1
	case b == 'z':
		return 'a'
	case b == 'Z':
		return 'A'
	case b == '9':
		return '0'
	}
	return 'x'
}

// AlgNone is ESC-DAST-AUTHN-003: a JWT with alg "none" is accepted.
type AlgNone struct{}

var _ check.Check = AlgNone{}

// Info describes the check.
func (AlgNone) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-AUTHN-003",
		Title:    "JWT with alg \"none\" accepted",
		Severity: escarp.SeverityCritical,
		OWASP:    "API2:2023",
		CWE:      []string{"CWE-347", "CWE-287"},
		Description: "When the identity's credential is a JWT, escarp re-encodes its header with `alg` set to `none` " +
			"(also `None` and `NONE`), keeps the claims and drops the signature, and sends it on the protected GET " +
			"operations (up to 12, the caller's profile first). It reports each operation that answers 2xx with data of " +
			"the baseline's shape, confirmed by a second request (at most 3 findings): anyone can then mint a token for " +
			"any user. Up to 6 requests per operation.",
		Remediation: jwtRemediation,
		References:  jwtReferences,
		Scope:       check.PerAPI,
		Requires:    check.Requirements{Identities: 1},
	}
}

// Run probes the API.
func (c AlgNone) Run(ctx context.Context, p *check.Pass) error {
	return tokenCheck{info: c.Info(), variants: func(cr credential) []variant {
		j, ok := parseJWT(cr.token)
		if !ok {
			return nil
		}
		var vs []variant
		for _, alg := range []string{"none", "None", "NONE"} {
			vs = append(vs, variant{j.withAlg(alg), fmt.Sprintf("the identity's JWT re-encoded with alg %q and no signature", alg)})
		}
		return vs
	}}.run(ctx, p)
}

// Signature is ESC-DAST-AUTHN-004: a JWT with a stripped, wrong or stale
// signature is accepted.
type Signature struct{}

var _ check.Check = Signature{}

// Info describes the check.
func (Signature) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-AUTHN-004",
		Title:    "JWT signature not verified",
		Severity: escarp.SeverityCritical,
		OWASP:    "API2:2023",
		CWE:      []string{"CWE-347"},
		Description: "When the identity's credential is a JWT, escarp sends three variants on the protected GET operations " +
			"(up to 12, the caller's profile first): the token with its signature stripped (alg unchanged), with a random signature " +
			"of the same length, and with a claim added to the payload under the original signature. It reports when " +
			"the API answers 2xx with data of the baseline's shape, confirmed by a second request: the API decodes " +
			"tokens without verifying them. One finding per operation, at most 3; up to 6 requests per operation.",
		Remediation: jwtRemediation,
		References:  jwtReferences,
		Scope:       check.PerAPI,
		Requires:    check.Requirements{Identities: 1},
	}
}

// Run probes the API.
func (c Signature) Run(ctx context.Context, p *check.Pass) error {
	return tokenCheck{info: c.Info(), variants: func(cr credential) []variant {
		j, ok := parseJWT(cr.token)
		if !ok || j.alg() == "" || j.parts[2] == "" {
			return nil
		}
		return []variant{
			{j.stripped(), "the identity's JWT with its signature stripped"},
			{j.resigned(), "the identity's JWT with a random signature"},
			{j.tampered(), "the identity's JWT with a claim added under the original signature"},
		}
	}}.run(ctx, p)
}
