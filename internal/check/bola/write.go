package bola

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
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
		Description: "For PUT, PATCH and DELETE operations on an object path (and POST under an object, such as an upload, " +
			"when a GET on the same path shows the result), escarp prepares a request on an object " +
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
	if op == nil || len(escarp.ParsePathTemplate(op.Path).Params()) == 0 {
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
	case http.MethodPost:
		return c.post(ctx, p, op, owner, attacker)
	}
	return nil
}

// post probes a POST under another identity's object ("POST
// /people/{handle}/avatar", "POST /users/{id}/notes") whose result a GET on
// the same path shows: the attacker sends the owner's request with a
// marker (in a text field, or in the uploaded file), and the owner's
// read-back must show the marker, twice.
func (c Write) post(ctx context.Context, p *check.Pass, op *escarp.Operation, owner, attacker string) error {
	if escarp.ParsePathTemplate(op.Path).Last().Param != "" {
		return nil
	}
	getOp := checkkit.Op(p.API, http.MethodGet, op.Path)
	if getOp == nil {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, op, owner)
	if skip {
		return err
	}
	read := &check.Request{Method: http.MethodGet, Path: req.Path, Query: url.Values{}, Header: http.Header{},
		Identity: owner, Op: getOp, Values: req.Values}
	attempt := func() (*check.Response, string, error) {
		marker := checkkit.Marker("escarp")
		body, ok := markPost(op, req, marker)
		if !ok {
			return nil, "", nil
		}
		a := checkkit.As(req, attacker)
		a.Body = body
		got, err := p.Session.Do(ctx, a)
		if err != nil || !got.OK() {
			return got, "", err
		}
		after, err := p.Session.Do(ctx, read)
		if err != nil || !after.OK() || !bytes.Contains(after.Body, []byte(marker)) {
			return got, "", err
		}
		return got, marker, nil
	}
	got, m1, err := attempt()
	if err != nil || m1 == "" {
		return stop(ctx, err)
	}
	_, m2, err := attempt()
	if err != nil || m2 == "" {
		return stop(ctx, err)
	}
	p.Report(check.NewFinding(c.Info(), got, fmt.Sprintf(
		"%s: identity %q wrote under an object identity %q owns (HTTP %d); the owner's read-back (%s) shows "+
			"the attacker's marker, and a second write with a new marker showed too.",
		op.Key(), attacker, owner, got.Status, getOp.Key())))
	return nil
}

// markPost returns the request body with marker: in the content of the
// first uploaded file of a multipart body, else in a text field of a
// JSON body.
func markPost(op *escarp.Operation, req *check.Request, marker string) ([]byte, bool) {
	body := req.Body
	if i := bytes.Index(body, []byte(`filename="`)); i >= 0 {
		j := bytes.Index(body[i:], []byte("\r\n\r\n"))
		if j < 0 {
			return nil, false
		}
		start := i + j + 4
		k := bytes.Index(body[start:], []byte("\r\n--"))
		if k < 0 {
			return nil, false
		}
		end := start + k
		out := append(append(append([]byte{}, body[:end]...), []byte(marker)...), body[end:]...)
		return out, true
	}
	_, sent, ok := markedBody(op, body, nil)
	if !ok {
		return nil, false
	}
	for k := range sent {
		if out, ok := checkkit.WithFields(body, map[string]any{k: marker}); ok {
			return out, true
		}
	}
	return nil, false
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
