package postman

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/escarp/escarp"
)

// deref follows YAML aliases and document nodes.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < 64; i++ {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
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

func val(n *yaml.Node, key string) *yaml.Node { _, v := get(n, key); return v }

func has(n *yaml.Node, key string) bool { k, _ := get(n, key); return k != nil }

// each calls fn for every entry of mapping n.
func each(n *yaml.Node, fn func(k, v *yaml.Node)) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], deref(n.Content[i+1]))
	}
}

// items returns the items of sequence n that are not null.
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		if c = deref(c); c != nil {
			out = append(out, c)
		}
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

func sval(n *yaml.Node, key string) string {
	if key == "" {
		return str(n)
	}
	return str(val(n, key))
}

func bval(n *yaml.Node, key string) bool {
	v := val(n, key)
	return v != nil && v.Kind == yaml.ScalarNode && strings.EqualFold(v.Value, "true")
}

// strs returns a sequence of scalars as strings.
func strs(n *yaml.Node) []string {
	var out []string
	for _, c := range items(n) {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

var yamlLine = regexp.MustCompile(`(?:line |L)(\d+)(?::(\d+)|\.C(\d+))?`)

// parseError turns a parser error into an Invalid error with file and line.
func parseError(name string, data []byte, err error) error {
	pos := escarp.Position{File: name, Line: 1}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		var v any
		if jerr := json.Unmarshal(data, &v); jerr != nil {
			var se *json.SyntaxError
			if errors.As(jerr, &se) {
				off := se.Offset
				pos.Line = 1 + bytes.Count(data[:off], []byte{'\n'})
				pos.Column = int(off) - bytes.LastIndexByte(data[:off], '\n')
			}
			return escarp.InvalidAt(pos, "cannot parse Postman collection: %s", strings.TrimPrefix(jerr.Error(), "json: "))
		}
	}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		pos.Column, _ = strconv.Atoi(m[2] + m[3])
	}
	return escarp.InvalidAt(pos, "cannot parse Postman collection: %s", err.Error())
}
