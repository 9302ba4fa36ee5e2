package conformance

import (
	"fmt"
	"math"
	"reflect"
	"sort"

	"github.com/escarp/escarp"
)

// maxErrors bounds the mismatches Validate returns.
const maxErrors = 5

// Validate checks a decoded JSON value against s and returns the
// mismatches as "pointer: problem". It checks what a response schema
// promises a client: types (integer versus number, nullable), required
// properties, enums, const, additionalProperties: false, array items and
// the composition keywords. Formats, patterns and bounds are not checked:
// a server is not wrong to return a longer name than an example.
func Validate(s *escarp.Schema, v any) []string {
	var errs []string
	validate(s, v, "", &errs, 0)
	return errs
}

func validate(s *escarp.Schema, v any, ptr string, errs *[]string, depth int) {
	if s == nil || len(*errs) >= maxErrors || depth > 32 {
		return
	}
	add := func(format string, args ...any) {
		p := ptr
		if p == "" {
			p = "/"
		}
		*errs = append(*errs, p+": "+fmt.Sprintf(format, args...))
	}
	for _, sub := range s.AllOf {
		validate(sub, v, ptr, errs, depth+1)
	}
	if len(s.AnyOf) > 0 && !anyValid(s.AnyOf, v, depth) {
		add("matches none of anyOf")
		return
	}
	if len(s.OneOf) > 0 && !anyValid(s.OneOf, v, depth) {
		add("matches none of oneOf")
		return
	}
	if v == nil {
		if len(s.Type) > 0 && !s.Nullable && !s.HasType("null") {
			add("null where %v is declared", s.Type)
		}
		return
	}
	if len(s.Type) > 0 {
		ok := false
		for _, t := range s.Type {
			if hasType(t, v) {
				ok = true
				break
			}
		}
		if !ok {
			add("%s where %v is declared", kind(v), s.Type)
			return
		}
	}
	if len(s.Enum) > 0 {
		found := false
		for _, e := range s.Enum {
			if equal(e, v) {
				found = true
				break
			}
		}
		if !found && !(s.Nullable && v == nil) {
			add("%v is not one of the declared values", short(v))
		}
	}
	if s.Const != nil && !equal(s.Const, v) {
		add("%v is not the declared constant", short(v))
	}
	switch x := v.(type) {
	case map[string]any:
		for _, r := range s.Required {
			if ps := s.Properties[r]; ps != nil && ps.WriteOnly {
				continue
			}
			if _, ok := x[r]; !ok {
				add("required property %q is missing", r)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps := s.Properties[k]
			switch {
			case ps != nil:
				validate(ps, x[k], ptr+"/"+escarp.EscapePointer(k), errs, depth+1)
			case s.AdditionalProperties != nil:
				validate(s.AdditionalProperties, x[k], ptr+"/"+escarp.EscapePointer(k), errs, depth+1)
			case s.AdditionalPropertiesAllowed != nil && !*s.AdditionalPropertiesAllowed && len(s.AllOf) == 0 && len(s.AnyOf) == 0 && len(s.OneOf) == 0:
				add("property %q is not declared (additionalProperties: false)", k)
			}
		}
	case []any:
		if s.Items != nil {
			for i, it := range x {
				validate(s.Items, it, fmt.Sprintf("%s/%d", ptr, i), errs, depth+1)
				if len(*errs) >= maxErrors {
					return
				}
			}
		}
	}
}

func anyValid(ss []*escarp.Schema, v any, depth int) bool {
	for _, s := range ss {
		var e []string
		validate(s, v, "", &e, depth+1)
		if len(e) == 0 {
			return true
		}
	}
	return false
}

func hasType(t string, v any) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "null":
		return v == nil
	}
	return true
}

func kind(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	}
	return "null"
}

func equal(a, b any) bool {
	// Enum values may come from YAML as ints; compare numbers as floats.
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		return ok && fa == fb
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}
