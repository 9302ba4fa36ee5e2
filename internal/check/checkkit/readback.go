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

// samePath compares path templates ignoring parameter names:
// "/orders/{id}" and "/orders/{orderId}" are the same path.
func samePath(a, b string) bool {
	sa, sb := segments(a), segments(b)
	if len(sa) != len(sb) {
		return false
	}
	for i := range sa {
		pa, pb := isParam(sa[i]), isParam(sb[i])
		if pa != pb || (!pa && sa[i] != sb[i]) {
			return false
		}
	}
	return true
}

func segments(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func isParam(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// PathParams returns the names of the parameters of a path template, in
// order.
func PathParams(template string) []string {
	var out []string
	for _, s := range segments(template) {
		if isParam(s) {
			out = append(out, s[1:len(s)-1])
		}
	}
	return out
}

// LastSegment returns the last segment of a path template, or "".
func LastSegment(template string) string {
	s := segments(template)
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// IsParam reports whether a path segment is a template parameter.
func IsParam(seg string) bool { return isParam(seg) }

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
	tmpl := req.Op.Path
	last := LastSegment(tmpl)
	// A POST on a collection creates an item: GET on the same path would
	// read the list.
	if req.Op.Method != http.MethodGet && (req.Op.Method != http.MethodPost || isParam(last)) {
		if op := Op(api, http.MethodGet, tmpl); op != nil {
			return get(op, req.Path, req.Values, identity), true
		}
	}
	if last != "" && !isParam(last) {
		parent := path.Dir(tmpl)
		if op := Op(api, http.MethodGet, parent); op != nil && isParam(LastSegment(parent)) {
			return get(op, path.Dir(req.Path), req.Values, identity), true
		}
		// A collection: read the created item.
		if resp != nil {
			if op, name := itemOp(api, tmpl); op != nil {
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
		last := LastSegment(op.Path)
		if isParam(last) && samePath(path.Dir(op.Path), collection) {
			return op, last[1 : len(last)-1]
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

// Fill substitutes a path template's parameters from values; ok is false
// when a value is missing.
func Fill(template string, values map[string]string) (string, bool) {
	segs := segments(template)
	for i, s := range segs {
		if isParam(s) {
			v, ok := values[s[1:len(s)-1]]
			if !ok {
				return "", false
			}
			segs[i] = url.PathEscape(v)
		}
	}
	return "/" + strings.Join(segs, "/"), true
}

// HasItem reports whether the API can read back an object created by a
// POST on collection: a GET on collection + "/{id}".
func HasItem(api *escarp.API, collection string) bool {
	op, _ := itemOp(api, collection)
	return op != nil
}
