package property

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Exposure is ESC-DAST-PROP-002: response properties the schema does not
// declare.
type Exposure struct{}

var _ check.Check = Exposure{}

// minUndeclared is how many distinct undeclared properties are reported
// even when none looks sensitive.
const minUndeclared = 4

// Info describes the check.
func (Exposure) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-PROP-002",
		Title:    "Response exposes properties the schema does not declare",
		Severity: escarp.SeverityMedium,
		OWASP:    "API3:2023",
		CWE:      []string{"CWE-213", "CWE-200"},
		Description: "For each GET operation with a documented JSON response, escarp sends a valid request as a " +
			"non-privileged identity and compares every object of the answer with its schema. Objects are judged only " +
			"where the schema declares properties and allows no others (additionalProperties absent or false in every " +
			"allOf/anyOf/oneOf member). It reports when an undeclared property has a sensitive name (password, hash, " +
			"secret, token, ssn, card, internal, ip, ...) or when at least four distinct properties are undeclared, and " +
			"confirms with a second, freshly prepared request. Tune by documenting the properties in the spec (or " +
			"setting additionalProperties: true where extra properties are intended). 2 requests per operation.",
		Remediation: "Serialize responses from a type made for the client, not from the storage model, so new " +
			"columns never leak by default:\n\n```go\ntype UserView struct {\n    ID    string `json:\"id\"`\n    " +
			"Name  string `json:\"name\"`\n    Email string `json:\"email\"`\n}\njson.NewEncoder(w).Encode(UserView{u.ID, " +
			"u.Name, u.Email}) // not Encode(u)\n```\n\nValidate responses against the spec in tests.",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
			"https://cwe.mitre.org/data/definitions/213.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Identities: 1},
	}
}

// sensitiveName matches property names whose undeclared presence is a
// leak.
var sensitiveName = regexp.MustCompile(`(?i)(pass(word|wd)?|pwd|hash|salt|secret|token|api_?key|private|ssn|social_?sec|` +
	`card|cvv|cvc|iban|pin$|internal|ip_?addr|_ip$|^ip$|birth|dob|security_?(question|answer)|otp|mfa|totp|recovery|` +
	`credential|session|debug|admin_?notes?|notes_?internal)`)

// Run probes one operation.
func (c Exposure) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil || op.Method != http.MethodGet {
		return nil
	}
	schema := checkkit.ResponseSchema(op)
	if schema == nil {
		return nil
	}
	ident, ok := checkkit.User(p.Identities)
	if !ok {
		return nil
	}
	probeOnce := func() (*check.Response, []string, bool, error) {
		req, skip, err := checkkit.Prepare(ctx, p, op, ident)
		if skip {
			return nil, nil, false, err
		}
		resp, err := p.Session.Do(ctx, checkkit.As(req, ident))
		if err != nil || !resp.OK() || resp.Truncated {
			return nil, nil, false, stop(ctx, err)
		}
		doc := checkkit.Decode(resp.Body)
		if doc == nil {
			return nil, nil, false, nil
		}
		found := map[string]bool{}
		undeclared(doc, schema, "", found, 0)
		var names []string
		for n := range found {
			names = append(names, n)
		}
		sort.Strings(names)
		return resp, names, report(names), nil
	}
	resp, names, ok, err := probeOnce()
	if err != nil || !ok {
		return err
	}
	_, again, ok, err := probeOnce()
	if err != nil || !ok {
		return err
	}
	names = intersect(names, again)
	if !report(names) {
		return nil
	}
	var sens []string
	for _, n := range names {
		if sensitiveName.MatchString(last(n)) {
			sens = append(sens, n)
		}
	}
	f := check.NewFinding(c.Info(), resp, fmt.Sprintf(
		"%s returns %d properties its response schema does not declare (%s)%s; a second request returned them too.",
		op.Key(), len(names), strings.Join(names, ", "), sensitiveNote(sens)))
	if len(sens) > 0 {
		f.Severity = escarp.SeverityHigh
		f.Location.Param = "body:" + sens[0]
	} else {
		f.Confidence = escarp.ConfidenceMedium
		f.Location.Param = "body:" + names[0]
	}
	p.Report(f)
	return nil
}

func sensitiveNote(sens []string) string {
	if len(sens) == 0 {
		return ""
	}
	return ", of which " + strings.Join(sens, ", ") + " look sensitive"
}

func report(names []string) bool {
	if len(names) >= minUndeclared {
		return true
	}
	for _, n := range names {
		if sensitiveName.MatchString(last(n)) {
			return true
		}
	}
	return false
}

func last(pointer string) string {
	if i := strings.LastIndex(pointer, "/"); i >= 0 {
		return pointer[i+1:]
	}
	return pointer
}

func intersect(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

// undeclared collects, as JSON pointers with array indexes written "*",
// the members of v that schema s does not declare, where s is closed.
func undeclared(v any, s *escarp.Schema, ptr string, out map[string]bool, depth int) {
	if s == nil || depth > 10 || len(out) > 50 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		props, open := checkkit.Properties(s)
		if len(props) == 0 {
			return // undeclared object shape: not judged
		}
		for k, val := range x {
			ps, ok := props[k]
			if !ok {
				if !open {
					out[ptr+"/"+escarp.EscapePointer(k)] = true
				}
				continue
			}
			undeclared(val, ps, ptr+"/"+escarp.EscapePointer(k), out, depth+1)
		}
	case []any:
		items := s.Items
		if items == nil {
			for _, sub := range s.AllOf {
				if sub.Items != nil {
					items = sub.Items
				}
			}
		}
		for i, e := range x {
			if i == 20 {
				break
			}
			undeclared(e, items, ptr+"/*", out, depth+1)
		}
	}
}
