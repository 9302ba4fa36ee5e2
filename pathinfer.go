package escarp

import (
	"strconv"
	"strings"
)

// InferPathTemplate turns a concrete path into a template: every segment
// that holds a value ([SegmentKind]) becomes a parameter named for its
// kind ("id" for ids and UUIDs, "date", "email", "token"), numbered when
// a name repeats: "/users/42/orders/7" → "/users/{id}/orders/{id2}".
// Segments that mix a value with other text ("3f2b….png") stay literal.
// Learning templates from many paths, with names taken from the parent
// segment, is internal/inventory's Templater.
func InferPathTemplate(path string) PathTemplate {
	var t PathTemplate
	seen := map[string]int{}
	for _, seg := range strings.Split(path, "/") {
		if seg == "" {
			continue
		}
		kind := SegmentKind(seg)
		if kind == "" {
			t.segs = append(t.segs, pathSegment{parts: []pathPart{{lit: seg}}})
			continue
		}
		name := kind
		if kind == "uuid" {
			name = "id"
		}
		seen[name]++
		if n := seen[name]; n > 1 {
			name += strconv.Itoa(n)
		}
		t.segs = append(t.segs, pathSegment{parts: []pathPart{{param: name}}})
	}
	t.trailing = len(t.segs) > 0 && strings.HasSuffix(path, "/")
	return t
}

// SegmentKind classifies one segment of a concrete path: "" for a literal
// (a word, a version such as v2 or 1.0), else the kind of value it holds:
// "id" (integers, Mongo ObjectIds, long hex, mixed alphanumeric ids such as
// INV-00042), "uuid", "date" (ISO), "email" or "token" (high-entropy or
// escaped values).
func SegmentKind(s string) string {
	n := len(s)
	if n == 0 {
		return ""
	}
	var digits, lower, upper, hex, other, dashes int
	for i := 0; i < n; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			hex++
		case c >= 'a' && c <= 'z':
			lower++
			if c <= 'f' {
				hex++
			}
		case c >= 'A' && c <= 'Z':
			upper++
			if c <= 'F' {
				hex++
			}
		case c == '-':
			dashes++
		default:
			other++
		}
	}
	switch {
	case digits == n:
		return "id"
	case n == 36 && dashes == 4 && hex == 32 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-':
		return "uuid"
	case hex == n && n >= 16 && digits > 0:
		return "id" // ObjectId (24 hex), hashes
	case n == 10 && dashes == 2 && digits == 8 && s[4] == '-' && s[7] == '-':
		return "date"
	case other > 0 && strings.IndexByte(s, '@') > 0 && strings.IndexByte(s, '.') > 0:
		return "email"
	case VersionSegment(s):
		return ""
	case n >= 20 && digits > 0 && lower > 0 && upper > 0:
		return "token" // high-entropy tokens (base64url, ULID-like)
	case n >= 6 && digits >= 3 && lower+upper >= 1 && other == 0:
		return "id" // mixed alphanumeric ids: ab12c3, INV-00042
	case other > 0 && digits > 0 && n >= 6 && strings.ContainsAny(s, "%=~"):
		return "token"
	}
	return ""
}

// VersionSegment reports version tokens, which stay literal: v1, V2,
// v1.2, 1.0.
func VersionSegment(s string) bool {
	if len(s) >= 2 && (s[0] == 'v' || s[0] == 'V') && s[1] >= '0' && s[1] <= '9' {
		s = s[1:]
		for i := 0; i < len(s); i++ {
			if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
				return false
			}
		}
		return len(s) <= 4
	}
	dot := strings.IndexByte(s, '.')
	if dot <= 0 || dot == len(s)-1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}
