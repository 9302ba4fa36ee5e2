package inventory

import (
	"strconv"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inflect"
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
		if kind := escarp.SegmentKind(seg); kind != "" {
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
		kind := escarp.SegmentKind(seg)
		var kn *node
		if known != nil {
			kn = known.lit[seg]
		}
		if kind == "" && (kn == nil || !kn.constant) && seen != nil && len(seen.lit) >= collapse && !escarp.VersionSegment(seg) && seg != "api" {
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

// Normalize rewrites a route in any router's syntax to its OpenAPI
// template ([escarp.PathTemplate]): ":id" and "{id:[0-9]+}" become "{id}",
// "*path" becomes "{path}", a bare "*" "{wildcard}".
func Normalize(route string) string { return escarp.ParsePathTemplate(route).String() }

func isParamSegment(seg string) bool {
	return strings.HasPrefix(seg, "{") || strings.HasPrefix(seg, ":") || strings.HasPrefix(seg, "*")
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
		if p := inflect.Singular(parent); p != "" && isWord(p) {
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
