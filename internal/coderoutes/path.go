package coderoutes

import (
	"strings"
)

// joinPath joins a router prefix and a route path with one slash between
// them, keeping the route's trailing slash.
func joinPath(prefix, p string) string {
	switch {
	case prefix == "":
		return p
	case p == "":
		return prefix
	}
	return strings.TrimSuffix(prefix, "/") + "/" + strings.TrimPrefix(p, "/")
}

// NormalizePath converts a path template in any framework's syntax to the
// OpenAPI form: ":id", "<id>", "<int:id>", "{id:[0-9]+}" and "{id}" become
// "{id}"; "*path" and "{path...}" become "{path}", a bare "*" becomes
// "{wildcard}"; net/http's "{$}" end anchor is dropped. A missing leading
// slash is added.
func NormalizePath(p string) string {
	var b strings.Builder
	b.Grow(len(p) + 2)
	if !strings.HasPrefix(p, "/") {
		b.WriteByte('/')
	}
	segStart := func(i int) bool {
		return i == 0 || p[i-1] == '/' || p[i-1] == '-' || p[i-1] == '.'
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '{':
			depth, j := 0, i
			for ; j < len(p); j++ {
				if p[j] == '{' {
					depth++
				} else if p[j] == '}' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			inner := p[i+1 : min(j, len(p))]
			if k := strings.IndexByte(inner, ':'); k >= 0 {
				inner = inner[:k]
			}
			inner = strings.TrimSuffix(strings.TrimSpace(inner), "...")
			if inner != "$" {
				if inner == "" {
					inner = "param"
				}
				b.WriteString("{" + inner + "}")
			}
			i = j
		case c == '<' && segStart(i):
			j := strings.IndexByte(p[i:], '>')
			if j < 0 {
				b.WriteByte(c)
				continue
			}
			inner := p[i+1 : i+j]
			if k := strings.LastIndexByte(inner, ':'); k >= 0 {
				inner = inner[k+1:]
			}
			if inner == "" {
				inner = "param"
			}
			b.WriteString("{" + inner + "}")
			i += j
		case (c == ':' || c == '*') && segStart(i):
			j := i + 1
			for j < len(p) && isNameByte(p[j]) {
				j++
			}
			name := p[i+1 : j]
			if j < len(p) && p[j] == '?' { // fiber's optional parameter
				j++
			}
			if name == "" {
				if c == ':' {
					b.WriteByte(c)
					continue
				}
				name = "wildcard"
			}
			b.WriteString("{" + name + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isNameByte(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// MatchKey is the form two path templates are compared in: the OpenAPI
// form with every parameter name erased and no trailing slash, so
// "/users/:id/", "/users/{userId}" and "/users/<int:id>" are equal.
func MatchKey(p string) string {
	n := NormalizePath(p)
	var b strings.Builder
	for i := 0; i < len(n); i++ {
		if n[i] == '{' {
			j := strings.IndexByte(n[i:], '}')
			if j >= 0 {
				b.WriteString("{}")
				i += j
				continue
			}
		}
		b.WriteByte(n[i])
	}
	k := b.String()
	for len(k) > 1 && strings.HasSuffix(k, "/") {
		k = k[:len(k)-1]
	}
	return k
}
