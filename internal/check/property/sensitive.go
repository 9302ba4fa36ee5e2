package property

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
	"github.com/escarp/escarp/internal/redact"
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
	providerKey  = regexp.MustCompile(`\b(AKIA[0-9A-Z]{16}|sk_live_[0-9A-Za-z]{10,}|gh[pousr]_[A-Za-z0-9]{36,}|xox[abpors]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b`)
	secretName   = regexp.MustCompile(`(?i)^(password|passwd|pwd|secret|client_?secret|api_?key|apikey|private_?key|secret_?key|access_?key_?secret|aws_?secret_?access_?key)$`)
	ssnValue     = regexp.MustCompile(`^(\d{3})-(\d{2})-(\d{4})$`)
	ssnName      = regexp.MustCompile(`(?i)(^ssn$|social_?security|national_?id|tax_?id)`)
	cardSkip     = regexp.MustCompile(`(?i)(^id$|_id$|Id$|uuid|time|date|_at$|phone|tel|mobile|fax|zip|postal|order|invoice|tracking|reference|ref$|count|total|amount|size|version)`)
	digitsSep    = regexp.MustCompile(`^[0-9][0-9 -]{11,22}[0-9]$`)
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
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
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
	case providerKey.MatchString(v):
		return "a provider secret key"
	case secretName.MatchString(key) && !masked(v):
		return "a secret (" + key + ")"
	case ssn(v) && (ssnName.MatchString(key) || !cardSkip.MatchString(key)):
		return "a social security number"
	case !cardSkip.MatchString(key) && card(v):
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

func ssn(v string) bool {
	m := ssnValue.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	area := m[1]
	return area != "000" && area != "666" && area[0] != '9' && m[2] != "00" && m[3] != "0000"
}

// card reports whether v is a Luhn-valid card number with an issuer
// prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay).
func card(v string) bool {
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
	if !issuer(d) {
		return false
	}
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
