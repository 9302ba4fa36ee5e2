package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/escarp/escarp"
)

// schemaURL is the $id of escarp.ConfigSchema.
const schemaURL = "https://escarp.dev/schema/escarp.schema.json"

// compiled is the compiled escarp.ConfigSchema and its raw JSON document,
// which messages read property names and descriptions from.
var compiled = sync.OnceValues(func() (*compiledSchema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(escarp.ConfigSchema))
	if err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	return &compiledSchema{sch: sch, doc: doc}, nil
})

type compiledSchema struct {
	sch *jsonschema.Schema
	doc any
}

// ValidateFile reads the config at path and checks it: YAML syntax, every
// ${VAR} reference (each unset variable is reported), then the schema. name
// is how messages refer to the file. It returns nil when the file is valid.
func ValidateFile(path, name string, getenv func(string) (string, bool)) []error {
	data, err := os.ReadFile(path)
	if err != nil {
		return []error{&escarp.Error{Op: "config.ValidateFile", Kind: escarp.Invalid,
			Message: "reading " + name, Err: err}}
	}
	return ValidateData(name, data, getenv)
}

// ValidateData checks config data read from path (used in messages) like
// [ValidateFile].
func ValidateData(path string, data []byte, getenv func(string) (string, bool)) []error {
	var errs []error
	f, err := parse(path, data, getenv, &errs)
	if err != nil {
		return append(errs, err)
	}
	if len(errs) > 0 {
		// Values of unset variables are unknown: checking their types would
		// only add noise.
		return errs
	}
	return Validate(f)
}

// Validate checks f against escarp.ConfigSchema. Each violation is an
// *escarp.Error of kind Invalid whose position is the offending YAML node
// and whose message names the field ("identities[1].login.token: ..."). The
// errors are sorted by position; nil means f is valid.
func Validate(f *File) []error {
	cs, err := compiled()
	if err != nil {
		return []error{&escarp.Error{Op: "config.Validate", Kind: escarp.Internal, Err: err}}
	}
	if f.root == nil {
		return nil
	}
	v := &validation{file: f.Path, nodes: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}, cs: cs}
	inst, err := v.instance(f.root, "")
	if err != nil {
		return []error{err}
	}
	err = cs.sch.Validate(inst)
	var ve *jsonschema.ValidationError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ve) {
		return []error{&escarp.Error{Op: "config.Validate", Kind: escarp.Internal, Err: err}}
	}
	v.inst = inst
	v.collect(ve)
	slices.SortStableFunc(v.errs, func(a, b *escarp.Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column),
			strings.Compare(a.Message, b.Message))
	})
	out := make([]error, 0, len(v.errs))
	seen := map[string]bool{}
	for _, e := range v.errs {
		if s := e.Error(); !seen[s] {
			seen[s] = true
			out = append(out, e)
		}
	}
	return out
}

// validation maps JSON pointers of the instance back to YAML nodes.
type validation struct {
	file  string
	cs    *compiledSchema
	inst  any
	nodes map[string]*yaml.Node // pointer → value node
	keys  map[string]*yaml.Node // pointer → key node (object members)
	errs  []*escarp.Error
}

// instance converts n into the JSON value the schema validates, recording
// where each value came from.
func (v *validation) instance(n *yaml.Node, ptr string) (any, error) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if _, ok := v.nodes[ptr]; !ok {
		v.nodes[ptr] = n
	}
	switch n.Kind {
	case yaml.MappingNode:
		obj := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, v.at(k, ptr, "keys must be strings")
			}
			if k.Value == "<<" && k.ShortTag() == "!!merge" {
				// Merge keys: copy the members not set explicitly.
				m, err := v.instance(val, ptr)
				if err != nil {
					return nil, err
				}
				if mm, ok := m.(map[string]any); ok {
					for mk, mv := range mm {
						if _, set := obj[mk]; !set {
							obj[mk] = mv
						}
					}
				}
				continue
			}
			child := ptr + "/" + escarp.EscapePointer(k.Value)
			v.keys[child] = k
			x, err := v.instance(val, child)
			if err != nil {
				return nil, err
			}
			obj[k.Value] = x
		}
		return obj, nil
	case yaml.SequenceNode:
		arr := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			x, err := v.instance(c, ptr+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			arr = append(arr, x)
		}
		return arr, nil
	case yaml.ScalarNode:
		return v.scalar(n, ptr)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return v.instance(n.Content[0], ptr)
	}
	return nil, v.at(n, ptr, "unsupported YAML node")
}

func (v *validation) scalar(n *yaml.Node, ptr string) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, v.at(n, ptr, "%v", err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			return u, nil
		}
		return nil, v.at(n, ptr, "integer %s out of range", n.Value)
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, v.at(n, ptr, "%v", err)
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return n.Value, nil // not a JSON number; the schema reports a type error
		}
		return f, nil
	default:
		return n.Value, nil
	}
}

// at returns an error at n, naming the field at ptr.
func (v *validation) at(n *yaml.Node, ptr, format string, args ...any) *escarp.Error {
	msg := fmt.Sprintf(format, args...)
	if f := fieldName(ptr); f != "" {
		msg = f + ": " + msg
	}
	return &escarp.Error{Op: "config.Validate", Kind: escarp.Invalid,
		Pos: escarp.Position{File: v.file, Line: n.Line, Column: n.Column}, Message: msg}
}

// collect turns the leaves of the error tree into positioned errors.
func (v *validation) collect(ve *jsonschema.ValidationError) {
	causes := ve.Causes
	switch ve.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		// "want string" next to a more specific reason for the other
		// alternative is noise: keep the specific one.
		var specific []*jsonschema.ValidationError
		for _, c := range causes {
			if !typeOnly(c) {
				specific = append(specific, c)
			}
		}
		if len(specific) > 0 {
			causes = specific
		}
	}
	if len(causes) > 0 {
		for _, c := range causes {
			v.collect(c)
		}
		return
	}
	v.leaf(ve)
}

// typeOnly reports whether every leaf under ve is a type mismatch.
func typeOnly(ve *jsonschema.ValidationError) bool {
	if len(ve.Causes) == 0 {
		_, ok := ve.ErrorKind.(*kind.Type)
		return ok
	}
	for _, c := range ve.Causes {
		if !typeOnly(c) {
			return false
		}
	}
	return true
}

var printer = message.NewPrinter(language.English)

func (v *validation) leaf(ve *jsonschema.ValidationError) {
	ptr := ""
	for _, tok := range ve.InstanceLocation {
		ptr += "/" + escarp.EscapePointer(tok)
	}
	node := v.node(ptr)
	switch k := ve.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		known := v.schemaProperties(ve.SchemaURL)
		for _, p := range k.Properties {
			child := ptr + "/" + escarp.EscapePointer(p)
			n := v.keys[child]
			if n == nil {
				n = node
			}
			msg := "unknown field"
			if s := suggest(p, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			} else if len(known) > 0 {
				msg += " (known: " + strings.Join(known, ", ") + ")"
			}
			v.errs = append(v.errs, v.at(n, child, "%s", msg))
		}
		return
	case *kind.Required:
		for _, m := range k.Missing {
			v.errs = append(v.errs, v.at(node, ptr, "missing required field %s", m))
		}
		return
	case *kind.FalseSchema:
		// dependentSchemas/A/properties/B: false — B may not be used with A.
		if a, ok := dependentOn(ve.SchemaURL); ok {
			n := v.keys[ptr]
			if n == nil {
				n = node
			}
			v.errs = append(v.errs, v.at(n, ptr, "cannot be used together with %s", a))
			return
		}
		v.errs = append(v.errs, v.at(node, ptr, "not allowed here"))
		return
	case *kind.Type:
		v.errs = append(v.errs, v.at(node, ptr, "got %s, want %s", k.Got, strings.Join(k.Want, " or ")))
		return
	case *kind.Enum:
		want := make([]string, 0, len(k.Want))
		for _, w := range k.Want {
			want = append(want, fmt.Sprint(w))
		}
		v.errs = append(v.errs, v.at(node, ptr, "got %s, want one of %s", show(k.Got), strings.Join(want, ", ")))
		return
	case *kind.Pattern:
		if d := v.schemaDescription(ve.SchemaURL); d != "" {
			v.errs = append(v.errs, v.at(node, ptr, "got %s, want %s", show(k.Got), d))
			return
		}
	case *kind.MaxProperties:
		if props := v.schemaProperties(ve.SchemaURL); len(props) > 0 && k.Want == 1 {
			v.errs = append(v.errs, v.at(node, ptr, "give exactly one of %s", strings.Join(props, ", ")))
			return
		}
	case *kind.MinProperties:
		if props := v.schemaProperties(ve.SchemaURL); len(props) > 0 && k.Want == 1 {
			v.errs = append(v.errs, v.at(node, ptr, "give one of %s", strings.Join(props, ", ")))
			return
		}
	}
	v.errs = append(v.errs, v.at(node, ptr, "%s", ve.ErrorKind.LocalizedString(printer)))
}

// node returns the YAML node of ptr, or of its nearest ancestor.
func (v *validation) node(ptr string) *yaml.Node {
	for {
		if n, ok := v.nodes[ptr]; ok {
			return n
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return v.nodes[""]
		}
		ptr = ptr[:i]
	}
}

// schemaNode returns the raw schema object at an absolute schema location
// such as "https://…/escarp.schema.json#/$defs/scan".
func (v *validation) schemaNode(loc string) map[string]any {
	_, frag, _ := strings.Cut(loc, "#")
	frag, _ = url.PathUnescape(frag)
	toks := strings.Split(strings.TrimPrefix(frag, "/"), "/")
	if frag == "" {
		toks = nil
	}
	var cur any = v.cs.doc
	for _, t := range toks {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			cur = c[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	m, _ := cur.(map[string]any)
	return m
}

// schemaProperties lists the property names the schema at loc declares,
// directly or through one local $ref.
func (v *validation) schemaProperties(loc string) []string {
	s := v.schemaNode(loc)
	if s == nil {
		return nil
	}
	var names []string
	for _, m := range []map[string]any{s, v.ref(s)} {
		if props, ok := m["properties"].(map[string]any); ok {
			for p := range props {
				if !slices.Contains(names, p) {
					names = append(names, p)
				}
			}
		}
	}
	slices.Sort(names)
	return names
}

// ref resolves a local "$ref" of s, or returns nil.
func (v *validation) ref(s map[string]any) map[string]any {
	r, ok := s["$ref"].(string)
	if !ok || !strings.HasPrefix(r, "#/") {
		return nil
	}
	return v.schemaNode(r)
}

func (v *validation) schemaDescription(loc string) string {
	s := v.schemaNode(loc)
	d, _ := s["description"].(string)
	return d
}

// dependentOn reports A for a schema location ".../dependentSchemas/A/properties/B".
func dependentOn(loc string) (string, bool) {
	_, frag, _ := strings.Cut(loc, "#")
	toks := strings.Split(frag, "/")
	for i := 0; i+2 < len(toks); i++ {
		if toks[i] == "dependentSchemas" && toks[i+2] == "properties" {
			return toks[i+1], true
		}
	}
	return "", false
}

// fieldName renders a JSON pointer as a YAML path: /identities/0/login →
// identities[0].login.
func fieldName(ptr string) string {
	if ptr == "" {
		return ""
	}
	var b strings.Builder
	for _, t := range strings.Split(ptr[1:], "/") {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// suggest returns the known name closest to name, when it is close.
func suggest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(name), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
