package bola

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Write is ESC-DAST-BOLA-002: another identity's object updated or deleted.
type Write struct{}

var _ check.Check = Write{}

// Info describes the check.
func (Write) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-BOLA-002",
		Title:    "Another identity's object can be modified or deleted",
		Severity: escarp.SeverityCritical,
		OWASP:    "API1:2023",
		CWE:      []string{"CWE-639"},
		Description: "For PUT, PATCH and DELETE operations on an object path, escarp prepares a request on an object " +
			"the owner identity created, reads the object as the owner, sends the change as a second non-privileged " +
			"identity, then reads the object back as the owner. PUT and PATCH carry a unique marker in a text " +
			"field; the check reports when the attacker got 2xx and the owner's read-back shows the attacker's " +
			"values, confirmed by a second change with a new marker. DELETE is reported when the attacker got 2xx and " +
			"the owner's read-back answers 404 or 410. Operations with no GET on the same path are skipped (nothing " +
			"to confirm with). Only objects the engine created for the scan are changed or deleted. About 5 requests " +
			"per operation.",
		Remediation: remediation,
		References:  references,
		Scope:       check.PerOperation,
		Requires:    check.Requirements{Identities: 2, Mutating: true},
	}
}

// Run probes one operation.
func (c Write) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil || len(checkkit.PathParams(op.Path)) == 0 {
		return nil
	}
	owner, attacker, ok := checkkit.Pair(p.Identities)
	if !ok {
		return nil
	}
	switch op.Method {
	case http.MethodPut, http.MethodPatch:
		return c.update(ctx, p, op, owner, attacker)
	case http.MethodDelete:
		return c.delete(ctx, p, op, owner, attacker)
	}
	return nil
}

func (c Write) update(ctx context.Context, p *check.Pass, op *escarp.Operation, owner, attacker string) error {
	req, skip, err := checkkit.Prepare(ctx, p, op, owner)
	if skip {
		return err
	}
	read, ok := checkkit.Reader(p.API, req, nil, owner)
	if !ok {
		return nil
	}
	before, err := p.Session.Do(ctx, read)
	if err != nil {
		return stop(ctx, err)
	}
	if !before.OK() || checkkit.Object(before.Body) == nil {
		return nil
	}
	attempt := func() (*check.Response, []string, error) {
		body, sent, ok := markedBody(op, req.Body, before.Body)
		if !ok {
			return nil, nil, nil
		}
		a := checkkit.As(req, attacker)
		a.Body = body
		a.Header = checkkit.JSONContent(a.Header)
		got, err := p.Session.Do(ctx, a)
		if err != nil || !got.OK() {
			return got, nil, err
		}
		after, err := p.Session.Do(ctx, read)
		if err != nil || !after.OK() {
			return got, nil, err
		}
		return got, applied(sent, checkkit.Object(before.Body), checkkit.Object(after.Body)), nil
	}
	got, changed, err := attempt()
	if err != nil || len(changed) == 0 {
		return stop(ctx, err)
	}
	got2, changed2, err := attempt()
	if err != nil || len(changed2) == 0 {
		return stop(ctx, err)
	}
	f := check.NewFinding(c.Info(), got, fmt.Sprintf(
		"%s: identity %q changed %v of an object identity %q owns (HTTP %d); the owner's read-back (%s) shows the "+
			"attacker's values, and a second change with a new marker was applied too (HTTP %d).",
		op.Key(), attacker, changed, owner, got.Status, read.Op.Key(), got2.Status))
	p.Report(f)
	return nil
}

func (c Write) delete(ctx context.Context, p *check.Pass, op *escarp.Operation, owner, attacker string) error {
	// A fresh object: the attacker must not delete one other probes use.
	req, _, skip, err := checkkit.Fresh(ctx, p, op, owner)
	if skip || err != nil {
		return err
	}
	read, ok := checkkit.Reader(p.API, req, nil, owner)
	if !ok {
		return nil
	}
	before, err := p.Session.Do(ctx, read)
	if err != nil || !before.OK() {
		return stop(ctx, err)
	}
	got, err := p.Session.Do(ctx, checkkit.As(req, attacker))
	if err != nil || !got.OK() || checkkit.ErrorBody(got.Body) {
		return stop(ctx, err)
	}
	after, err := p.Session.Do(ctx, read)
	if err != nil {
		return stop(ctx, err)
	}
	if after.Status != http.StatusNotFound && after.Status != http.StatusGone {
		return nil
	}
	f := check.NewFinding(c.Info(), got, fmt.Sprintf(
		"%s: identity %q deleted an object identity %q created (HTTP %d); the owner read it before (HTTP %d) "+
			"and gets HTTP %d after.", op.Key(), attacker, owner, got.Status, before.Status, after.Status))
	p.Report(f)
	return nil
}

// markedBody returns the body the attacker sends: the prepared body (or the
// object as read, for a PUT without one) with a fresh marker in one text
// field, and the fields it sets.
func markedBody(op *escarp.Operation, prepared, current []byte) ([]byte, map[string]any, bool) {
	obj := checkkit.Object(prepared)
	if obj == nil {
		obj = checkkit.Object(current)
	}
	if obj == nil {
		return nil, nil, false
	}
	field := textField(op, obj)
	if field == "" {
		return nil, nil, false
	}
	marker := checkkit.Marker("escarp")
	if s := fieldSchema(op, field); s != nil && s.MaxLength != nil && int(*s.MaxLength) < len(marker) {
		marker = marker[:*s.MaxLength]
	}
	sent := map[string]any{field: marker}
	body, ok := checkkit.WithFields(prepared, sent)
	if !ok {
		body, ok = checkkit.WithFields(current, sent)
	}
	return body, sent, ok
}

// textFields are preferred, in order, to carry the marker.
var textFields = []string{"name", "title", "description", "note", "notes", "comment", "bio", "nickname",
	"display_name", "displayName", "address", "label", "text", "content", "message", "subject"}

// textField picks a free-text field of the request: a preferred name, else
// any string field the schema does not constrain (no enum, pattern or
// format) and that is not a reference.
func textField(op *escarp.Operation, obj map[string]any) string {
	props, _ := checkkit.Properties(checkkit.RequestSchema(op))
	free := func(name string) bool {
		s := props[name]
		if s == nil {
			_, isString := obj[name].(string)
			return isString && len(props) == 0
		}
		return s.HasType("string") && len(s.Enum) == 0 && s.Pattern == "" && s.Format == "" && !s.ReadOnly
	}
	for _, n := range textFields {
		if free(n) && !refName(n) {
			if _, ok := props[n]; ok || obj[n] != nil {
				return n
			}
		}
	}
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if free(name) && !refName(name) {
			return name
		}
	}
	return ""
}

func fieldSchema(op *escarp.Operation, name string) *escarp.Schema {
	props, _ := checkkit.Properties(checkkit.RequestSchema(op))
	return props[name]
}

// applied returns the fields whose value after equals what was sent while
// before it differed.
func applied(sent map[string]any, before, after map[string]any) []string {
	var out []string
	for k, v := range sent {
		want := checkkit.Text(v)
		b, _ := checkkit.Lookup(before, k)
		a, ok := checkkit.Lookup(after, k)
		if ok && checkkit.Text(a) == want && checkkit.Text(b) != want {
			out = append(out, k)
		}
	}
	return out
}
