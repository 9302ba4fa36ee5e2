package value

import (
	"math"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inflect"
)

// A Variant is one value to try for a field, with whether the schema
// accepts it.
type Variant struct {
	// Name says what the value probes: "min", "max+1", "wrong type", ...
	Name  string
	Value any
	// Valid reports whether the value satisfies the schema.
	Valid bool
}

// Variants returns boundary values (valid, at the edges of the
// constraints) and invalid values (just outside them, wrong type, not in
// the enum, null where not nullable) for s. Long strings are capped at 64
// KiB.
func Variants(s *escarp.Schema, name string, o Options) []Variant {
	if s == nil {
		return nil
	}
	var vs []Variant
	add := func(n string, v any, ok bool) { vs = append(vs, Variant{Name: n, Value: v, Valid: ok}) }
	t := typeOf(s)
	switch t {
	case "integer", "number":
		lo, hi := bounds(s)
		if !math.IsInf(lo, -1) {
			add("min", num(t, lo), true)
			add("min-1", num(t, lo-1), false)
		}
		if !math.IsInf(hi, 1) {
			add("max", num(t, hi), true)
			add("max+1", num(t, hi+1), false)
		}
		if math.IsInf(lo, -1) {
			add("negative", num(t, -1), true)
		}
		add("wrong type", "escarp", false)
		if t == "integer" {
			add("fraction", 1.5, false)
			add("overflow", "99999999999999999999999", false)
		}
	case "string":
		if s.MinLength != nil && *s.MinLength > 0 {
			add("minLength", strings.Repeat("a", int(min(*s.MinLength, 1<<16))), s.Pattern == "" && s.Format == "")
			add("minLength-1", strings.Repeat("a", int(min(*s.MinLength-1, 1<<16))), false)
		}
		if s.MaxLength != nil {
			add("maxLength", strings.Repeat("a", int(min(*s.MaxLength, 1<<16))), s.Pattern == "" && s.Format == "")
			add("maxLength+1", strings.Repeat("a", int(min(*s.MaxLength+1, 1<<16))), false)
		} else {
			add("long", strings.Repeat("a", 1<<16), s.Pattern == "" && s.Format == "")
		}
		if len(s.Enum) > 0 {
			add("not in enum", "escarp-not-in-enum", false)
		}
		if s.Pattern != "" || s.Format != "" {
			add("pattern or format mismatch", "\x00escarp not matching", false)
		}
		add("empty", "", (s.MinLength == nil || *s.MinLength == 0) && s.Pattern == "" && s.Format == "" && len(s.Enum) == 0)
		add("wrong type", 12345, false)
	case "boolean":
		add("true", true, true)
		add("wrong type", "yes", false)
	case "array":
		if s.MinItems != nil && *s.MinItems > 0 {
			add("minItems-1", []any{}, false)
		}
		if s.MaxItems != nil {
			n := int(min(*s.MaxItems+1, 1000))
			arr := make([]any, n)
			for i := range arr {
				arr[i] = Valid(s.Items, inflect.Singular(name), o)
			}
			add("maxItems+1", arr, false)
		}
		add("wrong type", "escarp", false)
	case "object":
		add("wrong type", "escarp", false)
		add("empty object", map[string]any{}, len(s.Required) == 0)
	}
	if !s.Nullable && !s.HasType("null") {
		add("null", nil, false)
	}
	return vs
}

func num(t string, f float64) any {
	if t == "integer" {
		return int64(f)
	}
	return f
}
