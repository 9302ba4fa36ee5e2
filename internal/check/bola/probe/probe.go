// Package probe holds what the authorization, authentication, property and
// business-flow checks share: choosing identities, comparing response
// bodies, finding the operation that reads an object back and building the
// request for it, and editing JSON bodies.
//
// Everything here is a pure function of its arguments or a thin wrapper
// over [check.Session]; it holds no state.
package probe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// Users returns the identities that are not privileged, in order.
func Users(ids []check.Identity) []check.Identity {
	var out []check.Identity
	for _, id := range ids {
		if !id.Privileged {
			out = append(out, id)
		}
	}
	return out
}

// Admin returns the first privileged identity.
func Admin(ids []check.Identity) (check.Identity, bool) {
	for _, id := range ids {
		if id.Privileged {
			return id, true
		}
	}
	return check.Identity{}, false
}

// Pair returns an owner and an attacker for object-level tests: two
// non-privileged identities when there are, else the privileged identity's
// objects tried by a non-privileged one. A privileged attacker is never
// chosen: it may legitimately reach everything.
func Pair(ids []check.Identity) (owner, attacker string, ok bool) {
	users := Users(ids)
	switch {
	case len(users) >= 2:
		return users[0].Name, users[1].Name, true
	case len(users) == 1:
		if a, ok := Admin(ids); ok {
			return a.Name, users[0].Name, true
		}
	}
	return "", "", false
}

// User returns the identity that mass-assignment, flow and method tests run
// as: the first non-privileged identity, else the first one.
func User(ids []check.Identity) (string, bool) {
	if u := Users(ids); len(u) > 0 {
		return u[0].Name, true
	}
	if len(ids) > 0 {
		return ids[0].Name, true
	}
	return "", false
}

// Prepare wraps [check.Session.Prepare] and reports skip=true (with a nil
// error) when the engine could not build a request, so that checks skip the
// operation rather than fail.
func Prepare(ctx context.Context, p *check.Pass, op *escarp.Operation, identity string) (req *check.Request, skip bool, err error) {
	req, err = p.Session.Prepare(ctx, op, identity)
	if err != nil {
		if errors.Is(err, check.ErrNotPrepared) {
			return nil, true, nil
		}
		return nil, true, fmt.Errorf("prepare %s as %q: %w", op.Key(), identity, err)
	}
	if req.Op == nil {
		req.Op = op
	}
	return req, false, nil
}

// Fatal reports whether an error from [check.Session.Do] must stop the
// check (budget exhausted, context cancelled). Other errors (one request
// out of scope or failing) only end the current probe.
func Fatal(ctx context.Context, err error) bool {
	return err != nil && (errors.Is(err, check.ErrBudget) || ctx.Err() != nil)
}

// As returns a copy of req sent as identity ("" for anonymous).
func As(req *check.Request, identity string) *check.Request {
	cp := req.Clone()
	cp.Identity = identity
	return cp
}

// Marker returns a unique, recognizable value: prefix followed by random hex.
func Marker(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Denied reports whether a status is the usual "no" of an access control:
// 401, 403 or 404.
func Denied(status int) bool {
	return status == 401 || status == 403 || status == 404
}

// ErrorBody reports whether a 2xx body still says the request failed
// ({"error": ...}, "access denied", "not authorized", ...), as some APIs
// answer 200 with an error envelope.
func ErrorBody(body []byte) bool {
	l := leaves(body)
	if l == nil {
		s := strings.ToLower(string(body))
		return containsAny(s, deniedWords)
	}
	for _, lf := range l {
		k := strings.ToLower(lf.key)
		if (k == "error" || k == "errors") && lf.value != "" && lf.value != "false" && lf.value != "null" {
			return true
		}
		if (k == "success" || k == "ok") && lf.value == "false" {
			return true
		}
		if (k == "message" || k == "detail" || k == "error_description" || k == "title") && containsAny(strings.ToLower(lf.value), deniedWords) {
			return true
		}
	}
	return false
}

var deniedWords = []string{"forbidden", "not authorized", "unauthorized", "unauthorised", "access denied",
	"permission denied", "not allowed", "insufficient", "not found", "invalid token", "login required"}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
