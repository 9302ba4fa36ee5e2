package rules

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// sensitiveNames are property names (squashed) that should never be
// returned to clients.
var sensitiveNames = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "passwordhash": true, "hashedpassword": true,
	"passwordsalt": true, "salt": true, "secret": true, "clientsecret": true, "secretkey": true,
	"privatekey": true, "ssn": true, "socialsecuritynumber": true, "creditcard": true,
	"creditcardnumber": true, "cardnumber": true, "pan": true, "cvv": true, "cvc": true, "cvv2": true,
	"pin": true, "otpsecret": true, "mfasecret": true, "totpsecret": true, "recoverycodes": true,
	"securityanswer": true,
}

// SensitiveResponseProperty reports secrets and sensitive personal data
// in response schemas.
var SensitiveResponseProperty = &audit.Rule{
	ID:        "ESC-DATA-004",
	Title:     "Sensitive property in a response",
	Severity:  escarp.SeverityHigh,
	OWASP:     "API3:2023",
	CWE:       []string{"CWE-200"},
	Theme:     audit.ThemeDataExposure,
	Heuristic: true,
	Doc: `A response schema has a property named like a secret or sensitive
personal data (password, password_hash, secret, private_key, ssn,
card_number, cvv, pin, mfa_secret...) that is not writeOnly. Returning it
is excessive data exposure: one leaked response, log or cache entry
compromises the account or the card.

How to fix: remove the property from response schemas (use separate
input and output schemas), or mark input-only fields writeOnly.

Before:

    User:
      properties:
        password: {type: string}

After:

    User:
      properties:
        password: {type: string, writeOnly: true}`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			if !u.In(audit.InResponse) {
				continue
			}
			for _, name := range u.Schema.SortedPropertyNames() {
				ps := u.Schema.Properties[name]
				if ps != nil && !ps.WriteOnly && sensitiveNames[squash(name)] {
					p.Reportf(audit.PropertyAt(u, name), "response property %q exposes sensitive data", name)
				}
			}
		}
		return nil
	},
}
