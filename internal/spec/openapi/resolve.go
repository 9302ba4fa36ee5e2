package openapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pb33f/go-yaml"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/yamllimit"
)

// maxRefHops bounds a chain of references ($ref to a $ref to ...).
const maxRefHops = 32

// document is one parsed file: the root document or one reached through a
// $ref.
type document struct {
	loc  string // canonical location: a cleaned file path or an absolute URL
	data []byte
	root *yaml.Node // the document's top node (a mapping for OpenAPI), never a DocumentNode
	keys *keyIndex  // indexes of its large mappings, for pointer lookups
}

// keyIndex finds keys in large mappings without scanning them: pointer
// lookups into a mapping of thousands of paths or schemas would otherwise
// make loading and auditing quadratic in the document's size.
type keyIndex struct {
	mu sync.Mutex
	m  map[*yaml.Node]map[string]int // mapping → key → index of the key node in Content
}

// indexFrom is the size from which a mapping is indexed.
const indexFrom = 64

// get is [get] through the index.
func (x *keyIndex) get(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = deref(n)
	if x == nil || n == nil || n.Kind != yaml.MappingNode || len(n.Content) < 2*indexFrom {
		return get(n, key)
	}
	x.mu.Lock()
	keys, ok := x.m[n]
	if !ok {
		keys = make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if _, dup := keys[n.Content[i].Value]; !dup {
				keys[n.Content[i].Value] = i
			}
		}
		if x.m == nil {
			x.m = map[*yaml.Node]map[string]int{}
		}
		x.m[n] = keys
	}
	x.mu.Unlock()
	i, ok := keys[key]
	if !ok {
		return nil, nil
	}
	return n.Content[i], deref(n.Content[i+1])
}

// pos returns the position of n in d.
func (d *document) pos(n *yaml.Node) escarp.Position {
	if n == nil {
		return escarp.Position{File: d.loc}
	}
	return escarp.Position{File: d.loc, Line: n.Line, Column: n.Column}
}

// target is where a (possibly referenced) element is defined.
type target struct {
	doc  *document
	key  *yaml.Node // the mapping key of the definition, when it is a map entry
	node *yaml.Node // the definition, aliases followed
	ptr  string     // pointer of node in doc
	// comp is the name of the root document component the chain went
	// through ("Pet" for #/components/schemas/Pet), with compKind its
	// section ("schemas", "definitions"), so shared schemas keep the name
	// users know even when the component itself is a $ref to a file.
	comp, compKind string
	via            string // the last $ref text followed, or ""
}

// pos returns the position of the definition: its key for a map entry.
func (t target) pos() escarp.Position {
	if t.key != nil {
		return t.doc.pos(t.key)
	}
	return t.doc.pos(t.node)
}

// deref follows YAML aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return deref(n.Content[0])
	}
	return n
}

// get returns the key and value nodes of key in mapping n.
func get(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], deref(n.Content[i+1])
		}
	}
	return nil, nil
}

// val returns the value node of key in mapping n.
func val(n *yaml.Node, key string) *yaml.Node {
	_, v := get(n, key)
	return v
}

// has reports whether mapping n has key.
func has(n *yaml.Node, key string) bool {
	k, _ := get(n, key)
	return k != nil
}

// each calls fn for every entry of mapping n, in document order.
func each(n *yaml.Node, fn func(k, v *yaml.Node)) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], deref(n.Content[i+1]))
	}
}

// items returns the items of sequence n, aliases followed.
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out
}

// str returns the scalar value of n, or "".
func str(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// sval returns the scalar value of key in mapping n.
func sval(n *yaml.Node, key string) string { return str(val(n, key)) }

// bval returns the boolean value of key in mapping n.
func bval(n *yaml.Node, key string) bool {
	b, _ := boolOf(val(n, key))
	return b
}

// boolOf parses a boolean scalar.
func boolOf(n *yaml.Node) (value, ok bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch strings.ToLower(n.Value) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}

// strs returns a sequence of scalars as strings (or a single scalar as one).
func strs(n *yaml.Node) []string {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}
	}
	var out []string
	for _, c := range items(n) {
		if c != nil && c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

// refOf returns the $ref string of n when n is a reference object.
func refOf(n *yaml.Node) (ref string, node *yaml.Node, ok bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return "", nil, false
	}
	k, v := get(n, "$ref")
	if k == nil || v == nil || v.Kind != yaml.ScalarNode {
		return "", nil, false
	}
	return v.Value, v, true
}

// esc escapes a JSON pointer token.
func esc(s string) string { return escarp.EscapePointer(s) }

// unesc unescapes a JSON pointer token.
func unesc(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return pointerUnescaper.Replace(s)
}

// lookupIn evaluates a JSON pointer in root, with the key index of root's
// document (nil scans). It returns the key node when the last step is a
// mapping key.
func lookupIn(x *keyIndex, root *yaml.Node, ptr string) (key, node *yaml.Node, err error) {
	node = deref(root)
	if ptr == "" || ptr == "/" && node != nil && node.Kind != yaml.MappingNode {
		return nil, node, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, nil, fmt.Errorf("JSON pointer %q does not start with /", ptr)
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = unesc(tok)
		switch {
		case node == nil:
			return nil, nil, fmt.Errorf("%q not found", ptr)
		case node.Kind == yaml.MappingNode:
			k, v := x.get(node, tok)
			if k == nil {
				return nil, nil, fmt.Errorf("%q not found", ptr)
			}
			key, node = k, v
		case node.Kind == yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(node.Content) {
				return nil, nil, fmt.Errorf("%q not found", ptr)
			}
			key, node = nil, deref(node.Content[i])
		default:
			return nil, nil, fmt.Errorf("%q not found", ptr)
		}
	}
	return key, node, nil
}

// follow resolves n when it is a $ref (following chains), else returns n
// itself as the target. key is n's mapping key, if any, and ptr its pointer
// in d.
func (l *loader) follow(d *document, key, n *yaml.Node, ptr string) (target, error) {
	t := target{doc: d, key: key, node: deref(n), ptr: ptr}
	for hop := 0; ; hop++ {
		ref, refNode, ok := refOf(t.node)
		if !ok {
			return t, nil
		}
		if hop == maxRefHops {
			return t, escarp.InvalidAt(t.doc.pos(refNode), "$ref %q: more than %d chained references (a reference cycle?)", ref, maxRefHops)
		}
		nd, frag, err := l.refDoc(t.doc, ref)
		if err != nil {
			return t, escarp.InvalidAt(t.doc.pos(refNode), "cannot resolve $ref %q: %w", ref, err)
		}
		k, v, err := lookupIn(nd.keys, nd.root, frag)
		if err != nil {
			return t, escarp.InvalidAt(t.doc.pos(refNode), "cannot resolve $ref %q: %w", ref, err)
		}
		if nd == l.root && t.comp == "" {
			parts := strings.Split(frag, "/")
			switch {
			case len(parts) == 4 && parts[1] == "components":
				t.comp, t.compKind = unesc(parts[3]), parts[2]
			case len(parts) == 3 && (parts[1] == "definitions" || parts[1] == "parameters" || parts[1] == "responses"):
				t.comp, t.compKind = unesc(parts[2]), parts[1]
			}
		}
		t = target{doc: nd, key: k, node: v, ptr: frag, comp: t.comp, compKind: t.compKind, via: ref}
	}
}

// refDoc splits ref into a document and a fragment, loading the document
// when it is another file.
func (l *loader) refDoc(from *document, ref string) (*document, string, error) {
	file, frag, _ := strings.Cut(ref, "#")
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	if file == "" {
		return from, frag, nil
	}
	loc, err := resolveLocation(from.loc, file)
	if err != nil {
		return nil, "", err
	}
	d, err := l.load(loc)
	if err != nil {
		return nil, "", err
	}
	return d, frag, nil
}

// resolveLocation resolves ref against base (a file path or a URL).
func resolveLocation(base, ref string) (string, error) {
	if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return u.String(), nil
	}
	if bu, err := url.Parse(base); err == nil && (bu.Scheme == "http" || bu.Scheme == "https") {
		ru, err := url.Parse(ref)
		if err != nil {
			return "", err
		}
		return bu.ResolveReference(ru).String(), nil
	}
	ref = strings.TrimPrefix(ref, "file://")
	if p, err := url.PathUnescape(ref); err == nil {
		ref = p
	}
	if filepath.IsAbs(ref) {
		return filepath.Clean(ref), nil
	}
	return filepath.Join(filepath.Dir(base), filepath.FromSlash(ref)), nil
}

// load returns the referenced document at loc, reading and parsing it once.
func (l *loader) load(loc string) (*document, error) {
	if d, ok := l.docs[loc]; ok {
		if d == nil {
			return nil, l.docErrs[loc]
		}
		return d, nil
	}
	if len(l.docs) >= l.opts.maxDocuments() {
		return nil, fmt.Errorf("more than %d referenced documents", l.opts.maxDocuments())
	}
	l.docs[loc] = nil
	data, err := l.opts.fetch(l.ctx, loc)
	if err != nil {
		l.docErrs[loc] = err
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		err = parseError(loc, data, err)
		l.docErrs[loc] = err
		return nil, err
	}
	if err := yamllimit.CheckPB(loc, &n); err != nil {
		l.docErrs[loc] = err
		return nil, err
	}
	d := &document{loc: loc, data: data, root: deref(&n), keys: &keyIndex{}}
	l.docs[loc] = d
	return d, nil
}

// fetch reads loc with the configured fetcher, or from the file system.
func (o Options) fetch(ctx context.Context, loc string) ([]byte, error) {
	if o.Fetch != nil {
		return o.Fetch(ctx, loc)
	}
	if strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://") {
		return nil, errors.New("remote references are not enabled")
	}
	return os.ReadFile(loc)
}

// relName names document d relative to the root document, for Schema.Ref.
func (l *loader) relName(d *document) string {
	if d == l.root {
		return ""
	}
	if rel, err := filepath.Rel(filepath.Dir(l.root.loc), d.loc); err == nil && !strings.Contains(d.loc, "://") {
		return filepath.ToSlash(rel)
	}
	return d.loc
}

// baseName is the file name of loc without its extension ("Pet" for
// "schemas/Pet.yaml").
func baseName(loc string) string {
	b := path.Base(filepath.ToSlash(loc))
	if i := strings.IndexByte(b, '.'); i > 0 {
		b = b[:i]
	}
	return b
}

// pointerUnescaper is built once: a Replacer builds its tables on first use.
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
