package openapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/escarp/escarp"
)

// maxSchemaDepth bounds the nesting of inline schemas.
const maxSchemaDepth = 256

// maxAliasUses bounds how many YAML aliases may stand for schemas (against
// alias bombs).
const maxAliasUses = 10000

// schema converts the schema node n (key k, pointer ptr in d). A $ref is
// resolved to the one shared *Schema of its definition; recursive schemas
// form cycles.
func (l *loader) schema(d *document, k, n *yaml.Node, ptr string, depth int) *escarp.Schema {
	if n == nil {
		return nil
	}
	if depth > maxSchemaDepth {
		l.warn(d.pos(n), "schema nested deeper than %d levels: the rest is ignored", maxSchemaDepth)
		return nil
	}
	if n.Kind == yaml.AliasNode {
		// YAML aliases share their schema; a recursive one (an alias inside
		// its own anchor) cannot be represented without a $ref.
		target := deref(n)
		if l.aliasUses++; l.aliasUses > maxAliasUses {
			l.fail(escarp.InvalidAt(d.pos(n), "more than %d YAML aliases to schemas", maxAliasUses))
			return nil
		}
		if s, ok := l.aliases[target]; ok {
			if s == nil {
				l.fail(escarp.InvalidAt(d.pos(n), "recursive YAML alias %q: use a $ref for recursive schemas", n.Value))
			}
			return s
		}
		l.aliases[target] = nil // in progress
		s := &escarp.Schema{}
		l.fill(s, d, k, target, ptr, depth)
		l.aliases[target] = s
		return s
	}
	if _, _, ok := refOf(n); ok {
		t, err := l.follow(d, k, n, ptr)
		if err != nil {
			l.fail(err)
			return nil
		}
		return l.refSchema(t, "", t.comp, depth)
	}
	s := &escarp.Schema{}
	l.fill(s, d, k, deref(n), ptr, depth)
	return s
}

// schemaAt converts the schema under key in mapping parent (at ptr).
func (l *loader) schemaAt(d *document, parent *yaml.Node, key, ptr string) *escarp.Schema {
	k, _ := get(parent, key)
	if k == nil {
		return nil
	}
	parent = deref(parent)
	for i := 0; i+1 < len(parent.Content); i += 2 {
		if parent.Content[i] == k {
			return l.schema(d, k, parent.Content[i+1], ptr+"/"+esc(key), 0)
		}
	}
	return nil
}

// refSchema returns the shared schema of a resolved definition, creating and
// filling it on first use. ref and name override the naming (for the
// document's own named schemas).
func (l *loader) refSchema(t target, ref, name string, depth int) *escarp.Schema {
	key := t.doc.loc + "#" + t.ptr
	if s, ok := l.schemas[key]; ok {
		return s
	}
	s := &escarp.Schema{Ref: ref, Name: name}
	if s.Ref == "" {
		switch {
		case t.comp != "" && (t.compKind == "schemas" || t.compKind == "definitions"):
			s.Name = t.comp
			if l.v2 {
				s.Ref = "#/definitions/" + esc(t.comp)
			} else {
				s.Ref = "#/components/schemas/" + esc(t.comp)
			}
		case t.doc == l.root:
			s.Ref = "#" + t.ptr
		case t.ptr == "":
			s.Ref = l.relName(t.doc)
		default:
			s.Ref = l.relName(t.doc) + "#" + t.ptr
		}
	}
	if s.Name == "" {
		if t.ptr == "" {
			s.Name = baseName(t.doc.loc)
		} else {
			s.Name = unesc(t.ptr[strings.LastIndexByte(t.ptr, '/')+1:])
		}
	}
	l.schemas[key] = s
	l.fill(s, t.doc, t.key, t.node, t.ptr, depth+1)
	return s
}

// inlineSchema converts a Swagger 2.0 parameter or header, which carries its
// schema keywords inline, into a schema.
func (l *loader) inlineSchema(d *document, k, n *yaml.Node, ptr string) *escarp.Schema {
	s := &escarp.Schema{}
	l.fill(s, d, k, n, ptr, 0)
	s.Required = nil // a parameter's required is a boolean, not a list
	s.Description = ""
	return s
}

// fill sets s from the schema node n.
func (l *loader) fill(s *escarp.Schema, d *document, k, n *yaml.Node, ptr string, depth int) {
	n = deref(n)
	s.Pointer = ptr
	s.Pos = d.pos(n)
	if k != nil {
		s.Pos = d.pos(k)
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return // a boolean schema (3.1) or garbage the schema check reports
	}
	var exMinBool, exMaxBool bool
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, deref(n.Content[i+1])
		kp := ptr + "/" + esc(key)
		switch key {
		case "type":
			s.Type = strs(v)
			for _, t := range s.Type {
				if t == "null" {
					s.Nullable = true
				}
			}
		case "format":
			s.Format = str(v)
		case "title":
			s.Title = str(v)
		case "description":
			s.Description = str(v)
		case "pattern":
			s.Pattern = str(v)
		case "enum":
			if v != nil && v.Kind == yaml.SequenceNode {
				for _, c := range v.Content {
					s.Enum = append(s.Enum, l.value(c))
				}
			}
		case "const":
			s.Const = l.value(v)
		case "default":
			s.Default = l.value(v)
		case "example":
			s.Example = l.value(v)
		case "examples":
			if v != nil && v.Kind == yaml.SequenceNode {
				for _, c := range v.Content {
					s.Examples = append(s.Examples, l.value(c))
				}
			}
		case "minimum":
			s.Minimum = number(v)
		case "maximum":
			s.Maximum = number(v)
		case "exclusiveMinimum":
			if b, ok := boolOf(v); ok {
				exMinBool = b
			} else {
				s.ExclusiveMinimum = number(v)
			}
		case "exclusiveMaximum":
			if b, ok := boolOf(v); ok {
				exMaxBool = b
			} else {
				s.ExclusiveMaximum = number(v)
			}
		case "multipleOf":
			s.MultipleOf = number(v)
		case "minLength":
			s.MinLength = integer(v)
		case "maxLength":
			s.MaxLength = integer(v)
		case "minItems":
			s.MinItems = integer(v)
		case "maxItems":
			s.MaxItems = integer(v)
		case "minProperties":
			s.MinProperties = integer(v)
		case "maxProperties":
			s.MaxProperties = integer(v)
		case "uniqueItems":
			s.UniqueItems, _ = boolOf(v)
		case "properties":
			if v != nil && v.Kind == yaml.MappingNode {
				s.Properties = make(map[string]*escarp.Schema, len(v.Content)/2)
				for j := 0; j+1 < len(v.Content); j += 2 {
					pk := v.Content[j]
					if _, dup := s.Properties[pk.Value]; !dup {
						s.PropertyNames = append(s.PropertyNames, pk.Value)
					}
					s.Properties[pk.Value] = l.schema(d, pk, v.Content[j+1], kp+"/"+esc(pk.Value), depth+1)
				}
			}
		case "required":
			if v != nil && v.Kind == yaml.SequenceNode {
				s.Required = strs(v)
			}
		case "additionalProperties":
			if b, ok := boolOf(v); ok {
				s.AdditionalPropertiesAllowed = &b
			} else if v != nil && v.Kind == yaml.MappingNode {
				s.AdditionalProperties = l.schema(d, n.Content[i], n.Content[i+1], kp, depth+1)
			}
		case "items":
			switch {
			case v != nil && v.Kind == yaml.SequenceNode && len(v.Content) > 0:
				s.Items = l.schema(d, nil, v.Content[0], kp+"/0", depth+1) // tuple form: the first
			case v != nil && v.Kind == yaml.MappingNode:
				s.Items = l.schema(d, n.Content[i], n.Content[i+1], kp, depth+1)
			}
		case "allOf", "anyOf", "oneOf":
			var list []*escarp.Schema
			for j, c := range items(v) {
				if c == nil {
					continue
				}
				list = append(list, l.schema(d, nil, deref(v).Content[j], fmt.Sprintf("%s/%d", kp, j), depth+1))
			}
			switch key {
			case "allOf":
				s.AllOf = list
			case "anyOf":
				s.AnyOf = list
			default:
				s.OneOf = list
			}
		case "not":
			s.Not = l.schema(d, n.Content[i], n.Content[i+1], kp, depth+1)
		case "nullable", "x-nullable":
			if b, _ := boolOf(v); b {
				s.Nullable = true
			}
		case "readOnly":
			s.ReadOnly, _ = boolOf(v)
		case "writeOnly":
			s.WriteOnly, _ = boolOf(v)
		case "deprecated":
			s.Deprecated, _ = boolOf(v)
		}
	}
	// OpenAPI 3.0 and Swagger: boolean exclusive bounds qualify minimum and
	// maximum; normalize to the numeric form.
	if exMinBool && s.Minimum != nil {
		s.ExclusiveMinimum, s.Minimum = s.Minimum, nil
	}
	if exMaxBool && s.Maximum != nil {
		s.ExclusiveMaximum, s.Maximum = s.Maximum, nil
	}
	s.Extensions = l.extensions(d, n)
}

// number parses a finite numeric scalar.
func number(n *yaml.Node) *float64 {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return nil
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil
	}
	return &f
}

// integer parses a non-negative integer scalar (1.0 counts as 1).
func integer(n *yaml.Node) *int64 {
	f := number(n)
	if f == nil || *f < 0 || *f > math.MaxInt64/2 {
		return nil
	}
	i := int64(*f)
	return &i
}
