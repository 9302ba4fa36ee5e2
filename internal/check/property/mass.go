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

// MassAssignment is ESC-DAST-PROP-001.
type MassAssignment struct{}

var _ check.Check = MassAssignment{}

// maxInjected bounds the properties injected in one request.
const maxInjected = 6

// Info describes the check.
func (MassAssignment) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-PROP-001",
		Title:    "Mass assignment of a protected property",
		Severity: escarp.SeverityHigh,
		OWASP:    "API3:2023",
		CWE:      []string{"CWE-915"},
		Description: "For POST, PUT and PATCH operations with a JSON body whose object can be read back (GET on the same " +
			"path, the parent of an action, or the created item), escarp reads the object as a non-privileged identity, " +
			"then sends the prepared body plus up to six properties the request schema does not document as writable: " +
			"readOnly properties of the object's schema and privileged names (role, is_admin, balance, verified, " +
			"permissions, ...), each with a value that differs from the current one (role \"admin\", flipped booleans, " +
			"large balances); workflow states (status, state) and actions on objects (POST /orders/{id}/pay) are left " +
			"out. It reports the properties the read-back shows changed (for a creation: differ from a control object " +
			"created without them), and confirms by setting them back (PUT/PATCH; the object is restored) or by a " +
			"second creation (POST). Needs a GET to read objects back. " +
			"About 5 requests per operation.",
		Remediation: "Bind request bodies to a type that holds only the client-writable fields (an allowlist), never " +
			"to the storage model, and set protected fields on the server:\n\n" +
			"```go\nvar in struct {\n    Name string `json:\"name\"`\n    Bio  string `json:\"bio\"`\n}\n" +
			"dec := json.NewDecoder(r.Body)\ndec.DisallowUnknownFields() // reject {\"role\": \"admin\"} outright\n" +
			"if err := dec.Decode(&in); err != nil { ... }\nuser.Name, user.Bio = in.Name, in.Bio\n```\n\n" +
			"Mark server-owned properties `readOnly: true` in the spec and validate requests against it.",
		References: []string{
			"https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
			"https://cwe.mitre.org/data/definitions/915.html",
			"https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html",
		},
		Scope:    check.PerOperation,
		Requires: check.Requirements{Identities: 1, Mutating: true},
	}
}

// privileged matches property names that only the server or an
// administrator should set.
var privileged = regexp.MustCompile(`(?i)^(role|roles|is_?admin|admin|is_?staff|is_?superuser|superuser|balance|credits?|` +
	`wallet|verified|is_?verified|email_?verified|permissions?|scopes?|groups?|plan|tier|account_?type|user_?type|approved|` +
	`is_?approved|owner_?id|discount|price)$`)

// stateKey matches workflow states: the server moves them through its own
// operations (pay, confirm), so a value there proves nothing.
var stateKey = regexp.MustCompile(`(?i)^(status|state|stage|phase|step)$`)

// Run probes one operation.
func (c MassAssignment) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil || checkkit.RequestSchema(op) == nil {
		return nil
	}
	switch op.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		return nil
	}
	if t := escarp.ParsePathTemplate(op.Path); op.Method == http.MethodPost && len(t.Params()) > 0 && t.Last().Param == "" {
		return nil // an action on an object (POST /orders/{id}/pay) changes it by design
	}
	ident, ok := checkkit.User(p.Identities)
	if !ok {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, op, ident)
	if skip {
		return err
	}
	if checkkit.Object(req.Body) == nil && len(strings.TrimSpace(string(req.Body))) > 0 {
		return nil
	}
	read, ok := checkkit.Reader(p.API, req, nil, ident)
	creates := !ok
	var before map[string]any
	if ok {
		resp, err := p.Session.Do(ctx, read)
		if err != nil || !resp.OK() {
			return stop(ctx, err)
		}
		if before = checkkit.Object(resp.Body); before == nil {
			return nil
		}
	} else if op.Method != http.MethodPost || !checkkit.HasItem(p.API, op.Path) {
		return nil
	}
	schema := objectSchema(p.API, op, read)
	inject := injection(op, schema, before)
	if len(inject) == 0 {
		return nil
	}
	// send injects fields and reads the object back.
	send := func(fields map[string]any) (*check.Response, map[string]any, error) {
		body, ok := checkkit.WithFields(req.Body, fields)
		if !ok {
			return nil, nil, nil
		}
		r := checkkit.As(req, ident)
		r.Body = body
		r.Header = checkkit.JSONContent(r.Header)
		resp, err := p.Session.Do(ctx, r)
		if err != nil || !resp.OK() || checkkit.ErrorBody(resp.Body) {
			return resp, nil, err
		}
		rd := read
		if creates {
			if rd, ok = checkkit.Reader(p.API, r, resp, ident); !ok {
				return resp, nil, nil
			}
		}
		after, err := p.Session.Do(ctx, rd)
		if err != nil || !after.OK() {
			return resp, nil, err
		}
		return resp, checkkit.Object(after.Body), nil
	}
	if creates {
		// A control object created without the extra properties: what the
		// server sets by default is not an assignment.
		_, control, err := send(nil)
		if err != nil || control == nil {
			return stop(ctx, err)
		}
		before = control
		for k, v := range inject {
			if checkkit.Text(control[k]) == checkkit.Text(v) {
				delete(inject, k)
			}
		}
		if len(inject) == 0 {
			return nil
		}
	}
	resp, after, err := send(inject)
	if err != nil || after == nil {
		return stop(ctx, err)
	}
	changed := assigned(inject, before, after)
	if len(changed) == 0 {
		return nil
	}
	confidence := escarp.ConfidenceHigh
	how := ""
	if creates {
		// Confirm with a second, independent creation.
		_, after2, err := send(inject)
		if err != nil {
			return stop(ctx, err)
		}
		if len(assigned(inject, before, after2)) == 0 {
			confidence = escarp.ConfidenceMedium
			how = " A second creation did not reproduce it."
		} else {
			how = " A second creation with the same properties confirmed it."
		}
	} else {
		// Confirm by setting the properties back, which also restores the
		// object.
		restore := map[string]any{}
		for _, k := range changed {
			if v, ok := before[k]; ok {
				restore[k] = v
			}
		}
		_, after2, err := send(restore)
		if err != nil {
			return stop(ctx, err)
		}
		if len(restore) > 0 && len(assigned(restore, after, after2)) == len(restore) {
			how = " Setting them back the same way worked too, and restored the object."
		} else {
			confidence = escarp.ConfidenceMedium
			how = " Setting them back did not work; check the object."
		}
	}
	var parts []string
	for _, k := range changed {
		parts = append(parts, fmt.Sprintf("%s=%s", k, checkkit.Text(inject[k])))
	}
	f := check.NewFinding(c.Info(), resp, fmt.Sprintf(
		"%s let the identity %q set %s, which the request schema does not document as writable; the read-back shows "+
			"the new values.%s", op.Key(), ident, strings.Join(parts, ", "), how))
	f.Confidence = confidence
	f.Location.Param = "body:/" + escarp.EscapePointer(changed[0])
	p.Report(f)
	return nil
}

// objectSchema returns the schema of the object an operation writes: the
// read-back operation's response, else the operation's own response.
func objectSchema(api *escarp.API, op *escarp.Operation, read *check.Request) *escarp.Schema {
	if read != nil && read.Op != nil {
		if s := checkkit.ResponseSchema(read.Op); s != nil {
			return checkkit.Item(s)
		}
	}
	if s := checkkit.ResponseSchema(op); s != nil {
		return checkkit.Item(s)
	}
	// A POST to a collection: the item GET's schema.
	for _, o := range api.Operations {
		if o.Method == http.MethodGet && strings.HasPrefix(o.Path, strings.TrimSuffix(op.Path, "/")+"/{") &&
			len(escarp.ParsePathTemplate(o.Path).Params()) == len(escarp.ParsePathTemplate(op.Path).Params())+1 {
			return checkkit.Item(checkkit.ResponseSchema(o))
		}
	}
	return nil
}

// injection chooses the properties to inject and their values.
func injection(op *escarp.Operation, object *escarp.Schema, current map[string]any) map[string]any {
	writable, _ := checkkit.Properties(checkkit.RequestSchema(op))
	props, _ := checkkit.Properties(object)
	type cand struct {
		name string
		s    *escarp.Schema
	}
	var cands []cand
	seen := map[string]bool{}
	add := func(name string, s *escarp.Schema) {
		if seen[name] || strings.EqualFold(name, "id") || stateKey.MatchString(name) {
			return
		}
		if w, ok := writable[name]; ok && !w.ReadOnly {
			return // documented as writable
		}
		seen[name] = true
		cands = append(cands, cand{name, s})
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	// Privileged names first, then other readOnly properties.
	for _, n := range names {
		if privileged.MatchString(n) && (props[n].ReadOnly || writable[n] == nil) {
			add(n, props[n])
		}
	}
	for _, n := range names {
		if props[n].ReadOnly && !strings.HasSuffix(strings.ToLower(n), "_at") && !strings.HasSuffix(n, "At") {
			add(n, props[n])
		}
	}
	for _, n := range []string{"role", "is_admin", "isAdmin", "verified", "balance"} {
		if len(cands) < 3 && props[n] == nil {
			add(n, nil)
		}
	}
	out := map[string]any{}
	for _, c := range cands {
		if len(out) == maxInjected {
			break
		}
		if v, ok := forge(c.name, c.s, current[c.name]); ok {
			out[c.name] = v
		}
	}
	return out
}

// forge returns a value for property name that differs from cur and that
// a privilege escalation would use.
func forge(name string, s *escarp.Schema, cur any) (any, bool) {
	lower := strings.ToLower(name)
	switch {
	case s.HasType("boolean") || isBool(cur) || (s == nil && (strings.HasPrefix(lower, "is") || strings.Contains(lower, "verified"))):
		b, _ := cur.(bool)
		return !b, true
	case s.HasType("integer") || s.HasType("number") || isNumber(cur) || (s == nil && lower == "balance"):
		n := 0.0
		if x, ok := cur.(interface{ Float64() (float64, error) }); ok {
			n, _ = x.Float64()
		}
		return int64(n) + 1000000, true
	case s.HasType("array"):
		return []any{"admin"}, true
	case s == nil || s.HasType("string") || len(s.Type) == 0:
		want := "admin"
		if s != nil && len(s.Enum) > 0 {
			want = ""
			for _, e := range s.Enum {
				es, _ := e.(string)
				if es != "" && es != checkkit.Text(cur) && (want == "" || strings.Contains(strings.ToLower(es), "admin")) {
					want = es
				}
			}
			if want == "" {
				return nil, false
			}
		} else if !privileged.MatchString(name) {
			want = checkkit.Marker("escarp")
		}
		if want == checkkit.Text(cur) {
			return nil, false
		}
		return want, true
	}
	return nil, false
}

func isBool(v any) bool { _, ok := v.(bool); return ok }

func isNumber(v any) bool {
	_, ok := v.(interface{ Float64() (float64, error) })
	return ok
}

// assigned returns, sorted, the injected properties whose value after is
// the injected one and differed before (before may be nil for a creation).
func assigned(inject, before, after map[string]any) []string {
	var out []string
	for k, v := range inject {
		a, ok := checkkit.Lookup(after, k)
		if !ok || checkkit.Text(a) != checkkit.Text(v) {
			continue
		}
		if b, had := checkkit.Lookup(before, k); had && checkkit.Text(b) == checkkit.Text(v) {
			continue
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func stop(ctx context.Context, err error) error {
	if checkkit.Fatal(ctx, err) {
		return err
	}
	return nil
}
