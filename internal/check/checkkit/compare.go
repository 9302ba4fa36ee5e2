package checkkit

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// leaf is one scalar of a JSON document: the name of the member holding it
// (array indexes dropped, so that reordered lists still compare) and its
// value as text.
type leaf struct {
	key   string
	value string
	// distinctive values identify an object: strings of 4 or more
	// characters and numbers of 3 or more digits, not booleans or small
	// counters.
	distinctive bool
}

// volatileKey matches members whose values change between two identical
// requests: clocks, request ids, nonces, CSRF tokens.
var volatileKey = regexp.MustCompile(`(?i)(time|date|_at$|[a-z]At$|^at$|timestamp|nonce|request_?id|requestId|trace|span|csrf|expires|expiry|^now$|etag|duration|latency|took)`)

// maxLeaves bounds the work done on one body.
const maxLeaves = 5000

// leaves returns the non-volatile scalars of a JSON body, or nil when the
// body is not JSON.
func leaves(body []byte) []leaf {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || (body[0] != '{' && body[0] != '[') {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	out := []leaf{}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		if len(out) >= maxLeaves {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			names := slices.Sorted(maps.Keys(x))
			for _, k := range names {
				if volatileKey.MatchString(k) {
					continue
				}
				walk(k, x[k])
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			out = append(out, leaf{key, x, len(x) >= 4})
		case json.Number:
			s := x.String()
			digits := strings.TrimLeft(strings.TrimPrefix(s, "-"), "0")
			out = append(out, leaf{key, s, len(digits) >= 3})
		case bool:
			out = append(out, leaf{key, strconv.FormatBool(x), false})
		case nil:
			// null carries no data
		}
	}
	walk("", v)
	return out
}

// Substantial reports whether a body carries object data worth comparing:
// a JSON document with at least two scalars, one of them distinctive, or a
// non-JSON body of 32 bytes or more. An empty body, {"ok": true} or a bare
// status string is not.
func Substantial(body []byte) bool {
	l := leaves(body)
	if l == nil {
		return len(bytes.TrimSpace(body)) >= 32 && !looksHTML(body)
	}
	if len(l) < 2 {
		return false
	}
	for _, x := range l {
		if x.distinctive {
			return true
		}
	}
	return false
}

func looksHTML(body []byte) bool {
	b := bytes.ToLower(bytes.TrimSpace(body))
	return bytes.HasPrefix(b, []byte("<!doctype html")) || bytes.HasPrefix(b, []byte("<html"))
}

// Similarity returns the share of base's data found in other: for JSON, the
// fraction of base's non-volatile member=value pairs that other holds too
// (as a multiset, so reordered lists compare equal); for other bodies, 1
// when equal after trimming and 0 otherwise. It is 0 when base carries no
// data.
func Similarity(base, other []byte) float64 {
	lb, lo := leaves(base), leaves(other)
	if lb == nil || lo == nil {
		if lb == nil && lo == nil && len(bytes.TrimSpace(base)) > 0 && bytes.Equal(bytes.TrimSpace(base), bytes.TrimSpace(other)) {
			return 1
		}
		return 0
	}
	if len(lb) == 0 {
		return 0
	}
	have := make(map[string]int, len(lo))
	for _, x := range lo {
		have[x.key+"\x00"+x.value]++
	}
	match := 0
	for _, x := range lb {
		k := x.key + "\x00" + x.value
		if have[k] > 0 {
			have[k]--
			match++
		}
	}
	return float64(match) / float64(len(lb))
}

// Shared returns the distinctive values of base that other holds under the
// same member name, at most max of them: the owner's e-mail, name or id
// that leaked.
func Shared(base, other []byte, max int) []string {
	lb, lo := leaves(base), leaves(other)
	have := make(map[string]bool, len(lo))
	for _, x := range lo {
		have[x.key+"\x00"+x.value] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, x := range lb {
		if !x.distinctive || !have[x.key+"\x00"+x.value] || seen[x.key] {
			continue
		}
		seen[x.key] = true
		out = append(out, x.key)
		if len(out) == max {
			break
		}
	}
	return out
}

// ShapeSimilarity returns the share of base's member names that other has
// too: two answers of the same kind (a created object, a list) have the
// same shape even when their values differ.
func ShapeSimilarity(base, other []byte) float64 {
	lb, lo := leaves(base), leaves(other)
	if lb == nil || lo == nil || len(lb) == 0 {
		return Similarity(base, other)
	}
	have := map[string]bool{}
	for _, x := range lo {
		have[x.key] = true
	}
	want := map[string]bool{}
	for _, x := range lb {
		want[x.key] = true
	}
	match := 0
	for k := range want {
		if have[k] {
			match++
		}
	}
	return float64(match) / float64(len(want))
}

// Decode parses a JSON body, keeping numbers exact. It returns nil when the
// body is not JSON.
func Decode(body []byte) any {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	return v
}

// Object parses a JSON object body, or returns nil.
func Object(body []byte) map[string]any {
	m, _ := Decode(body).(map[string]any)
	return m
}

// Lookup returns the member name of obj (searched depth first, objects
// only, up to depth 3, also inside a "data" or "result" envelope) and its
// value; ok is false when absent.
func Lookup(obj map[string]any, name string) (any, bool) {
	return lookup(obj, name, 0)
}

func lookup(obj map[string]any, name string, depth int) (any, bool) {
	if obj == nil || depth > 3 {
		return nil, false
	}
	if v, ok := obj[name]; ok {
		return v, true
	}
	keys := slices.Sorted(maps.Keys(obj))
	for _, k := range keys {
		if m, ok := obj[k].(map[string]any); ok {
			if v, ok := lookup(m, name, depth+1); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// Text formats a decoded JSON scalar for comparison: numbers as written,
// strings as is, booleans as true/false, null as "null".
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
