package bola

import (
	"context"
	"net/http"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// Reference is ESC-DAST-BOLA-003: object ids in the query, a header or the
// body, and children reached through another identity's parent.
type Reference struct{}

var _ check.Check = Reference{}

// Info describes the check.
func (Reference) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-BOLA-003",
		Title:    "Another identity's object can be reached through an id outside the path or a nested path",
		Severity: escarp.SeverityHigh,
		OWASP:    "API1:2023",
		CWE:      []string{"CWE-639"},
		Description: "Covers the object references ESC-DAST-BOLA-001 does not: ids in query parameters " +
			"(`?user_id=`), in headers (`X-Account-Id`), in the body of read-only POST operations " +
			"(search, lookup, export), and nested paths (`/users/{uid}/orders/{oid}`). escarp prepares the request " +
			"with the owner identity's ids, sends it as the owner (baseline), then as a second non-privileged identity. " +
			"For nested paths it also sends the attacker's own parent with the owner's child " +
			"(`/users/{attacker}/orders/{owner's order}`), which catches servers that check the parent but not that " +
			"the child belongs to it. Same oracle as BOLA-001: 2xx with at least 80% of the owner's data including a " +
			"distinctive value, not shared, not public, confirmed by a second freshly prepared request.",
		Remediation: remediation,
		References:  references,
		Scope:       check.PerOperation,
		Requires:    check.Requirements{Identities: 2},
	}
}

// refParam matches parameter and property names that reference an object.
var refParam = regexp.MustCompile(`(?i)(^id$|[_-]id$|[a-z]Id$|^uuid$|[_-]uuid$|^(user|owner|account|customer|tenant|org|organization|member|profile)$)`)

// notRef excludes names that look like references but select pages or
// requests.
var notRef = regexp.MustCompile(`(?i)(request|trace|correlation|idempotency|session|client|page|cursor|offset|limit|sort|order_by)`)

func refName(name string) bool {
	return refParam.MatchString(name) && !notRef.MatchString(name)
}

// readVerb matches POST operations that only read (search, lookup, ...).
var readVerb = regexp.MustCompile(`(?i)(search|query|lookup|find|export|report|view|fetch|retrieve|list|get)`)

// Run probes one operation.
func (c Reference) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil {
		return nil
	}
	owner, attacker, ok := checkkit.Pair(p.Identities)
	if !ok {
		return nil
	}
	nested := op.Method == http.MethodGet && len(escarp.ParsePathTemplate(op.Path).Params()) >= 2
	if !nested && !refsOutsidePath(op) {
		return nil
	}
	if public(op) {
		return nil
	}
	fix, err := userRefs(ctx, p, op, owner, attacker)
	if err != nil {
		return err
	}
	done, err := leak(ctx, p, c.Info(), op, owner, attacker, nil, fix, false)
	if done || err != nil {
		return err
	}
	if !nested {
		// The engine may fill a query id with the spec's example, the same
		// for both identities: try again with an object the owner creates.
		own, err := objectRefs(ctx, p, op, owner)
		if err != nil || own == nil {
			return err
		}
		_, err = leak(ctx, p, c.Info(), op, owner, attacker, nil, chain(fix, own), true)
		return err
	}
	_, err = leak(ctx, p, c.Info(), op, owner, attacker, ownParent, fix, false)
	return err
}

// chain applies two fixers in turn; either may be nil.
func chain(a, b fixer) fixer {
	return func(r *check.Request, id string) *check.Request {
		if a != nil {
			r = a(r, id)
		}
		if b != nil {
			r = b(r, id)
		}
		return r
	}
}

// objectRefs creates, as owner, one object for each object-reference
// query or header parameter of op (booking_id: POST /bookings) and returns
// a fixer that puts their ids into the owner's requests; nil when there is
// nothing to create.
func objectRefs(ctx context.Context, p *check.Pass, op *escarp.Operation, owner string) (fixer, error) {
	ids := map[*escarp.Parameter]string{}
	for _, prm := range op.Parameters {
		if (prm.In != "query" && prm.In != "header") || !refName(prm.Name) || userParam.MatchString(prm.Name) {
			continue
		}
		create := collectionPost(p.API, refNoun(prm.Name))
		if create == nil {
			continue
		}
		req, skip, err := checkkit.Prepare(ctx, p, create, owner)
		if skip {
			if err != nil {
				return nil, err
			}
			continue
		}
		made, err := p.Session.Do(ctx, checkkit.As(req, owner))
		if err != nil {
			return nil, stop(ctx, err)
		}
		if id := checkkit.CreatedID(made); made.OK() && id != "" {
			ids[prm] = id
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return func(req *check.Request, identity string) *check.Request {
		if identity != owner {
			return req
		}
		req = req.Clone()
		for prm, id := range ids {
			if prm.In == "query" {
				req.Query.Set(prm.Name, id)
			} else {
				req.Header.Set(prm.Name, id)
			}
		}
		return req
	}, nil
}

// refNoun returns the object a reference names: "booking_id" → "booking".
func refNoun(name string) string {
	n := strings.ToLower(name)
	for _, suf := range []string{"_uuid", "-uuid", "uuid", "_id", "-id", "id"} {
		if strings.HasSuffix(n, suf) && len(n) > len(suf) {
			return strings.TrimRight(strings.TrimSuffix(n, suf), "_-")
		}
	}
	return n
}

// collectionPost returns the POST that creates noun objects: on a path
// whose last segment is the noun or its plural, with no parameters.
func collectionPost(api *escarp.API, noun string) *escarp.Operation {
	if noun == "" {
		return nil
	}
	for _, o := range api.Operations {
		if o.Method != http.MethodPost || len(escarp.ParsePathTemplate(o.Path).Params()) > 0 {
			continue
		}
		switch strings.ToLower(escarp.ParsePathTemplate(o.Path).Last().Text) {
		case noun, noun + "s", noun + "es", strings.TrimSuffix(noun, "y") + "ies":
			return o
		}
	}
	return nil
}

// userParam matches query and header parameters that name a user (the
// object's owner) rather than the object itself.
var userParam = regexp.MustCompile(`(?i)^(x-)?(owner|user|customer|account|member|profile)[_-]?(id|uuid)?$`)

// userRefs returns a fixer that puts each identity's own user id (from its
// profile operation) into user-reference query and header parameters, so
// that the owner's request names the owner; nil when the operation has
// none.
func userRefs(ctx context.Context, p *check.Pass, op *escarp.Operation, owner, attacker string) (fixer, error) {
	var params []*escarp.Parameter
	for _, prm := range op.Parameters {
		if (prm.In == "query" || prm.In == "header") && userParam.MatchString(prm.Name) {
			params = append(params, prm)
		}
	}
	if len(params) == 0 {
		return nil, nil
	}
	self := map[string]string{}
	for _, id := range []string{owner, attacker} {
		v, err := checkkit.SelfID(ctx, p, id)
		if err != nil {
			return nil, err
		}
		self[id] = v
	}
	return func(req *check.Request, identity string) *check.Request {
		v := self[identity]
		if v == "" {
			return req
		}
		req = req.Clone()
		for _, prm := range params {
			if prm.In == "query" {
				req.Query.Set(prm.Name, v)
			} else {
				req.Header.Set(prm.Name, v)
			}
		}
		return req
	}, nil
}

// refsOutsidePath reports whether a read operation takes an object
// reference in its query, headers or (for read-only POSTs) body.
func refsOutsidePath(op *escarp.Operation) bool {
	switch op.Method {
	case http.MethodGet:
	case http.MethodPost:
		if !readVerb.MatchString(op.ID + " " + escarp.ParsePathTemplate(op.Path).Last().Text) {
			return false
		}
		if s := checkkit.RequestSchema(op); s != nil {
			props, _ := checkkit.Properties(s)
			for name := range props {
				if refName(name) {
					return true
				}
			}
		}
	default:
		return false
	}
	for _, prm := range op.Parameters {
		if (prm.In == "query" || prm.In == "header" || prm.In == "cookie") && refName(prm.Name) {
			return true
		}
	}
	return false
}

// ownParent builds the attacker's request for a nested path: the
// attacker's own values for every path parameter but the last, the owner's
// for the last (the child).
func ownParent(owner, attacker *check.Request) (*check.Request, string) {
	names := escarp.ParsePathTemplate(owner.Op.Path).Params()
	if len(names) < 2 {
		return nil, ""
	}
	vals := map[string]string{}
	for _, n := range names[:len(names)-1] {
		v, ok := attacker.Values[n]
		if !ok {
			return nil, ""
		}
		vals[n] = v
	}
	last := names[len(names)-1]
	v, ok := owner.Values[last]
	if !ok || v == attacker.Values[last] {
		return nil, ""
	}
	vals[last] = v
	path, ok := escarp.ParsePathTemplate(owner.Op.Path).Fill(vals)
	if !ok {
		return nil, ""
	}
	req := owner.Clone()
	req.Path = path
	req.Values = vals
	return req, "its own parent and the owner's child (" + strings.Join(names, ", ") + ")"
}
