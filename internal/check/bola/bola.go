package bola

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// minSimilarity is the share of the owner's data an attacker's answer must
// hold to count as the owner's object.
const minSimilarity = 0.8

var references = []string{
	"https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
	"https://cwe.mitre.org/data/definitions/639.html",
	"https://cheatsheetseries.owasp.org/cheatsheets/Authorization_Cheat_Sheet.html",
}

const remediation = "Authorize every object access on the server, from the authenticated principal, " +
	"not from ids the client sends. Look objects up *within* the caller's scope and answer 404 " +
	"when the object is not theirs:\n\n" +
	"```go\n" +
	"order, err := store.Order(ctx, id)\n" +
	"if errors.Is(err, ErrNotFound) || order.OwnerID != auth.UserID(ctx) {\n" +
	"    http.NotFound(w, r) // same answer as a missing object: no enumeration\n" +
	"    return\n" +
	"}\n" +
	"```\n\n" +
	"Better still, make the query itself scoped (`WHERE id = $1 AND owner_id = $2`) so a forgotten check " +
	"cannot leak. Prefer random, non-guessable ids (UUIDv4) as defence in depth, never as the control."

// Read is ESC-DAST-BOLA-001: another identity's object read by an id in
// the path.
type Read struct{}

var _ check.Check = Read{}

// Info describes the check.
func (Read) Info() check.Info {
	return check.Info{
		ID:       "ESC-DAST-BOLA-001",
		Title:    "Another identity's object can be read by its id",
		Severity: escarp.SeverityHigh,
		OWASP:    "API1:2023",
		CWE:      []string{"CWE-639"},
		Description: "For each GET operation with one id in its path, escarp prepares a request with an id of an object " +
			"the owner identity owns, reads it as the owner (the baseline must be 2xx with object data), then sends the " +
			"same request as a second, non-privileged identity. It reports when the second identity gets 2xx with the " +
			"owner's data (at least 80% of the owner's values, including a distinctive one). Shared objects (the engine " +
			"resolves the same id for both identities) and public ones (an anonymous request gets the same data) are " +
			"skipped. A finding is confirmed by a second, freshly prepared request. Needs two identities; configure " +
			"them so that each owns objects (`identities` in escarp.yaml). Nested paths and ids outside the path are " +
			"ESC-DAST-BOLA-003. About 4 to 6 requests per operation.",
		Remediation: remediation,
		References:  references,
		Scope:       check.PerOperation,
		Requires:    check.Requirements{Identities: 2},
	}
}

// Run probes one operation.
func (c Read) Run(ctx context.Context, p *check.Pass) error {
	op := p.Op
	if op == nil || op.Method != http.MethodGet || len(escarp.ParsePathTemplate(op.Path).Params()) != 1 {
		return nil
	}
	owner, attacker, ok := checkkit.Pair(p.Identities)
	if !ok {
		return nil
	}
	if public(op) {
		return nil
	}
	_, err := leak(ctx, p, c.Info(), op, owner, attacker, nil, nil, false)
	return err
}

// publicText matches summaries and descriptions of objects meant to be
// read by everyone: public profiles, directories, catalogues.
var publicText = regexp.MustCompile(`(?i)\b(public|publicly|shared|directory|catalog|catalogue)\b`)

// public reports whether the spec describes op's object as meant for
// everyone.
func public(op *escarp.Operation) bool {
	return publicText.MatchString(op.Summary + " " + op.Description)
}

// fixer adjusts a prepared request for its identity (its own user id in a
// user reference); nil leaves it.
type fixer func(req *check.Request, identity string) *check.Request

// variant rewrites the owner's request before the attacker sends it; nil
// sends it unchanged.
type variant func(owner, attacker *check.Request) (*check.Request, string)

// leak runs the read probe of op and reports a finding when the attacker
// reaches the owner's object. It returns whether it reported.
//
// known says the fixer put objects the owner just created into the
// request, so the object is the owner's whatever the engine prepares for
// the attacker.
func leak(ctx context.Context, p *check.Pass, info check.Info, op *escarp.Operation, owner, attacker string, vary variant, fix fixer, known bool) (bool, error) {
	if fix == nil {
		fix = func(r *check.Request, _ string) *check.Request { return r }
	}
	req, skip, err := checkkit.Prepare(ctx, p, op, owner)
	if skip {
		return false, err
	}
	req = fix(req, owner)
	own, skip, err := checkkit.Prepare(ctx, p, op, attacker)
	if err != nil {
		return false, err
	}
	if !skip {
		own = fix(own, attacker)
	}
	base, err := p.Session.Do(ctx, checkkit.As(req, owner))
	if err != nil {
		return false, stop(ctx, err)
	}
	if base.OK() && !checkkit.Substantial(base.Body) {
		// An empty list: give the owner an object and read again.
		if base, err = populate(ctx, p, req, owner); err != nil || base == nil {
			return false, err
		}
	}
	if !base.OK() || !checkkit.Substantial(base.Body) || checkkit.ErrorBody(base.Body) {
		return false, nil
	}
	switch {
	case known:
	case !skip && sameTarget(req, own):
		return false, nil // both identities resolve the same object: shared, not owned
	case skip && !owned(base.Body):
		return false, nil // cannot tell the object is the owner's
	}
	attack := checkkit.As(req, attacker)
	how := "the same request"
	if vary != nil {
		if skip {
			return false, nil
		}
		attack, how = vary(req, own)
		if attack == nil {
			return false, nil
		}
		attack.Identity = attacker
	}
	got, err := p.Session.Do(ctx, attack)
	if err != nil {
		return false, stop(ctx, err)
	}
	if !leaks(base, got) {
		return false, nil
	}
	anon, err := p.Session.Do(ctx, checkkit.As(attack, ""))
	if err != nil {
		return false, stop(ctx, err)
	}
	if anon.OK() && checkkit.Similarity(base.Body, anon.Body) >= minSimilarity {
		return false, nil // public object
	}
	// Confirm with an independent, freshly prepared request.
	req2, skip, err := checkkit.Prepare(ctx, p, op, owner)
	if skip {
		return false, err
	}
	req2 = fix(req2, owner)
	base2 := base
	if !sameTarget(req, req2) {
		if base2, err = p.Session.Do(ctx, checkkit.As(req2, owner)); err != nil {
			return false, stop(ctx, err)
		}
	}
	attack2 := checkkit.As(req2, attacker)
	if vary != nil {
		if attack2, _ = vary(req2, own); attack2 == nil {
			return false, nil
		}
		attack2.Identity = attacker
	}
	got2, err := p.Session.Do(ctx, attack2)
	if err != nil {
		return false, stop(ctx, err)
	}
	if !leaks(base2, got2) {
		return false, nil
	}
	shared := checkkit.Shared(base.Body, got.Body, 5)
	f := check.NewFinding(info, got, fmt.Sprintf(
		"%s: identity %q read an object of identity %q with %s (HTTP %d, %.0f%% of the owner's data, including %s); "+
			"an anonymous request was refused (HTTP %d) and a second, freshly prepared request confirmed it (HTTP %d).",
		op.Key(), attacker, owner, how, got.Status, 100*checkkit.Similarity(base.Body, got.Body),
		strings.Join(shared, ", "), anon.Status, got2.Status))
	f.Confidence = escarp.ConfidenceHigh
	if f.Evidence != nil {
		f.Evidence.Note = fmt.Sprintf("owner %q got HTTP %d; attacker %q got HTTP %d with the same %s",
			owner, base.Status, attacker, got.Status, strings.Join(shared, ", "))
	}
	p.Report(f)
	return true, nil
}

// populate creates an object as owner through the POST on req's own path
// (POST /orders for GET /orders?owner_id=...) and sends req again; nil
// when there is no such POST or it failed.
func populate(ctx context.Context, p *check.Pass, req *check.Request, owner string) (*check.Response, error) {
	create := checkkit.Op(p.API, http.MethodPost, req.Op.Path)
	if create == nil {
		return nil, nil
	}
	creq, skip, err := checkkit.Prepare(ctx, p, create, owner)
	if skip {
		return nil, err
	}
	creq.Path = req.Path
	made, err := p.Session.Do(ctx, checkkit.As(creq, owner))
	if err != nil || !made.OK() {
		return nil, stop(ctx, err)
	}
	base, err := p.Session.Do(ctx, checkkit.As(req, owner))
	if err != nil {
		return nil, stop(ctx, err)
	}
	return base, nil
}

// leaks reports whether got is the owner's object: 2xx, no error envelope,
// and most of base's data including a distinctive value.
func leaks(base, got *check.Response) bool {
	return got.OK() && !checkkit.ErrorBody(got.Body) &&
		checkkit.Similarity(base.Body, got.Body) >= minSimilarity &&
		len(checkkit.Shared(base.Body, got.Body, 1)) > 0
}

// sameTarget reports whether two prepared requests address the same
// object: same path, query and body.
func sameTarget(a, b *check.Request) bool {
	return a.Path == b.Path && a.Query.Encode() == b.Query.Encode() && string(a.Body) == string(b.Body) &&
		sameRefHeaders(a.Header, b.Header)
}

// sameRefHeaders compares the headers that may carry object references
// (X-User-Id, X-Account, ...), not credentials.
func sameRefHeaders(a, b http.Header) bool {
	for k := range a {
		if refName(k) && a.Get(k) != b.Get(k) {
			return false
		}
	}
	for k := range b {
		if refName(k) && a.Get(k) != b.Get(k) {
			return false
		}
	}
	return true
}

// owned reports whether an object names its owner (owner_id, user_id,
// customer, email, ...), for when the engine could not prepare the
// attacker's own object to compare with.
func owned(body []byte) bool {
	obj := checkkit.Object(body)
	for _, k := range []string{"owner", "owner_id", "ownerId", "user_id", "userId", "user", "customer_id",
		"customerId", "account_id", "accountId", "created_by", "createdBy", "email"} {
		if _, ok := checkkit.Lookup(obj, k); ok {
			return true
		}
	}
	return false
}

// stop turns a Do error into Run's result: budget and cancellation stop the
// check, anything else only ends this probe.
func stop(ctx context.Context, err error) error {
	if checkkit.Fatal(ctx, err) {
		return err
	}
	return nil
}
