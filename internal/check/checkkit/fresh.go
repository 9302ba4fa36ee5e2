package checkkit

import (
	"context"
	"net/http"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// Fresh returns a request for op on an object created just now, as ident,
// through the POST on the object's collection: a destructive or
// state-changing probe then works on an object no other probe uses, that
// escarp created. op's path must end in the object's id
// (/orders/{id}) or in an action on it (/orders/{id}/pay). When no object
// can be created, it returns the engine's prepared request. skip is true
// when there is no request at all.
func Fresh(ctx context.Context, p *check.Pass, op *escarp.Operation, ident string) (req *check.Request, created bool, skip bool, err error) {
	req, skip, err = Prepare(ctx, p, op, ident)
	if skip {
		return nil, false, true, err
	}
	tmpl := escarp.ParsePathTemplate(op.Path)
	if len(tmpl.Params()) == 0 {
		return req, false, false, nil
	}
	item := tmpl
	if item.Last().Param == "" {
		item = item.Parent()
	}
	if item.Last().Param == "" {
		return req, false, false, nil
	}
	collection := item.Parent()
	create := Op(p.API, http.MethodPost, collection.String())
	if create == nil {
		return req, false, false, nil
	}
	creq, cskip, err := Prepare(ctx, p, create, ident)
	if cskip {
		return req, false, false, err
	}
	if len(collection.Params()) > 0 {
		if filled, ok := collection.Fill(req.Values); ok {
			creq.Path = filled
		}
	}
	made, err := p.Session.Do(ctx, As(creq, ident))
	if err != nil || !made.OK() {
		if Fatal(ctx, err) {
			return req, false, false, err
		}
		return req, false, false, nil
	}
	id := CreatedID(made)
	if id == "" {
		return req, false, false, nil
	}
	vals := copyValues(req.Values)
	vals[item.Last().Param] = id
	filled, ok := tmpl.Fill(vals)
	if !ok {
		return req, false, false, nil
	}
	req = req.Clone()
	req.Path, req.Values = filled, vals
	return req, true, false, nil
}

// SelfID returns the identity's own user id as its profile operation (GET
// /me, /whoami, /profile, /account, /users/me) tells it, or "".
func SelfID(ctx context.Context, p *check.Pass, ident string) (string, error) {
	for _, o := range p.API.Operations {
		if o.Method != http.MethodGet || len(escarp.ParsePathTemplate(o.Path).Params()) > 0 || !profile(o.Path) {
			continue
		}
		req, skip, err := Prepare(ctx, p, o, ident)
		if skip {
			if err != nil {
				return "", err
			}
			continue
		}
		resp, err := p.Session.Do(ctx, As(req, ident))
		if err != nil {
			if Fatal(ctx, err) {
				return "", err
			}
			continue
		}
		if !resp.OK() {
			continue
		}
		obj := Object(resp.Body)
		for _, k := range []string{"id", "user_id", "userId", "uid", "uuid", "sub"} {
			if v, ok := Lookup(obj, k); ok {
				if s := Text(v); s != "" && s != "null" {
					return s, nil
				}
			}
		}
	}
	return "", nil
}

func profile(p string) bool {
	switch escarp.ParsePathTemplate(p).Last().Text {
	case "me", "whoami", "profile", "account", "self", "current":
		return true
	}
	return false
}
