package authn

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// URLCredentials is ESC-DAST-AUTHN-007: credentials accepted in the URL.
type URLCredentials struct{}

var _ check.Check = URLCredentials{}

// queryNames are the query parameters APIs commonly read tokens from.
var queryNames = []string{"access_token", "token", "api_key", "apikey", "auth_token", "jwt"}

// Info describes the check.
func (URLCredentials) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-AUTHN-007",
		Title:    "Credentials accepted in the URL",
		Severity: escarp.SeverityMedium,
		OWASP:    "API2:2023",
		CWE:      []string{"CWE-598"},
		Description: "URLs end up in access logs, proxies, browser history and Referer headers. Operations whose spec " +
			"takes a password, secret or token as a query parameter are reported when they process made-up credentials " +
			"(401, 403 or 200, twice; not 404 or 405). When the spec declares " +
			"an API key in the query and a representative protected GET operation succeeds with it while failing " +
			"without it, escarp reports it. Otherwise it moves the identity's header or cookie credential into the " +
			"query (`access_token`, `token`, `api_key`, `apikey`, `auth_token`, `jwt`) and reports the first name the " +
			"API accepts (2xx with the baseline's data while a request without credentials is refused), confirmed by " +
			"a second request. Up to 9 requests per API.",
		Remediation: "Read credentials from the Authorization header (or an HttpOnly cookie) only, and reject requests " +
			"that carry them in the query:\n\n```go\nif r.URL.Query().Has(\"access_token\") {\n    http.Error(w, " +
			"\"credentials in the URL are not accepted\", http.StatusBadRequest)\n    return\n}\n```\n\nDeclare API keys " +
			"`in: header` in the spec; rotate keys that were sent in URLs.",
		References: append([]string{"https://cwe.mitre.org/data/definitions/598.html",
			"https://datatracker.ietf.org/doc/html/rfc6750#section-5.3"}, references...),
		Scope:    check.PerAPI,
		Requires: check.Requirements{Identities: 1},
	}
}

// secretParam matches query parameters that carry a credential.
var secretParam = regexp.MustCompile(`(?i)^(pass(word)?|passwd|pwd|secret|client_?secret|api_?key|apikey|access_?token|` +
	`auth_?token|token|jwt|session_?id|private_?key)$`)

// Run probes the API.
func (c URLCredentials) Run(ctx context.Context, p *check.Pass) error {
	if err := c.declared(ctx, p); err != nil {
		return err
	}
	ts, err := targets(ctx, p, 1)
	if err != nil || len(ts) == 0 {
		return err
	}
	t := ts[0]
	if t.cred.in == "query" {
		p.Report(check.NewFinding(c.Info(), t.base, fmt.Sprintf(
			"The API takes its key in the query parameter %q (as the spec declares): %s answered HTTP %d with it and "+
				"HTTP %d without it.", t.cred.name, t.req.Op.Key(), t.base.Status, t.anon.Status)))
		return nil
	}
	for _, name := range queryNames {
		q := credential{in: "query", name: name, token: t.cred.token}
		resp, ok, err := try(ctx, p, t.base, q.with(t.req, t.cred.token))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		again, ok, err := confirm(ctx, p, t, func(r *check.Request) *check.Request { return q.with(r, t.cred.token) })
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		p.Report(check.NewFinding(c.Info(), resp, fmt.Sprintf(
			"%s accepted the identity %q's credential in the query parameter %q (HTTP %d, the same data as with the "+
				"%s %s) while a request without credentials was refused (HTTP %d); a second request confirmed it (HTTP %d).",
			t.req.Op.Key(), t.req.Identity, name, resp.Status, t.cred.in, t.cred.name, t.anon.Status, again.Status)))
		return nil
	}
	return nil
}

// declared reports operations whose spec takes a password, secret or token
// as a query parameter (GET /auth/token?username=...&password=...), once
// the operation is seen to process it: a request with a made-up user and
// password gets an answer about the credentials (401, 403, or 200), not 404
// or 405, twice.
func (c URLCredentials) declared(ctx context.Context, p *check.Pass) error {
	for _, op := range p.API.Operations {
		var names []string
		for _, prm := range op.Parameters {
			if prm.In == "query" && secretParam.MatchString(prm.Name) {
				names = append(names, prm.Name)
			}
		}
		if len(names) == 0 || op.Method == http.MethodDelete {
			continue
		}
		var got []*check.Response
		for i := 0; i < 2; i++ {
			req, skip, err := checkkit.Prepare(ctx, p, op, "")
			if skip {
				if err != nil {
					return err
				}
				break
			}
			req = checkkit.As(req, "")
			for _, prm := range op.Parameters {
				if prm.In == "query" && userField.MatchString(prm.Name) {
					req.Query.Set(prm.Name, ghostName(loginOp{user: prm.Name}))
				}
			}
			for _, n := range names {
				req.Query.Set(n, checkkit.Marker("Escarp-secret"))
			}
			resp, err := p.Session.Do(ctx, req)
			if err != nil {
				return stop(ctx, err)
			}
			if !processed(resp) {
				break
			}
			got = append(got, resp)
		}
		if len(got) < 2 {
			continue
		}
		f := check.NewFinding(c.Info(), got[0], fmt.Sprintf(
			"%s takes %s in the query string, as its spec declares, and processes it (HTTP %d with made-up "+
				"credentials, twice): credentials sent this way end up in logs, history and Referer headers.",
			op.Key(), strings.Join(names, ", "), got[0].Status))
		f.Location.Param = "query:" + names[0]
		p.Report(f)
	}
	return nil
}

// processed reports whether an answer shows the operation read the
// credentials: accepted, or refused as wrong.
func processed(resp *check.Response) bool {
	switch resp.Status {
	case http.StatusOK, http.StatusUnauthorized, http.StatusForbidden:
		return true
	case http.StatusNotFound:
		// "no such user" from a login is processing; a missing route is not.
		b := strings.ToLower(string(resp.Body))
		return strings.Contains(b, "user") || strings.Contains(b, "member") || strings.Contains(b, "account")
	}
	return false
}
