package property

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/sensitive"
)

// Sensitive is ESC-DAST-PROP-003: sensitive values in responses.
type Sensitive struct{}

var _ check.Check = Sensitive{}

// Info describes the check.
func (Sensitive) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-PROP-003",
		Title:    "Sensitive values in responses",
		Severity: escarp.SeverityHigh,
		OWASP:    "API3:2023",
		CWE:      []string{"CWE-200", "CWE-359"},
		Description: "For each GET operation, escarp sends a valid request as a non-privileged identity and looks at " +
			"every value of the JSON answer for password hashes ($2a$/$2b$ bcrypt, $argon2, pbkdf2, crypt $5$/$6$), " +
			"private keys (PEM), provider secrets (AWS AKIA..., Stripe sk_live_..., GitHub ghp_..., Slack xox...), " +
			"non-empty unmasked members named password, secret, api_key or private_key, US social security numbers " +
			"(valid area, group and serial) and card numbers (13 to 19 digits, Luhn-valid, with a card issuer prefix, " +
			"not in id, time or phone members). One finding per operation lists the kinds and members; a second, " +
			"freshly prepared request must show the same kinds. Values are masked in the evidence. 2 requests per operation.",
		Remediation: "Never return secrets: drop hashes and keys from response types, and mask what a user needs to " +
			"recognize (the last 4 digits of a card):\n\n```go\ntype CardView struct {\n    Brand string `json:\"brand\"`\n    " +
			"Last4 string `json:\"last4\"`\n}\nview := CardView{c.Brand, c.Number[len(c.Number)-4:]}\n```\n\n" +
			"Store card numbers with a PCI-compliant vault or tokenization, and rotate any secret that was exposed.",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
			"https://cwe.mitre.org/data/definitions/200.html",
			"https://cwe.mitre.org/data/definitions/359.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Identities: 1},
	}
}

// Run probes one operation.
func (c Sensitive) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil || op.Method != http.MethodGet {
		return nil
	}
	ident, ok := checkkit.User(p.Identities)
	if !ok {
		return nil
	}
	once := func() (*check.Response, []hit, error) {
		req, skip, err := checkkit.Prepare(ctx, p, op, ident)
		if skip {
			return nil, nil, err
		}
		resp, err := p.Session.Do(ctx, checkkit.As(req, ident))
		if err != nil || !resp.OK() {
			return nil, nil, stop(ctx, err)
		}
		return resp, scanBody(resp.Body), nil
	}
	resp, hits, err := once()
	if err != nil || len(hits) == 0 {
		return err
	}
	_, again, err := once()
	if err != nil || len(again) == 0 {
		return err
	}
	kinds := map[string]bool{}
	for _, h := range again {
		kinds[h.kind] = true
	}
	var parts []string
	var confirmed []hit
	seen := map[string]bool{}
	for _, h := range hits {
		if !kinds[h.kind] {
			continue
		}
		confirmed = append(confirmed, h)
		if k := h.kind + " in " + h.pointer; !seen[k] {
			seen[k] = true
			parts = append(parts, k)
		}
	}
	if len(confirmed) == 0 {
		return nil
	}
	f := check.NewFinding(c.Info(), resp, fmt.Sprintf("%s returns %s; a second request returned them too.",
		op.Key(), strings.Join(parts, ", ")))
	f.Location.Param = "body:" + confirmed[0].pointer
	if f.Evidence != nil && f.Evidence.Response != nil {
		body := f.Evidence.Response.Body
		for _, h := range confirmed {
			body = strings.ReplaceAll(body, h.value, redact.Mask)
		}
		f.Evidence.Response.Body = body
	}
	p.Report(f)
	return nil
}

// hit is one sensitive value: its kind, where it is and the value (kept
// only to mask it in the evidence).
type hit struct {
	kind, pointer, value string
}

var (
	passwordHash = regexp.MustCompile(`^(\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}|\$argon2(id|i|d)\$.+|\$pbkdf2[-$].+|pbkdf2[_:$](sha\d*)?.+|\$[56]\$[^$]{1,16}\$[./A-Za-z0-9]{43,86}|\$scrypt\$.+|\$7\$.+)$`)
	privateKey   = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)
	ssnName      = regexp.MustCompile(`(?i)(^ssn$|social_?security|national_?id|tax_?id)`)
	cardSkip     = regexp.MustCompile(`(?i)(^id$|_id$|Id$|uuid|time|date|_at$|phone|tel|mobile|fax|zip|postal|order|invoice|tracking|reference|ref$|count|total|amount|size|version)`)
)

// scanBody returns the sensitive values of a JSON body, in document order
// of their pointers.
func scanBody(body []byte) []hit {
	doc := checkkit.Decode(body)
	if doc == nil {
		return nil
	}
	var out []hit
	var walk func(v any, key, ptr string, depth int)
	walk = func(v any, key, ptr string, depth int) {
		if depth > 12 || len(out) > 50 {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			keys := slices.Sorted(maps.Keys(x))
			for _, k := range keys {
				walk(x[k], k, ptr+"/"+escarp.EscapePointer(k), depth+1)
			}
		case []any:
			for i, e := range x {
				if i == 50 {
					break
				}
				walk(e, key, ptr+"/*", depth+1)
			}
		case string:
			if k := classify(key, x); k != "" {
				out = append(out, hit{k, ptr, x})
			}
		case json.Number:
			if k := classify(key, x.String()); k == "a card number" {
				out = append(out, hit{k, ptr, x.String()})
			}
		}
	}
	walk(doc, "", "", 0)
	return out
}

// classify names the kind of sensitive value v (held by member key) is,
// or returns "".
func classify(key, v string) string {
	switch {
	case v == "":
		return ""
	case passwordHash.MatchString(v):
		return "a password hash"
	case privateKey.MatchString(v):
		return "a private key"
	case sensitive.ProviderKey(v) != "":
		return "a provider secret key"
	case sensitive.SecretMember(key) && !masked(v):
		return "a secret (" + key + ")"
	case sensitive.SSN(v) && (ssnName.MatchString(key) || !cardSkip.MatchString(key)):
		return "a social security number"
	case !cardSkip.MatchString(key) && sensitive.Card(v):
		return "a card number"
	}
	return ""
}

// masked reports whether a value is already hidden ("****", "REDACTED",
// "•••• 4242") or too short to be a secret.
func masked(v string) bool {
	if len(v) < 6 {
		return true
	}
	hidden := 0
	for _, r := range v {
		if r == '*' || r == '•' || r == 'x' || r == 'X' || r == '#' {
			hidden++
		}
	}
	return hidden*2 >= len([]rune(v)) || strings.EqualFold(v, "redacted") || strings.EqualFold(v, "hidden")
}
