package authn

import (
	"context"
	"net/http"
	"sort"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checkkit"
)

// minShape is the share of the baseline's member names an answer must have
// to count as the same data.
const minShape = 0.8

// maxTargets bounds the protected operations a per-API token check tries:
// services of one API may validate tokens differently (a gateway here, a
// library there), so each is tried, not only the first.
const maxTargets = 12

// maxReports bounds the findings of one token check: past that, the flaw is
// in a component every operation shares.
const maxReports = 3

// target is a representative protected operation: a request the identity
// may send, its baseline answer and the credential it carried.
type target struct {
	req  *check.Request
	base *check.Response
	anon *check.Response
	cred credential
}

// protected reports whether the spec requires credentials for op.
func protected(op *escarp.Operation) bool {
	return len(op.Security) > 0 && !op.Anonymous()
}

// candidates returns the protected GET operations: the caller's profile
// (/me, /users/me) first, the canonical place to test a token, then those
// without path parameters (they need no object), then by path.
func candidates(api *escarp.API) []*escarp.Operation {
	var ops []*escarp.Operation
	for _, op := range api.Operations {
		if op.Method == http.MethodGet && protected(op) && !op.Deprecated {
			ops = append(ops, op)
		}
	}
	rank := func(op *escarp.Operation) int {
		switch {
		case profileOp(op.Path):
			return 0
		case len(escarp.ParsePathTemplate(op.Path).Params()) == 0:
			return 1
		}
		return 1 + len(escarp.ParsePathTemplate(op.Path).Params())
	}
	sort.SliceStable(ops, func(i, j int) bool {
		ri, rj := rank(ops[i]), rank(ops[j])
		if ri != rj {
			return ri < rj
		}
		return ops[i].Path < ops[j].Path
	})
	return ops
}

// profileOp reports whether a path reads the caller's own profile.
func profileOp(path string) bool {
	switch escarp.ParsePathTemplate(path).Last().Text {
	case "me", "whoami", "profile", "self", "current":
		return len(escarp.ParsePathTemplate(path).Params()) == 0
	}
	return false
}

// maxTries bounds the operations tried while looking for targets.
const maxTries = 20

// targets finds up to max representative operations where authentication
// is enforced: the identity gets 2xx with data, an anonymous request gets
// 401 or 403.
func targets(ctx context.Context, p *check.Pass, max int) ([]target, error) {
	ident, ok := checkkit.User(p.Identities)
	if !ok {
		return nil, nil
	}
	var out []target
	tries := 0
	for _, op := range candidates(p.API) {
		if len(out) == max || tries == maxTries {
			break
		}
		req, skip, err := checkkit.Prepare(ctx, p, op, ident)
		if err != nil {
			return out, err
		}
		if skip {
			continue
		}
		tries++
		base, err := p.Session.Do(ctx, checkkit.As(req, ident))
		if err != nil {
			if checkkit.Fatal(ctx, err) {
				return out, err
			}
			continue
		}
		if !base.OK() || !checkkit.Substantial(base.Body) || checkkit.ErrorBody(base.Body) {
			continue
		}
		cred, ok := credentialOf(p.API, base)
		if !ok {
			continue
		}
		anon, err := p.Session.Do(ctx, checkkit.As(req, ""))
		if err != nil {
			if checkkit.Fatal(ctx, err) {
				return out, err
			}
			continue
		}
		if anon.Status != http.StatusUnauthorized && anon.Status != http.StatusForbidden {
			continue
		}
		out = append(out, target{req: req, base: base, anon: anon, cred: cred})
	}
	return out, nil
}

// accepted reports whether resp is the data the baseline got: 2xx, no error
// envelope, the baseline's shape.
func accepted(base, resp *check.Response) bool {
	return resp.OK() && !checkkit.ErrorBody(resp.Body) && checkkit.Substantial(resp.Body) &&
		checkkit.ShapeSimilarity(base.Body, resp.Body) >= minShape
}

// try sends req; it returns the answer when it was accepted as base.
func try(ctx context.Context, p *check.Pass, base *check.Response, req *check.Request) (*check.Response, bool, error) {
	resp, err := p.Session.Do(ctx, req)
	if err != nil {
		if checkkit.Fatal(ctx, err) {
			return nil, false, err
		}
		return nil, false, nil
	}
	return resp, accepted(base, resp), nil
}

// confirm sends the forged token once more on a freshly prepared request
// for the target's operation (as the baseline identity, then with the
// token swapped in). It returns the confirming answer.
func confirm(ctx context.Context, p *check.Pass, t target, token func(*check.Request) *check.Request) (*check.Response, bool, error) {
	req, skip, err := checkkit.Prepare(ctx, p, t.req.Op, t.req.Identity)
	if skip {
		if err != nil {
			return nil, false, err
		}
		req = t.req
	}
	return try(ctx, p, t.base, token(req))
}
