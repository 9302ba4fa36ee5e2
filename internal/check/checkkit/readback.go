package checkkit

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// Op returns the operation of api with method and path template, or nil.
func Op(api *escarp.API, method, template string) *escarp.Operation {
	if api == nil {
		return nil
	}
	for _, op := range api.Operations {
		if op.Method == method && samePath(op.Path, template) {
			return op
		}
	}
	return nil
}

// samePath compares path templates ignoring parameter names and syntax:
// "/orders/{id}" and "/orders/{orderId}" are the same path.
func samePath(a, b string) bool {
	return escarp.ParsePathTemplate(a).Key() == escarp.ParsePathTemplate(b).Key()
}

// Methods returns the methods documented on a path template.
func Methods(api *escarp.API, template string) []string {
	var out []string
	for _, op := range api.Operations {
		if samePath(op.Path, template) {
			out = append(out, op.Method)
		}
	}
	return out
}

// Reader returns the GET request that reads back the object req acts on,
// as identity, or ok=false when the API has no such operation:
//   - the GET on the same path (PUT, PATCH, DELETE /orders/{id});
//   - the GET on the parent path of an action (POST /orders/{id}/pay reads
//     GET /orders/{id});
//   - the GET on the item path of a collection, with the id the response
//     created (POST /orders, then GET /orders/{id}); resp may be nil for
//     the other cases.
func Reader(api *escarp.API, req *check.Request, resp *check.Response, identity string) (*check.Request, bool) {
	if req == nil || req.Op == nil {
		return nil, false
	}
	tmpl := escarp.ParsePathTemplate(req.Op.Path)
	last := tmpl.Last()
	// A POST on a collection creates an item: GET on the same path would
	// read the list.
	if req.Op.Method != http.MethodGet && (req.Op.Method != http.MethodPost || last.Param != "") {
		if op := Op(api, http.MethodGet, req.Op.Path); op != nil {
			return get(op, req.Path, req.Values, identity), true
		}
	}
	if last.Text != "" && last.Param == "" {
		parent := tmpl.Parent()
		if op := Op(api, http.MethodGet, parent.String()); op != nil && parent.Last().Param != "" {
			return get(op, path.Dir(req.Path), req.Values, identity), true
		}
		// A collection: read the created item.
		if resp != nil {
			if op, name := itemOp(api, req.Op.Path); op != nil {
				if id := CreatedID(resp); id != "" {
					vals := copyValues(req.Values)
					vals[name] = id
					return get(op, strings.TrimSuffix(req.Path, "/")+"/"+url.PathEscape(id), vals, identity), true
				}
			}
		}
	}
	return nil, false
}

// itemOp returns the GET operation on collection + "/{param}" and the
// parameter's name.
func itemOp(api *escarp.API, collection string) (*escarp.Operation, string) {
	for _, op := range api.Operations {
		if op.Method != http.MethodGet {
			continue
		}
		t := escarp.ParsePathTemplate(op.Path)
		if last := t.Last().Param; last != "" && samePath(t.Parent().String(), collection) {
			return op, last
		}
	}
	return nil, ""
}

func get(op *escarp.Operation, p string, values map[string]string, identity string) *check.Request {
	return &check.Request{
		Method:   http.MethodGet,
		Path:     p,
		Query:    url.Values{},
		Header:   http.Header{"Accept": {"application/json"}},
		Identity: identity,
		Op:       op,
		Values:   copyValues(values),
	}
}

func copyValues(v map[string]string) map[string]string {
	out := make(map[string]string, len(v)+1)
	for k, x := range v {
		out[k] = x
	}
	return out
}

// idKeys are the members that name a created object's id, most specific
// first.
var idKeys = []string{"id", "uuid", "_id", "ID", "Id", "key"}

// CreatedID returns the id of the object a response created: the last
// segment of its Location header, else its "id" (or "uuid", ...) member, at
// the top or inside a "data" envelope, else the only member ending in "id".
func CreatedID(resp *check.Response) string {
	if resp == nil {
		return ""
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			if seg := path.Base(strings.TrimSuffix(u.Path, "/")); seg != "" && seg != "/" && seg != "." {
				return seg
			}
		}
	}
	obj := Object(resp.Body)
	if obj == nil {
		return ""
	}
	for _, env := range []string{"", "data", "result", "item"} {
		m := obj
		if env != "" {
			m, _ = obj[env].(map[string]any)
		}
		for _, k := range idKeys {
			if v, ok := m[k]; ok && v != nil {
				if s := Text(v); s != "" && s != "null" {
					return s
				}
			}
		}
	}
	var found []string
	for k, v := range obj {
		lk := strings.ToLower(k)
		if strings.HasSuffix(lk, "id") && v != nil {
			if _, isObj := v.(map[string]any); !isObj {
				found = append(found, Text(v))
			}
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// HasItem reports whether the API can read back an object created by a
// POST on collection: a GET on collection + "/{id}".
func HasItem(api *escarp.API, collection string) bool {
	op, _ := itemOp(api, collection)
	return op != nil
}
