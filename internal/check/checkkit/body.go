package checkkit

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/escarp/escarp"
)

// WithFields returns a copy of a JSON object body with fields set (added or
// replaced). An empty body counts as {}. ok is false when the body is not a
// JSON object.
func WithFields(body []byte, fields map[string]any) ([]byte, bool) {
	obj := map[string]any{}
	if len(strings.TrimSpace(string(body))) > 0 {
		obj = Object(body)
		if obj == nil {
			return nil, false
		}
	}
	for k, v := range fields {
		obj[k] = v
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, false
	}
	return out, true
}

// JSONContent sets the request content type to JSON when none is set.
func JSONContent(h http.Header) http.Header {
	if h == nil {
		h = http.Header{}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return h
}

// RequestSchema returns the JSON schema of an operation's request body, or
// nil.
func RequestSchema(op *escarp.Operation) *escarp.Schema {
	if op == nil || op.RequestBody == nil {
		return nil
	}
	for _, m := range op.RequestBody.Content {
		if isJSON(m.MediaType) && m.Schema != nil {
			return m.Schema
		}
	}
	return nil
}

// ResponseSchema returns the JSON schema of an operation's first documented
// 2xx response (200 first), or nil.
func ResponseSchema(op *escarp.Operation) *escarp.Schema {
	if op == nil {
		return nil
	}
	for _, want := range []string{"200", "201", "2XX", "202", "203", "206"} {
		r := op.Response(want)
		if r == nil {
			continue
		}
		for _, m := range r.Content {
			if isJSON(m.MediaType) && m.Schema != nil {
				return m.Schema
			}
		}
	}
	return nil
}

func isJSON(mt string) bool {
	mt = strings.ToLower(mt)
	return strings.Contains(mt, "json")
}

// Properties returns the properties an object schema declares, merging
// allOf, anyOf and oneOf members, and whether the schema (or a member)
// allows undeclared properties (additionalProperties true or a schema).
func Properties(s *escarp.Schema) (props map[string]*escarp.Schema, open bool) {
	props = map[string]*escarp.Schema{}
	seen := map[*escarp.Schema]bool{}
	var walk func(s *escarp.Schema, depth int)
	walk = func(s *escarp.Schema, depth int) {
		if s == nil || seen[s] || depth > 8 {
			return
		}
		seen[s] = true
		for name, p := range s.Properties {
			if _, ok := props[name]; !ok {
				props[name] = p
			}
		}
		if s.AdditionalProperties != nil || (s.AdditionalPropertiesAllowed != nil && *s.AdditionalPropertiesAllowed) {
			open = true
		}
		for _, sub := range [][]*escarp.Schema{s.AllOf, s.AnyOf, s.OneOf} {
			for _, c := range sub {
				walk(c, depth+1)
			}
		}
	}
	walk(s, 0)
	return props, open
}

// Item returns the schema of one object of a response: the schema itself,
// the items of an array, or the object inside a single-property envelope
// ("data", "items", "results").
func Item(s *escarp.Schema) *escarp.Schema {
	if s == nil {
		return nil
	}
	if s.HasType("array") && s.Items != nil {
		return s.Items
	}
	return s
}
