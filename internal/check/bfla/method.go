package bfla

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"sort"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// MethodSwitch is ESC-DAST-BFLA-002.
type MethodSwitch struct{}

var _ check.Check = MethodSwitch{}

// Info describes the check.
func (MethodSwitch) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-BFLA-002",
		Title:    "Read-only object accepts an undocumented write method",
		Severity: escarp.SeverityHigh,
		OWASP:    "API5:2023",
		CWE:      []string{"CWE-285", "CWE-650"},
		Description: "For each object path the spec documents with GET only (`/products/{id}`), escarp reads the object " +
			"as a non-privileged identity, then sends it back with PATCH, then PUT, with a unique marker in one text " +
			"field. It reports when the method answers 2xx and reading the object again shows the marker, and confirms " +
			"by putting the original object back the same way (which restores it). When neither works and the spec has " +
			"a POST on the collection, escarp creates an object of its own, sends DELETE on it as the non-privileged " +
			"identity, and reports when the object is gone; it never deletes objects it did not create. Up to 8 " +
			"requests per read-only object path.",
		Remediation: remediation,
		References:  append([]string{"https://cwe.mitre.org/data/definitions/650.html"}, references...),
		Scope:       check.PerOperation,
		Requires:    check.Requirements{Identities: 1, Mutating: true},
	}
}

// Run probes one operation.
func (c MethodSwitch) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil || op.Method != http.MethodGet || len(escarp.ParsePathTemplate(op.Path).Params()) == 0 || !(escarp.ParsePathTemplate(op.Path).Last().Param != "") {
		return nil
	}
	for _, m := range checkkit.Methods(p.API, op.Path) {
		if m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions {
			return nil
		}
	}
	user, ok := checkkit.User(p.Identities)
	if !ok {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, op, user)
	if skip {
		return err
	}
	read := checkkit.As(req, user)
	base, err := p.Session.Do(ctx, read)
	if err != nil || !base.OK() {
		return stop(ctx, err)
	}
	obj := checkkit.Object(base.Body)
	if obj == nil {
		return nil
	}
	if field := textField(obj); field != "" {
		for _, method := range []string{http.MethodPatch, http.MethodPut} {
			done, err := c.write(ctx, p, read, base, obj, field, method)
			if done || err != nil {
				return err
			}
		}
	}
	return c.delete(ctx, p, op, user)
}

// write sends the object back with method and a marker in field, and
// reports when the change sticks. It reports whether it found the flaw.
func (c MethodSwitch) write(ctx context.Context, p *check.Pass, read *check.Request, base *check.Response,
	obj map[string]any, field, method string) (bool, error) {
	marker := checkkit.Marker("escarp")
	body, ok := checkkit.WithFields(base.Body, map[string]any{field: marker})
	if !ok {
		return false, nil
	}
	w := read.Clone()
	w.Method = method
	w.Body = body
	w.Header.Set("Content-Type", "application/json")
	got, err := p.Session.Do(ctx, w)
	if err != nil || !got.OK() || checkkit.ErrorBody(got.Body) {
		return false, stop(ctx, err)
	}
	after, err := p.Session.Do(ctx, read)
	if err != nil || !after.OK() {
		return false, stop(ctx, err)
	}
	if v, ok := checkkit.Lookup(checkkit.Object(after.Body), field); !ok || checkkit.Text(v) != marker {
		return false, nil
	}
	// Confirm by restoring the original object the same way.
	restore := w.Clone()
	restore.Body = base.Body
	if _, err := p.Session.Do(ctx, restore); err != nil && checkkit.Fatal(ctx, err) {
		return true, err
	}
	confirm := "the original object could not be put back; check it"
	confidence := escarp.ConfidenceMedium
	if again, err := p.Session.Do(ctx, read); err == nil && again.OK() {
		if v, ok := checkkit.Lookup(checkkit.Object(again.Body), field); ok && checkkit.Text(v) == checkkit.Text(obj[field]) {
			confirm = "putting the original object back the same way worked too (and restored it)"
			confidence = escarp.ConfidenceHigh
		}
	}
	f := check.NewFinding(c.Info(), got, fmt.Sprintf(
		"%s is documented as read-only, yet %s %s from the non-privileged identity %q answered HTTP %d and changed %q "+
			"(the read-back shows escarp's marker); %s.", read.Op.Key(), method, read.Path, read.Identity, got.Status,
		field, confirm))
	f.Confidence = confidence
	f.Location.Param = "method:" + method
	p.Report(f)
	return true, nil
}

// delete creates an object through the collection's POST, deletes it with
// the undocumented DELETE, and reports when it is gone.
func (c MethodSwitch) delete(ctx context.Context, p *check.Pass, op *escarp.Operation, user string) error {
	create := checkkit.Op(p.API, http.MethodPost, path.Dir(op.Path))
	if create == nil {
		return nil
	}
	req, skip, err := checkkit.Prepare(ctx, p, create, user)
	if skip {
		return err
	}
	made, err := p.Session.Do(ctx, checkkit.As(req, user))
	if err != nil || !made.OK() {
		return stop(ctx, err)
	}
	read, ok := checkkit.Reader(p.API, checkkit.As(req, user), made, user)
	if !ok || read.Op != op {
		return nil
	}
	if before, err := p.Session.Do(ctx, read); err != nil || !before.OK() {
		return stop(ctx, err)
	}
	del := read.Clone()
	del.Method = http.MethodDelete
	got, err := p.Session.Do(ctx, del)
	if err != nil || !got.OK() || checkkit.ErrorBody(got.Body) {
		return stop(ctx, err)
	}
	after, err := p.Session.Do(ctx, read)
	if err != nil || (after.Status != http.StatusNotFound && after.Status != http.StatusGone) {
		return stop(ctx, err)
	}
	f := check.NewFinding(c.Info(), got, fmt.Sprintf(
		"%s is documented as read-only, yet DELETE %s from the non-privileged identity %q answered HTTP %d and the "+
			"object escarp had created is gone (HTTP %d on reading it back).", op.Key(), read.Path, user, got.Status, after.Status))
	f.Location.Param = "method:DELETE"
	p.Report(f)
	return nil
}

var (
	preferred = []string{"name", "title", "description", "label", "note", "notes", "comment", "summary", "bio", "text"}
	notText   = regexp.MustCompile(`(?i)(^id$|_id$|Id$|uuid|url|uri|href|link|email|mail|time|date|_at$|At$|status|state|type|token|hash|password|secret|version|etag|code)`)
)

// textField picks a free-text member of an object to carry a marker.
func textField(obj map[string]any) string {
	for _, k := range preferred {
		if _, ok := obj[k].(string); ok {
			return k
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s, ok := obj[k].(string); ok && s != "" && !notText.MatchString(k) {
			return k
		}
	}
	return ""
}
