package inventory

import (
	"strconv"
	"strings"
)

// DefaultCollapse is how many distinct literal siblings make a path
// position a parameter (Akto's string-merging threshold).
const DefaultCollapse = 10

// Templater turns raw request paths into path templates, as the
// reference's synthesis recommends, first answer wins:
//
//  1. authoritative templates: spec and code routes, OTel http.route and
//     the user's persisted rules (most specific match: literal segments beat
//     parameters);
//  2. literal paths the user pinned are never collapsed;
//  3. per-segment typing: integers, UUIDs, Mongo ObjectIds, long hex,
//     ISO dates, e-mail addresses, mixed alphanumeric ids and high-entropy
//     tokens become parameters; words, version tokens (v2, 1.0) and "api"
//     stay literal;
//  4. cardinality: a position with at least Collapse distinct literal
//     siblings, none of them a known constant, becomes a parameter.
//
// Parameters are named from their parent segment ("/users/{userId}").
// A Templater is not safe for concurrent use.
type Templater struct {
	// Collapse is the sibling cardinality threshold (DefaultCollapse when 0).
	Collapse int
	known    map[string]*node // service → trie of authoritative templates
	seen     map[string]*node // service → trie of observed literal segments
}

// node is a trie node over path segments.
type node struct {
	lit      map[string]*node
	param    *node
	template string // non-empty at the end of a known template
	pinned   bool   // a literal path the user pinned ends here
	// constant marks a literal segment from an authoritative template.
	constant bool
}

func (n *node) child(seg string) *node {
	if n.lit == nil {
		n.lit = make(map[string]*node)
	}
	c := n.lit[seg]
	if c == nil {
		c = &node{}
		n.lit[seg] = c
	}
	return c
}

// NewTemplater returns an empty Templater.
func NewTemplater() *Templater {
	return &Templater{known: map[string]*node{}, seen: map[string]*node{}}
}

func (t *Templater) root(m map[string]*node, service string) *node {
	r := m[service]
	if r == nil {
		r = &node{}
		m[service] = r
	}
	return r
}

// AddTemplate registers an authoritative template for a service. Segments
// in braces ("{id}"), colon form (":id"), or "*" are parameters.
func (t *Templater) AddTemplate(service, template string) {
	template = Normalize(template)
	n := t.root(t.known, service)
	forEachSegment(template, func(seg string) {
		if isParamSegment(seg) {
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
			return
		}
		n = n.child(seg)
		n.constant = true
	})
	n.template = template
}

// Pin registers a literal path that must never become a template (a user
// decision such as "/users/me").
func (t *Templater) Pin(service, path string) {
	n := t.root(t.known, service)
	forEachSegment(path, func(seg string) {
		n = n.child(seg)
		n.constant = true
	})
	n.pinned = true
	n.template = path
}

// Observe records a raw path so cardinality can collapse slug positions.
// Call it for every path of a batch before templating the batch.
func (t *Templater) Observe(service, path string) {
	n := t.root(t.seen, service)
	forEachSegment(stripQuery(path), func(seg string) {
		if kind := segmentKind(seg); kind != "" {
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
			return
		}
		n = n.child(seg)
	})
}

// Match returns the authoritative template of service matching path.
func (t *Templater) Match(service, path string) (string, bool) {
	r := t.known[service]
	if r == nil {
		return "", false
	}
	return match(r, stripQuery(path))
}

// match walks the trie preferring literal children, backtracking to the
// parameter child.
func match(n *node, path string) (string, bool) {
	for len(path) > 0 && path[0] == '/' {
		path = path[1:]
	}
	if path == "" {
		if n.template != "" {
			return n.template, true
		}
		return "", false
	}
	seg, rest := path, ""
	if i := strings.IndexByte(path, '/'); i >= 0 {
		seg, rest = path[:i], path[i:]
	}
	if c := n.lit[seg]; c != nil {
		if tpl, ok := match(c, rest); ok {
			return tpl, true
		}
	}
	if n.param != nil {
		return match(n.param, rest)
	}
	return "", false
}

// Template returns the template for a raw path of service.
func (t *Templater) Template(service, path string) string {
	path = stripQuery(path)
	if tpl, ok := t.Match(service, path); ok {
		return tpl
	}
	collapse := t.Collapse
	if collapse <= 0 {
		collapse = DefaultCollapse
	}
	known := t.known[service]
	seen := t.seen[service]
	var b strings.Builder
	b.Grow(len(path) + 8)
	var names [8]string // parameter names used so far (small paths)
	used := names[:0]
	parent := ""
	wrote := false
	forEachSegment(path, func(seg string) {
		wrote = true
		b.WriteByte('/')
		kind := segmentKind(seg)
		var kn *node
		if known != nil {
			kn = known.lit[seg]
		}
		if kind == "" && (kn == nil || !kn.constant) && seen != nil && len(seen.lit) >= collapse && !isVersion(seg) && seg != "api" {
			kind = "slug"
		}
		if kind == "" {
			b.WriteString(seg)
			parent = seg
			if known != nil {
				known = kn
			}
			if seen != nil {
				seen = seen.lit[seg]
			}
			return
		}
		name := paramName(parent, kind, used)
		used = append(used, name)
		b.WriteByte('{')
		b.WriteString(name)
		b.WriteByte('}')
		parent = ""
		if known != nil {
			known = known.param
		}
		if seen != nil {
			if kind == "slug" {
				// The slugs were observed as literals: follow this one.
				seen = seen.lit[seg]
			} else {
				seen = seen.param
			}
		}
	})
	if !wrote {
		return "/"
	}
	return b.String()
}

func stripQuery(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "/"
	}
	return p
}

// forEachSegment calls fn for each non-empty segment of path.
func forEachSegment(path string, fn func(seg string)) {
	start := -1
	for i := 0; i <= len(path); i++ {
		if i == len(path) || path[i] == '/' {
			if start >= 0 && i > start {
				fn(path[start:i])
			}
			start = i + 1
			continue
		}
		if start < 0 {
			start = i
		}
	}
}

// Normalize rewrites framework route syntax to OpenAPI templates:
// ":id" and "{id:[0-9]+}" become "{id}", "*path" and "*" become "{path}".
func Normalize(route string) string {
	if !strings.ContainsAny(route, ":*{") {
		return route
	}
	var b strings.Builder
	forEachSegment(route, func(seg string) {
		b.WriteByte('/')
		switch {
		case strings.HasPrefix(seg, ":"):
			b.WriteString("{" + strings.TrimSuffix(seg[1:], "?") + "}")
		case strings.HasPrefix(seg, "*"):
			name := seg[1:]
			if name == "" {
				name = "path"
			}
			b.WriteString("{" + name + "}")
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
			name := seg[1 : len(seg)-1]
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[:i]
			}
			b.WriteString("{" + strings.TrimSuffix(name, "...") + "}")
		default:
			b.WriteString(seg)
		}
	})
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

func isParamSegment(seg string) bool {
	return strings.HasPrefix(seg, "{") || strings.HasPrefix(seg, ":") || strings.HasPrefix(seg, "*")
}

// segmentKind classifies a raw segment: "" for a literal, else the kind of
// value ("id", "uuid", "date", "email", "token").
func segmentKind(s string) string {
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
	case isVersion(s):
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

// isVersion reports version tokens that stay literal: v1, V2, v1.2, 1.0.
func isVersion(s string) bool {
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

// paramName names a parameter from its parent segment: users → userId,
// and kind for dates, e-mails and tokens; names are unique in one path.
func paramName(parent, kind string, used []string) string {
	var name string
	switch kind {
	case "date", "email", "token":
		name = kind
	default:
		name = "id"
		if p := singular(parent); p != "" && isWord(p) {
			name = lowerFirst(camel(p)) + "Id"
			if kind == "slug" {
				name = lowerFirst(camel(p))
			}
		} else if kind == "slug" {
			name = "name"
		}
	}
	base, n := name, 1
	for contains(used, name) {
		n++
		name = base + strconv.Itoa(n)
	}
	return name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return len(s) > 1
}

// singular is a small English singularizer for resource names.
func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies") && len(s) > 4:
		return s[:len(s)-3] + "y"
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "xes"), strings.HasSuffix(s, "ches"), strings.HasSuffix(s, "shes"):
		return s[:len(s)-2]
	case strings.HasSuffix(s, "ss"), strings.HasSuffix(s, "us"):
		return s
	case strings.HasSuffix(s, "s") && len(s) > 2:
		return s[:len(s)-1]
	}
	return s
}

func camel(s string) string {
	if !strings.ContainsAny(s, "-_") {
		return s
	}
	var b strings.Builder
	up := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '_' {
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b.WriteByte(c)
	}
	return b.String()
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}
