package flow

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

// Rule is ESC-DAST-FLOW-003.
type Rule struct{}

var _ check.Check = Rule{}

// Info describes the check.
func (Rule) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-FLOW-003",
		Title:    "Documented business rule not enforced",
		Severity: escarp.SeverityMedium,
		OWASP:    "API6:2023",
		CWE:      []string{"CWE-840", "CWE-20"},
		Description: "For POST, PUT and PATCH operations with a JSON body whose object can be read back, escarp takes " +
			"the rules the schema states about business values, properties the operation's description names first: " +
			"a numeric minimum (quantities, amounts, prices, seats: " +
			"sending -1, or minimum-1 when the minimum is negative) and a string enum (sending a value outside it). One " +
			"request per rule, on top of a valid prepared body. It reports the rules whose violating value was accepted " +
			"with 2xx and persisted, as reading the object back shows (a rejected value, a 2xx that stored something " +
			"else, or no way to read back are not reported). At most two numeric rules (not " +
			"ids) and one enum rule per operation; about 6 requests per operation.",
		Remediation: "Validate every request against the documented rules on the server, before any business logic " +
			"(a spec-driven validator such as libopenapi-validator in a middleware, or explicit checks):\n\n" +
			"```go\nif in.Quantity < 1 || in.Quantity > 10 {\n    http.Error(w, \"quantity must be between 1 and 10\", " +
			"http.StatusUnprocessableEntity)\n    return\n}\n```\n\nEnforce the same rules in the database (CHECK constraints) " +
			"so that no code path can store a negative quantity.",
		References: append([]string{"https://cwe.mitre.org/data/definitions/20.html"}, references...),
		Scope:      check.PerOperation,
		Requires:   check.Requirements{Identities: 1, Mutating: true},
	}
}

// business names the numeric properties where a minimum is a business
// rule, tried first.
var business = regexp.MustCompile(`(?i)(quantity|qty|amount|price|count|total|seats?|tickets?|days|nights|units|items|points|credits?|age|duration|guests|people|persons|discount|fee)`)

// violation is one rule and the value that breaks it.
type violation struct {
	field string
	value any
	rule  string
}

// maxNumeric bounds the numeric rules tried per operation.
const maxNumeric = 2

// violations returns at most two numeric rules and one enum rule of a
// request schema: properties the operation's description names first
// ("Nights must be from 1 to 60"), then business names, then by name.
func violations(op *escarp.Operation, s *escarp.Schema) []violation {
	props, _ := checkkit.Properties(s)
	text := strings.ToLower(op.Summary + " " + op.Description)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	score := func(n string) int {
		switch {
		case strings.Contains(text, strings.ToLower(n)):
			return 0
		case business.MatchString(n):
			return 1
		}
		return 2
	}
	sort.Slice(names, func(i, j int) bool {
		si, sj := score(names[i]), score(names[j])
		if si != sj {
			return si < sj
		}
		return names[i] < names[j]
	})
	var out []violation
	nums, enums := 0, 0
	for _, n := range names {
		ps := props[n]
		if ps == nil || ps.ReadOnly {
			continue
		}
		switch {
		case nums < maxNumeric && (ps.HasType("integer") || ps.HasType("number")):
			var min *float64
			rule := ""
			switch {
			case ps.Minimum != nil:
				min, rule = ps.Minimum, fmt.Sprintf("minimum %g", *ps.Minimum)
			case ps.ExclusiveMinimum != nil:
				min, rule = ps.ExclusiveMinimum, fmt.Sprintf("exclusive minimum %g", *ps.ExclusiveMinimum)
			default:
				continue
			}
			if refLike.MatchString(n) {
				continue // an id's minimum is not a business rule
			}
			bad := int64(-1)
			if *min < 0 {
				bad = int64(*min) - 1
			}
			out = append(out, violation{n, bad, rule})
			nums++
		case enums < 1 && ps.HasType("string") && len(ps.Enum) > 0:
			out = append(out, violation{n, "escarp-invalid", fmt.Sprintf("enum %v", ps.Enum)})
			enums++
		}
	}
	return out
}

// refLike matches id properties.
var refLike = regexp.MustCompile(`(?i)(^id$|_id$|[a-z]Id$|uuid)`)

// Run probes one operation.
func (c Rule) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil {
		return nil
	}
	switch op.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil
	}
	schema := checkkit.RequestSchema(op)
	vs := violations(op, schema)
	if len(vs) == 0 {
		return nil
	}
	if op.Method == http.MethodPost && !checkkit.HasItem(p.API, op.Path) {
		if _, ok := checkkit.Reader(p.API, &check.Request{Op: op}, nil, ""); !ok {
			return nil
		}
	}
	ident, ok := checkkit.User(p.Identities)
	if !ok {
		return nil
	}
	var broken []string
	var first *check.Response
	var field string
	for _, v := range vs {
		req, skip, err := checkkit.Prepare(ctx, p, op, ident)
		if skip {
			return err
		}
		body, ok := checkkit.WithFields(req.Body, map[string]any{v.field: v.value})
		if !ok {
			return nil
		}
		send := checkkit.As(req, ident)
		send.Body = body
		send.Header = checkkit.JSONContent(send.Header)
		resp, err := p.Session.Do(ctx, send)
		if err != nil {
			return stop(ctx, err)
		}
		if !resp.OK() || checkkit.ErrorBody(resp.Body) {
			continue
		}
		read, ok := checkkit.Reader(p.API, send, resp, ident)
		if !ok {
			continue
		}
		after, err := p.Session.Do(ctx, read)
		if err != nil {
			return stop(ctx, err)
		}
		if !after.OK() {
			continue
		}
		got, ok := checkkit.Lookup(checkkit.Object(after.Body), v.field)
		if !ok || checkkit.Text(got) != checkkit.Text(v.value) {
			continue
		}
		broken = append(broken, fmt.Sprintf("%s=%s (schema: %s)", v.field, checkkit.Text(v.value), v.rule))
		if first == nil {
			first, field = resp, v.field
		}
	}
	if first == nil {
		return nil
	}
	f := check.NewFinding(c.Info(), first, fmt.Sprintf(
		"%s accepted and stored %s: the values were answered with 2xx and reading the object back shows them.",
		op.Key(), strings.Join(broken, "; ")))
	f.Location.Param = "body:/" + escarp.EscapePointer(field)
	p.Report(f)
	return nil
}
