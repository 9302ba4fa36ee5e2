package escarp

import (
	"net/url"
	"strings"
	"unicode"
)

// PathTemplate is a path template parsed from any router's syntax: the one
// model of paths and routes that specs, code routes, traffic, the scan
// engine, checks and audit rules share.
//
// [ParsePathTemplate] reads OpenAPI ("/users/{id}"), Express, Gin, Echo
// and Fiber (":id", ":id?", ":id(\\d+)", "*path", "*"), Flask and Django
// ("<id>", "<int:id>", "<path:rest>"), gorilla/mux and chi ("{id:[0-9]+}"),
// ASP.NET ("{id:int}", "{*rest}") and net/http ("{id}", "{rest...}", "{$}")
// templates. A parameter is a whole segment or part of one
// ("/files/{name}.{ext}", "/a-:b"); a catch-all parameter ("*rest",
// "{rest...}", "<path:rest>", "{*rest}") matches the rest of the path,
// slashes included.
//
// The zero PathTemplate is "/". PathTemplate values are immutable.
type PathTemplate struct {
	segs []pathSegment
	// trailing records a trailing slash after the last segment.
	trailing bool
}

// pathSegment is one "/"-separated segment: literal text and parameters.
type pathSegment struct {
	parts []pathPart
}

// pathPart is literal text (param == "") or one parameter.
type pathPart struct {
	lit      string
	param    string
	catchAll bool
}

// ParsePathTemplate parses a path template. It never fails: text it does
// not recognize as a parameter stays literal, an unterminated "{" opens a
// parameter that runs to the end, a parameter without a name is called
// "param" (a bare "*" "wildcard"), and a missing leading slash is implied.
// Empty segments ("//") are dropped; a trailing slash is kept.
func ParsePathTemplate(s string) PathTemplate {
	var t PathTemplate
	var seg pathSegment
	var lit strings.Builder
	flushLit := func() {
		if lit.Len() > 0 {
			seg.parts = append(seg.parts, pathPart{lit: lit.String()})
			lit.Reset()
		}
	}
	endSeg := func() {
		flushLit()
		if len(seg.parts) > 0 {
			t.segs = append(t.segs, seg)
		}
		seg = pathSegment{}
	}
	param := func(name string, catchAll bool) {
		flushLit()
		name = paramName(name)
		seg.parts = append(seg.parts, pathPart{param: name, catchAll: catchAll})
	}
	// segStart reports whether position i may open a ":name", "*name" or
	// "<name>" parameter: at the start of a segment or after '-' or '.'.
	segStart := func(i int) bool {
		return i == 0 || s[i-1] == '/' || s[i-1] == '-' || s[i-1] == '.'
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/':
			endSeg()
		case c == '{':
			j, depth := i, 0
			for ; j < len(s); j++ {
				if s[j] == '{' {
					depth++
				} else if s[j] == '}' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			inner := s[i+1 : min(j, len(s))]
			i = j
			name, pattern, hasPattern := strings.Cut(inner, ":")
			name = strings.TrimSpace(name)
			if name == "$" && !hasPattern {
				continue // net/http's end anchor
			}
			catchAll := false
			if rest, ok := strings.CutSuffix(name, "..."); ok {
				name, catchAll = rest, true
			}
			if rest, ok := strings.CutPrefix(name, "*"); ok {
				name, catchAll = rest, true
			}
			if hasPattern && (pattern == ".*" || pattern == ".+") {
				catchAll = true
			}
			param(name, catchAll)
		case c == '<' && segStart(i):
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				lit.WriteByte(c)
				continue
			}
			inner := s[i+1 : i+j]
			i += j
			conv, name, ok := strings.Cut(inner, ":")
			if !ok {
				conv, name = "", inner
			}
			param(name, conv == "path")
		case (c == ':' || c == '*') && segStart(i):
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			name := s[i+1 : j]
			if c == ':' && name == "" {
				lit.WriteByte(c)
				continue
			}
			if j < len(s) && s[j] == '(' { // Express: ":id(\\d+)"
				depth := 0
				for ; j < len(s); j++ {
					if s[j] == '(' {
						depth++
					} else if s[j] == ')' {
						depth--
						if depth == 0 {
							j++
							break
						}
					}
				}
			}
			if j < len(s) && s[j] == '?' { // optional parameter (Express, Fiber)
				j++
			}
			if c == '*' && name == "" {
				name = "wildcard"
			}
			param(name, c == '*')
			i = j - 1
		default:
			lit.WriteByte(c)
		}
	}
	endSeg()
	t.trailing = len(t.segs) > 0 && (strings.HasSuffix(s, "/") || strings.HasSuffix(s, "/{$}"))
	return t
}

// paramName cleans a parameter name so that the OpenAPI form parses back
// to the same template: no braces, slashes, router punctuation or spaces,
// no trailing dots; "param" when nothing is left.
func paramName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune("{}/:<>*()?", r) || unicode.IsSpace(r) || unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimRight(name, ".")
	if name == "" || name == "$" {
		return "param"
	}
	return name
}

func isNameByte(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// String returns the template in OpenAPI form: "/users/{id}".
func (t PathTemplate) String() string { return t.format(false) }

// Key returns the form two templates are compared in: the OpenAPI form
// with parameter names erased and no trailing slash. "/users/:id/",
// "/users/{userId}" and "/users/<int:id>" have the key "/users/{}".
func (t PathTemplate) Key() string { return t.format(true) }

func (t PathTemplate) format(key bool) string {
	if len(t.segs) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, s := range t.segs {
		b.WriteByte('/')
		s.write(&b, key)
	}
	if t.trailing && !key {
		b.WriteByte('/')
	}
	return b.String()
}

func (s pathSegment) write(b *strings.Builder, key bool) {
	for _, p := range s.parts {
		switch {
		case p.param == "":
			b.WriteString(p.lit)
		case key:
			b.WriteString("{}")
		default:
			b.WriteString("{" + p.param + "}")
		}
	}
}

// Params returns the parameter names in order.
func (t PathTemplate) Params() []string {
	var out []string
	for _, s := range t.segs {
		for _, p := range s.parts {
			if p.param != "" {
				out = append(out, p.param)
			}
		}
	}
	return out
}

// PathSegment is one segment of a [PathTemplate].
type PathSegment struct {
	// Text is the segment in OpenAPI form: "users", "{id}", "{name}.{ext}".
	Text string
	// Param is the parameter's name when the whole segment is one
	// parameter, else "".
	Param string
}

// Segments returns the template's segments.
func (t PathTemplate) Segments() []PathSegment {
	out := make([]PathSegment, len(t.segs))
	for i, s := range t.segs {
		var b strings.Builder
		s.write(&b, false)
		out[i].Text = b.String()
		if len(s.parts) == 1 {
			out[i].Param = s.parts[0].param
		}
	}
	return out
}

// Last returns the last segment; the zero PathSegment for "/".
func (t PathTemplate) Last() PathSegment {
	if len(t.segs) == 0 {
		return PathSegment{}
	}
	return PathTemplate{segs: t.segs[len(t.segs)-1:]}.Segments()[0]
}

// Parent returns the template without its last segment: "/orders/{id}"
// for "/orders/{id}/pay"; "/" for "/" and one-segment templates.
func (t PathTemplate) Parent() PathTemplate {
	if len(t.segs) == 0 {
		return t
	}
	return PathTemplate{segs: t.segs[:len(t.segs)-1]}
}

// Match reports whether a concrete path matches the template and returns
// the parameter values as they appear in the path (still escaped).
// Literal text compares exactly; empty segments and a trailing slash of
// the path are ignored; a parameter matches one or more characters of one
// segment, a catch-all one or more segments.
func (t PathTemplate) Match(path string) (map[string]string, bool) {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	m := matcher{values: map[string]string{}, failed: map[matchKey]bool{}}
	if !m.segments(t.segs, segs) {
		return nil, false
	}
	return m.values, true
}

// matcher matches a template against a path, remembering the (template
// position, path position) pairs that failed so that backtracking over
// several catch-alls stays polynomial.
type matcher struct {
	values map[string]string
	failed map[matchKey]bool
}

// matchKey is a position of the match: the template and path segments
// left.
type matchKey struct{ tsegs, segs int }

func (m *matcher) segments(tsegs []pathSegment, segs []string) bool {
	if len(tsegs) == 0 {
		return len(segs) == 0
	}
	key := matchKey{len(tsegs), len(segs)}
	if m.failed[key] {
		return false
	}
	ts := tsegs[0]
	if len(ts.parts) == 1 && ts.parts[0].catchAll {
		// A catch-all segment takes one or more segments, as few as the
		// rest of the template allows.
		for n := 1; n <= len(segs); n++ {
			if m.segments(tsegs[1:], segs[n:]) {
				m.values[ts.parts[0].param] = strings.Join(segs[:n], "/")
				return true
			}
		}
	} else if len(segs) > 0 && m.parts(ts.parts, segs[0]) && m.segments(tsegs[1:], segs[1:]) {
		return true
	}
	m.failed[key] = true
	return false
}

// parts matches one segment's parts against text without backtracking:
// a parameter followed by literal text ends where that text first
// occurs, the segment's last parameter takes everything up to the
// literal suffix, and a parameter directly followed by another takes one
// character. "{name}.{ext}" matches "report.tar.gz" with name "report"
// and ext "tar.gz"; "{name}.json" matches "a.b.json" with name "a.b".
func (m *matcher) parts(parts []pathPart, text string) bool {
	for i, p := range parts {
		if p.param == "" {
			rest, ok := strings.CutPrefix(text, p.lit)
			if !ok {
				return false
			}
			text = rest
			continue
		}
		last := true
		for _, q := range parts[i+1:] {
			if q.param != "" {
				last = false
			}
		}
		var v string
		switch {
		case i+1 == len(parts):
			v = text
		case last:
			suffix := parts[i+1].lit // adjacent literals are one part
			if len(text) > len(suffix) && strings.HasSuffix(text, suffix) {
				v = text[:len(text)-len(suffix)]
			}
		case parts[i+1].param != "":
			v = text[:min(1, len(text))]
		default:
			if len(text) > 0 {
				if j := strings.Index(text[1:], parts[i+1].lit); j >= 0 {
					v = text[:j+1]
				}
			}
		}
		if v == "" {
			return false
		}
		m.values[p.param] = v
		text = text[len(v):]
	}
	return text == ""
}

// Fill returns the concrete path with every parameter replaced by its
// value, path-escaped (a catch-all value keeps its slashes); ok is false
// when a value is missing.
func (t PathTemplate) Fill(values map[string]string) (string, bool) {
	if len(t.segs) == 0 {
		return "/", true
	}
	var b strings.Builder
	for _, s := range t.segs {
		b.WriteByte('/')
		for _, p := range s.parts {
			if p.param == "" {
				b.WriteString(p.lit)
				continue
			}
			v, ok := values[p.param]
			if !ok {
				return "", false
			}
			if p.catchAll {
				pieces := strings.Split(v, "/")
				for i, x := range pieces {
					pieces[i] = url.PathEscape(x)
				}
				b.WriteString(strings.Join(pieces, "/"))
			} else {
				b.WriteString(url.PathEscape(v))
			}
		}
	}
	if t.trailing {
		b.WriteByte('/')
	}
	return b.String(), true
}
