package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// credentialNames are parameter names, squashed (lower case, no
// separators), that carry credentials.
var credentialNames = map[string]bool{
	"clientsecret": true, "token": true, "accesstoken": true, "refreshtoken": true, "idtoken": true,
	"authtoken": true, "password": true, "passwd": true, "pwd": true, "secret": true, "apikey": true,
	"privatekey": true, "bearer": true, "jwt": true,
}

// sessionNames are credential names only in the query string: in a path
// they name a resource ("/sessions/{session_id}").
var sessionNames = map[string]bool{"sessionid": true, "session": true, "sessiontoken": true, "sessionkey": true}

// CredentialsInURL reports query and path parameters whose names say they
// carry credentials.
var CredentialsInURL = &audit.Rule{
	ID:       "ESC-AUTH-009",
	Title:    "Credentials in query or path parameters",
	Severity: escarp.SeverityHigh,
	OWASP:    "API2:2023",
	CWE:      []string{"CWE-598"},
	Theme:    audit.ThemeAuthentication,
	Aliases:  []string{"owasp:api2:2023-no-credentials-in-url", "owasp-no-credentials-in-url"},
	Doc: `A query or path parameter is named like a credential (password, token,
access_token, client_secret, api_key, session_id...). Values in URLs are
written to access logs, proxies and browser history, and leak through the
Referer header.

How to fix: move the credential into a header (Authorization) or the
request body of a POST.

Before:

    parameters:
      - {name: access_token, in: query, schema: {type: string}}

After:

    security:
      - bearer: []`,
	Run: func(p *audit.Pass) error {
		for _, op := range p.API.Operations {
			for _, prm := range op.Parameters {
				if prm == nil || (prm.In != "query" && prm.In != "path") {
					continue
				}
				n := squash(prm.Name)
				if credentialNames[n] || (prm.In == "query" && sessionNames[n]) {
					p.Reportf(audit.ParamAt(op, prm), "%s parameter %q of %s carries a credential in the URL", prm.In, prm.Name, op.Key())
				}
			}
		}
		return nil
	},
}
