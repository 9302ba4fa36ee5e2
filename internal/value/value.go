// Package value generates request data from JSON Schemas: a valid value
// that honours types, formats, patterns, enums, examples and bounds, and
// boundary or invalid variants for checks that probe input validation.
//
// The scan engine uses [Valid] to build requests; checks use [Variants] to
// get values just inside and just outside a schema's constraints. Output is
// deterministic: the same schema always yields the same values.
package value

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inflect"
)

// maxDepth bounds recursion into nested and recursive schemas.
const maxDepth = 6

// Options tunes generation.
type Options struct {
	// URL is used for fields of format uri or url-like names, so that a
	// target that fetches them reaches only escarp's callback listener.
	// Empty means "http://127.0.0.1/".
	URL string
	// Optional includes optional properties of objects, not only required
	// ones (readOnly properties are always left out of requests).
	Optional bool
	// Fill returns a value for a property or parameter name when the caller
	// knows a better one (a real id); ok false falls back to generation.
	Fill func(name string, s *escarp.Schema) (v any, ok bool)
}

// Valid returns a value that validates against s. name is the property or
// parameter name, used for hints ("email", "id") when the schema says
// little. A nil schema yields a short string.
func Valid(s *escarp.Schema, name string, o Options) any {
	g := gen{o: o}
	return g.valid(s, name, 0)
}

type gen struct{ o Options }

func (g gen) valid(s *escarp.Schema, name string, depth int) any {
	if g.o.Fill != nil && name != "" {
		if v, ok := g.o.Fill(name, s); ok {
			return v
		}
	}
	if s == nil {
		return byName(name, g.url())
	}
	switch {
	case s.Const != nil:
		return s.Const
	case len(s.Enum) > 0:
		for _, e := range s.Enum {
			if e != nil {
				return e
			}
		}
		return s.Enum[0]
	case s.Example != nil:
		return g.contain(s.Example)
	case len(s.Examples) > 0:
		return g.contain(s.Examples[0])
	case s.Default != nil:
		return g.contain(s.Default)
	}
	if depth > maxDepth {
		return nil
	}
	if len(s.AllOf) > 0 {
		return g.allOf(s, name, depth)
	}
	if len(s.OneOf) > 0 {
		return g.valid(s.OneOf[0], name, depth+1)
	}
	if len(s.AnyOf) > 0 {
		return g.valid(s.AnyOf[0], name, depth+1)
	}
	switch typeOf(s) {
	case "object":
		return g.object(s, depth)
	case "array":
		n := 1
		if s.MinItems != nil && *s.MinItems > 1 {
			n = int(min(*s.MinItems, 10))
		}
		if s.MaxItems != nil && *s.MaxItems == 0 {
			n = 0
		}
		arr := make([]any, 0, n)
		for i := 0; i < n; i++ {
			v := g.valid(s.Items, inflect.Singular(name), depth+1)
			if s.UniqueItems {
				if str, ok := v.(string); ok && i > 0 {
					v = fmt.Sprintf("%s%d", str, i)
				} else if f, ok := v.(float64); ok {
					v = f + float64(i)
				} else if n, ok := v.(int64); ok {
					v = n + int64(i)
				}
			}
			arr = append(arr, v)
		}
		return arr
	case "integer":
		return integer(s, name)
	case "number":
		return number(s)
	case "boolean":
		return false
	case "null":
		return nil
	default:
		return str(s, name, g.url())
	}
}

// contain replaces an absolute URL taken from a spec's example or default
// by the safe URL: a target that fetches it must reach escarp's listener
// (or loopback), never the third-party host the example names.
func (g gen) contain(v any) any {
	str, ok := v.(string)
	if !ok {
		return v
	}
	if u, err := url.Parse(str); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return g.url()
	}
	return v
}

func (g gen) url() string {
	if g.o.URL != "" {
		return g.o.URL
	}
	return "http://127.0.0.1/"
}

func (g gen) allOf(s *escarp.Schema, name string, depth int) any {
	merged := map[string]any{}
	var other any
	for _, sub := range s.AllOf {
		v := g.valid(sub, name, depth+1)
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				merged[k] = x
			}
		} else if v != nil {
			other = v
		}
	}
	if len(s.Properties) > 0 {
		if m, ok := g.object(s, depth).(map[string]any); ok {
			for k, x := range m {
				merged[k] = x
			}
		}
	}
	if len(merged) == 0 && other != nil {
		return other
	}
	return merged
}

func (g gen) object(s *escarp.Schema, depth int) any {
	m := map[string]any{}
	for _, p := range s.SortedPropertyNames() {
		ps := s.Properties[p]
		if ps == nil || ps.ReadOnly {
			continue
		}
		if !s.IsRequired(p) && !g.o.Optional && !hasExample(ps) {
			continue
		}
		m[p] = g.valid(ps, p, depth+1)
	}
	// Required names without a declared property still need a value.
	for _, r := range s.Required {
		if _, ok := m[r]; !ok {
			if ps := s.Properties[r]; ps == nil || !ps.ReadOnly {
				m[r] = g.valid(s.Properties[r], r, depth+1)
			}
		}
	}
	return m
}

func hasExample(s *escarp.Schema) bool {
	return s.Example != nil || len(s.Examples) > 0 || s.Default != nil || s.Const != nil
}

// typeOf returns the schema's main type, inferring it from keywords when
// none is declared.
func typeOf(s *escarp.Schema) string {
	for _, t := range s.Type {
		if t != "null" {
			return t
		}
	}
	switch {
	case len(s.Type) > 0:
		return "null"
	case len(s.Properties) > 0 || s.AdditionalProperties != nil:
		return "object"
	case s.Items != nil:
		return "array"
	case s.Minimum != nil || s.Maximum != nil:
		return "number"
	}
	return "string"
}

func integer(s *escarp.Schema, name string) int64 {
	lo, hi := bounds(s)
	v := float64(1)
	if strings.HasSuffix(strings.ToLower(name), "id") {
		v = 1
	}
	if !math.IsInf(lo, -1) && v < lo {
		v = math.Ceil(lo)
	}
	if !math.IsInf(hi, 1) && v > hi {
		v = math.Floor(hi)
	}
	if s.MultipleOf != nil && *s.MultipleOf >= 1 {
		m := *s.MultipleOf
		v = math.Ceil(v/m) * m
		if !math.IsInf(hi, 1) && v > hi {
			v -= m
		}
	}
	return int64(v)
}

func number(s *escarp.Schema) float64 {
	lo, hi := bounds(s)
	v := 1.5
	switch {
	case !math.IsInf(lo, -1) && !math.IsInf(hi, 1):
		v = (lo + hi) / 2
	case !math.IsInf(lo, -1) && v <= lo:
		v = lo + 1
	case !math.IsInf(hi, 1) && v >= hi:
		v = hi - 1
	}
	if s.MultipleOf != nil && *s.MultipleOf > 0 {
		v = math.Ceil(v / *s.MultipleOf) * *s.MultipleOf
	}
	return v
}

// bounds returns the inclusive numeric range of s (infinities when open).
func bounds(s *escarp.Schema) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if s.Minimum != nil {
		lo = *s.Minimum
	}
	if s.ExclusiveMinimum != nil {
		lo = math.Max(lo, *s.ExclusiveMinimum+1)
	}
	if s.Maximum != nil {
		hi = *s.Maximum
	}
	if s.ExclusiveMaximum != nil {
		hi = math.Min(hi, *s.ExclusiveMaximum-1)
	}
	return lo, hi
}

func str(s *escarp.Schema, name, url string) string {
	var v string
	switch strings.ToLower(s.Format) {
	case "email", "idn-email":
		v = "escarp@example.com"
	case "uuid":
		v = "3f2b8e1c-7d4a-4c1e-9b2a-5e6f7a8b9c0d"
	case "date-time":
		v = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339)
	case "date":
		v = "2024-01-02"
	case "time":
		v = "03:04:05Z"
	case "duration":
		v = "PT1M"
	case "uri", "url", "iri", "uri-reference", "iri-reference":
		v = url
	case "hostname", "idn-hostname":
		v = "escarp.test"
	case "ipv4":
		v = "192.0.2.1"
	case "ipv6":
		v = "2001:db8::1"
	case "byte":
		v = "ZXNjYXJw"
	case "password":
		v = "Escarp-Passw0rd!"
	case "binary":
		v = "escarp"
	case "int32", "int64":
		v = "1"
	default:
		if s.Pattern != "" {
			if g, ok := FromPattern(s.Pattern); ok {
				return fit(g, s, true)
			}
		}
		v = byNameString(name, url)
	}
	return fit(v, s, s.Pattern == "")
}

// fit pads or cuts v to the schema's length bounds.
func fit(v string, s *escarp.Schema, pad bool) string {
	if s.MinLength != nil && int64(len([]rune(v))) < *s.MinLength && pad {
		n := int(min(*s.MinLength, 1<<16))
		v += strings.Repeat("x", n-len([]rune(v)))
	}
	if s.MaxLength != nil && int64(len([]rune(v))) > *s.MaxLength {
		v = string([]rune(v)[:*s.MaxLength])
	}
	return v
}

func byName(name, url string) any {
	n := strings.ToLower(name)
	if n == "id" || strings.HasSuffix(n, "_id") || strings.HasSuffix(n, "id") && len(n) > 2 {
		return "1"
	}
	return byNameString(name, url)
}

func byNameString(name, url string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "email"):
		return "escarp@example.com"
	case strings.Contains(n, "url") || strings.Contains(n, "uri") || strings.Contains(n, "webhook") || strings.Contains(n, "callback") || strings.Contains(n, "link"):
		return url
	case strings.Contains(n, "phone"):
		return "+15555550100"
	case strings.Contains(n, "password") || n == "pass" || n == "pwd":
		return "Escarp-Passw0rd!"
	case strings.Contains(n, "date"):
		return "2024-01-02"
	case n == "id" || strings.HasSuffix(n, "id"):
		return "1"
	case strings.Contains(n, "name"):
		return "escarp"
	}
	return "escarp"
}

// FromPattern returns a string matching the regular expression pattern (as
// Go's regexp understands it; most ECMA-262 patterns in specs are
// compatible). ok is false when the pattern does not parse or uses
// constructs (look-around, back references) that cannot be generated.
func FromPattern(pattern string) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	re = re.Simplify()
	var b strings.Builder
	if !emit(&b, re, 0) {
		return "", false
	}
	// Anchors in the middle or classes that exclude the chosen rune can
	// make the simple choice wrong: keep only values that really match.
	if m, err := regexp.MatchString(pattern, b.String()); err != nil || !m {
		return "", false
	}
	return b.String(), true
}

// emit writes one string matching re, choosing the first alternative and
// the minimal repetition (at least one for unbounded +).
func emit(b *strings.Builder, re *syntax.Regexp, depth int) bool {
	if depth > 50 || b.Len() > 4096 {
		return false
	}
	switch re.Op {
	case syntax.OpNoMatch:
		return false
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			b.WriteRune(r)
		}
		return true
	case syntax.OpCharClass:
		b.WriteRune(pickRune(re.Rune))
		return true
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		b.WriteByte('a')
		return true
	case syntax.OpCapture:
		return emit(b, re.Sub[0], depth+1)
	case syntax.OpStar, syntax.OpQuest:
		return true
	case syntax.OpPlus:
		return emit(b, re.Sub[0], depth+1)
	case syntax.OpRepeat:
		n := re.Min
		if n < 1 && re.Max != 0 {
			n = 1
		}
		if re.Max >= 0 && n > re.Max {
			n = re.Max
		}
		for i := 0; i < n; i++ {
			if !emit(b, re.Sub[0], depth+1) {
				return false
			}
		}
		return true
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !emit(b, s, depth+1) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			var alt strings.Builder
			alt.WriteString(b.String())
			if emit(&alt, s, depth+1) {
				b.Reset()
				b.WriteString(alt.String())
				return true
			}
		}
		return false
	}
	return false
}

// pickRune returns a readable rune from a class given as ranges, preferring
// letters and digits.
func pickRune(ranges []rune) rune {
	for _, want := range []rune{'a', 'A', '0', 'x', '-', '_'} {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= want && want <= ranges[i+1] {
				return want
			}
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		lo := ranges[i]
		if lo >= '!' && lo <= '~' {
			return lo
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i] > ' ' {
			return ranges[i]
		}
	}
	if len(ranges) > 0 {
		return ranges[0]
	}
	return 'a'
}
