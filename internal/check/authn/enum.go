package authn

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Enumeration is ESC-DAST-AUTHN-008: the login operation tells unknown
// users from wrong passwords.
type Enumeration struct{}

var _ check.Check = Enumeration{}

// maxCandidates bounds the existing user names tried; each costs at most
// two wrong-password attempts on that account.
const maxCandidates = 2

// Info describes the check.
func (Enumeration) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-AUTHN-008",
		Title:    "User enumeration through the login operation",
		Severity: escarp.SeverityMedium,
		OWASP:    "API2:2023",
		CWE:      []string{"CWE-204"},
		Description: "escarp finds the login operation (a POST on a path such as /login, /auth, /token, /signin or " +
			"/sessions whose body has a user and a password field) and existing user names (the configured " +
			"identities' names, and username or email members of their /me-like profile). For each of at most two " +
			"names it sends a wrong password, and two attempts for random user names that cannot exist. It reports " +
			"when the two unknown-user answers agree with each other (so the answer is deterministic) but differ from " +
			"the existing user's answer in status or body (user names masked, volatile members ignored), confirmed by " +
			"a second wrong-password attempt for the existing user. Timing is not used. A 429 or lockout stops the " +
			"check. At most 2 wrong passwords per configured account; up to 8 requests per API.",
		Remediation: "Answer every failed login the same way, whatever failed, and spend the same time on it:\n\n" +
			"```go\nuser, err := users.ByName(ctx, name)\nhash := dummyHash // compare against a fixed hash when the user is unknown\n" +
			"if err == nil { hash = user.PasswordHash }\nif bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil {\n" +
			"    http.Error(w, `{\"error\":\"invalid username or password\"}`, http.StatusUnauthorized)\n    return\n}\n```\n\n" +
			"Apply the same rule to registration and password-reset operations.",
		References: append([]string{"https://cwe.mitre.org/data/definitions/204.html",
			"https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/03-Identity_Management_Testing/04-Testing_for_Account_Enumeration_and_Guessable_User_Account"},
			references...),
		Scope: check.PerAPI,
	}
}

// Run probes the API.
func (c Enumeration) Run(ctx context.Context, p *check.Pass) error {
	l, ok := findLogin(p.API)
	if !ok {
		return nil
	}
	names, err := knownUsers(ctx, p, l)
	if err != nil {
		return err
	}
	send := func(user, password string) (*check.Response, error) {
		req, err := l.request(ctx, p, user, password)
		if err != nil {
			return nil, err
		}
		return attempt(ctx, p, req)
	}
	for _, name := range names {
		ghost := ghostName(l)
		password := checkkit.Marker("Wrong-pw")
		unknown, err := send(ghost, password)
		if err != nil {
			return stop(ctx, err)
		}
		known, err := send(name, password)
		if err != nil {
			return stop(ctx, err)
		}
		if throttled(unknown) || throttled(known) {
			return nil
		}
		if known.OK() && !checkkit.ErrorBody(known.Body) {
			continue // a wrong password accepted is not this check's business
		}
		su, sk := signature(unknown, ghost, name), signature(known, ghost, name)
		if su == sk {
			continue
		}
		ghost2 := ghostName(l)
		unknown2, err := send(ghost2, checkkit.Marker("Wrong-pw"))
		if err != nil {
			return stop(ctx, err)
		}
		if throttled(unknown2) || signature(unknown2, ghost2) != su {
			return nil // not deterministic: no conclusion
		}
		known2, err := send(name, checkkit.Marker("Wrong-pw"))
		if err != nil {
			return stop(ctx, err)
		}
		if throttled(known2) || signature(known2, name) != sk {
			return nil
		}
		how := "same status, different body"
		if unknown.Status != known.Status {
			how = fmt.Sprintf("HTTP %d where an unknown user name gets HTTP %d", known.Status, unknown.Status)
		}
		f := check.NewFinding(c.Info(), known, fmt.Sprintf(
			"%s answers a wrong password for an existing account differently from one for an unknown user name (%s), "+
				"so user names can be enumerated; two unknown names got the same answer and a second wrong password "+
				"for the existing account got the same different answer.", l.op.Key(), how))
		if f.Evidence != nil {
			f.Evidence.Note = fmt.Sprintf("unknown user: %s; existing user: %s", clip(su, 200), clip(sk, 200))
		}
		p.Report(f)
		return nil
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ghostName returns a user name that cannot exist, shaped like an e-mail
// when the user field is one.
func ghostName(l loginOp) string {
	n := checkkit.Marker("escarp-nobody")
	if strings.Contains(strings.ToLower(l.user), "mail") {
		n += "@example.invalid"
	}
	return n
}

// profilePath matches operations that describe the caller.
var profilePath = func(p string) bool {
	p = strings.ToLower(strings.TrimSuffix(p, "/"))
	for _, s := range []string{"/me", "/whoami", "/profile", "/account", "/users/me", "/user"} {
		if strings.HasSuffix(p, s) {
			return true
		}
	}
	return false
}

// knownUsers returns up to maxCandidates user names that exist: members
// naming the user in the identities' profiles, then the identity names.
func knownUsers(ctx context.Context, p *check.Pass, l loginOp) ([]string, error) {
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] && len(names) < maxCandidates {
			seen[n] = true
			names = append(names, n)
		}
	}
	email := strings.Contains(strings.ToLower(l.user), "mail")
	var profile *escarp.Operation
	for _, op := range p.API.Operations {
		if op.Method == http.MethodGet && len(escarp.ParsePathTemplate(op.Path).Params()) == 0 && profilePath(op.Path) {
			profile = op
			break
		}
	}
	for _, id := range checkkit.Users(p.Identities) {
		if profile != nil && len(names) < maxCandidates {
			req, skip, err := checkkit.Prepare(ctx, p, profile, id.Name)
			if err != nil {
				return names, err
			}
			if !skip {
				resp, err := p.Session.Do(ctx, checkkit.As(req, id.Name))
				if checkkit.Fatal(ctx, err) {
					return names, err
				}
				if err == nil && resp.OK() {
					obj := checkkit.Object(resp.Body)
					keys := []string{"username", "user_name", "userName", "login", "email"}
					if email {
						keys = []string{"email", "username", "login"}
					}
					for _, k := range keys {
						if v, ok := checkkit.Lookup(obj, k); ok {
							if s, ok := v.(string); ok && s != "" {
								add(s)
								break
							}
						}
					}
				}
			}
		}
		if !email {
			add(id.Name)
		}
	}
	return names, nil
}

// BruteForce is ESC-DAST-AUTHN-009: the login operation has no brute-force
// protection.
type BruteForce struct{}

var _ check.Check = BruteForce{}

// attempts is the size of the wrong-password burst.
const attempts = 30

// Info describes the check.
func (BruteForce) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-AUTHN-009",
		Title:    "No brute-force protection on the login operation",
		Severity: escarp.SeverityMedium,
		OWASP:    "API2:2023",
		CWE:      []string{"CWE-307"},
		Description: fmt.Sprintf("escarp sends a burst of %d wrong passwords to the login operation for a random "+
			"account name that cannot exist (never for a configured identity, so nobody is locked out), and stops "+
			"at the first sign of protection: HTTP 429, 423 or 503, a Retry-After header, a change of status, or a body "+
			"that mentions a lockout, a CAPTCHA or a rate limit. It reports when every attempt was processed the same "+
			"way and one more attempt still is. Protection that only applies to existing accounts is not seen "+
			"(confidence medium). %d requests per API.", attempts, attempts+1),
		Remediation: "Throttle failed logins per account and per client, with growing delays or a temporary lockout, " +
			"and answer 429 with Retry-After once the limit is reached:\n\n```go\nif !limiter.Allow(clientIP(r)) || " +
			"failures.Count(name) >= 5 {\n    w.Header().Set(\"Retry-After\", \"60\")\n    http.Error(w, \"too many attempts\", " +
			"http.StatusTooManyRequests)\n    return\n}\n```\n\nAdd multi-factor authentication and breached-password " +
			"checks for accounts that matter.",
		References: append([]string{"https://cwe.mitre.org/data/definitions/307.html"}, references...),
		Scope:      check.PerAPI,
	}
}

// Run probes the API.
func (c BruteForce) Run(ctx context.Context, p *check.Pass) error {
	l, ok := findLogin(p.API)
	if !ok {
		return nil
	}
	ghost := ghostName(l)
	var first, last *check.Response
	for i := 0; i <= attempts; i++ {
		req, err := l.request(ctx, p, ghost, checkkit.Marker("Wrong-pw"))
		if err != nil {
			return err
		}
		resp, err := attempt(ctx, p, req)
		if err != nil {
			return stop(ctx, err)
		}
		if throttled(resp) {
			return nil
		}
		if first == nil {
			first = resp
			if resp.OK() && !checkkit.ErrorBody(resp.Body) {
				return nil // an unknown account logged in: something else is going on
			}
			if resp.Status == http.StatusNotFound && len(resp.Body) == 0 {
				return nil
			}
		} else if resp.Status != first.Status {
			return nil
		}
		last = resp
	}
	f := check.NewFinding(c.Info(), last, fmt.Sprintf(
		"%s processed %d wrong passwords in a row for one account name (every answer HTTP %d, no 429, Retry-After or "+
			"lockout message), and attempt %d was still processed: passwords can be guessed at full speed.",
		l.op.Key(), attempts, first.Status, attempts+1))
	f.Confidence = escarp.ConfidenceMedium
	p.Report(f)
	return nil
}
