//go:build cgo && !notreesitter

package treesitter

import (
	"context"
	"fmt"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
	tsjs "github.com/tree-sitter/tree-sitter-javascript/bindings/go"
	tspy "github.com/tree-sitter/tree-sitter-python/bindings/go"
	tsts "github.com/tree-sitter/tree-sitter-typescript/bindings/go"
)

// lang is a source language with its grammar.
type lang int

const (
	langJS lang = iota
	langTS
	langTSX
	langPython
)

func (l lang) python() bool { return l == langPython }

func (l lang) grammar() *sitter.Language {
	switch l {
	case langTS:
		return sitter.NewLanguage(tsts.LanguageTypescript())
	case langTSX:
		return sitter.NewLanguage(tsts.LanguageTSX())
	case langPython:
		return sitter.NewLanguage(tspy.Language())
	default:
		return sitter.NewLanguage(tsjs.Language())
	}
}

// node is a Go copy of a tree-sitter node, so the analysis runs in Go with
// no C object to release and no cgo call per question.
type node struct {
	kind     string
	field    string // the field name of the node in its parent, if any
	named    bool
	start    uint32 // byte offsets in the source
	end      uint32
	line     int // 1-based
	col      int // 1-based, in bytes
	parent   *node
	children []*node
}

// maxDepth bounds the copied tree: deeper nodes (absurd nesting in
// generated code) are dropped rather than risking the stack.
const maxDepth = 1000

// parse parses src in language l into a Go tree. The tree-sitter parser,
// tree and cursor are closed before it returns.
func parse(ctx context.Context, l lang, src []byte) (*node, error) {
	p := sitter.NewParser()
	defer p.Close()
	if err := p.SetLanguage(l.grammar()); err != nil {
		return nil, fmt.Errorf("load grammar: %w", err)
	}
	const chunk = 64 << 10
	read := func(i int, _ sitter.Point) []byte {
		if i >= len(src) {
			return nil
		}
		return src[i:min(len(src), i+chunk)]
	}
	opts := &sitter.ParseOptions{ProgressCallback: func(sitter.ParseState) bool { return ctx.Err() != nil }}
	tree := p.ParseWithOptions(read, nil, opts)
	if tree == nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("tree-sitter returned no tree")
	}
	defer tree.Close()
	c := tree.Walk()
	defer c.Close()
	return copyTree(c), nil
}

// copyTree copies the tree under the cursor. Anonymous nodes (punctuation,
// keywords) are left out unless they fill a field (an operator) or were
// inserted by error recovery (MISSING): the analysis never looks at them,
// and they are half the nodes.
func copyTree(c *sitter.TreeCursor) *node {
	return copyNode(c, c.Node(), nil, 0)
}

func copyNode(c *sitter.TreeCursor, n *sitter.Node, parent *node, depth int) *node {
	sp := n.StartPosition()
	kind := n.Kind()
	if n.IsMissing() {
		kind = "MISSING"
	}
	out := &node{kind: kind, field: c.FieldName(), named: n.IsNamed(),
		start: uint32(n.StartByte()), end: uint32(n.EndByte()), // #nosec G115 -- files over maxFileSize (2 MiB) are never parsed
		line: int(sp.Row) + 1, col: int(sp.Column) + 1, parent: parent}
	if depth >= maxDepth || !c.GotoFirstChild() {
		return out
	}
	for {
		ch := c.Node()
		if ch.IsNamed() || ch.IsMissing() || c.FieldId() != 0 {
			out.children = append(out.children, copyNode(c, ch, out, depth+1))
		}
		if !c.GotoNextSibling() {
			break
		}
	}
	c.GotoParent()
	return out
}

// text returns the source text of n.
func (n *node) text(src []byte) string {
	if n == nil || int(n.end) > len(src) || n.start > n.end {
		return ""
	}
	return string(src[n.start:n.end])
}

// child returns the first child with the field name f, or nil.
func (n *node) child(f string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.field == f {
			return c
		}
	}
	return nil
}

// childrenOf returns every child with the field name f.
func (n *node) childrenOf(f string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.field == f {
			out = append(out, c)
		}
	}
	return out
}

// namedChildren returns the named children of n, comments excluded.
func (n *node) namedChildren() []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.named && c.kind != "comment" {
			out = append(out, c)
		}
	}
	return out
}

// walk calls f on n and its descendants in source order; f returning false
// skips the children of a node.
func (n *node) walk(f func(*node) bool) {
	if n == nil {
		return
	}
	stack := []*node{n}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !f(x) {
			continue
		}
		for i := len(x.children) - 1; i >= 0; i-- {
			stack = append(stack, x.children[i])
		}
	}
}

// firstError returns the first ERROR or MISSING node in source order, or nil.
func (n *node) firstError() *node {
	var e *node
	n.walk(func(x *node) bool {
		if e != nil {
			return false
		}
		if x.kind == "ERROR" || x.kind == "MISSING" {
			e = x
			return false
		}
		return true
	})
	return e
}

// unparen strips parentheses, TypeScript assertions and awaits around an
// expression.
func unparen(n *node) *node {
	for i := 0; n != nil && i < 100; i++ {
		switch n.kind {
		case "parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression", "await_expression", "await", "type_assertion":
			nc := n.namedChildren()
			if len(nc) == 0 {
				return n
			}
			n = nc[0]
		default:
			return n
		}
	}
	return n
}

// stringValue returns the value of a string literal node (JavaScript
// string, template string without substitutions, Python string without
// interpolation), and whether n is one.
func stringValue(n *node, src []byte) (string, bool) {
	n = unparen(n)
	if n == nil {
		return "", false
	}
	switch n.kind {
	case "string", "template_string":
		var b strings.Builder
		for _, c := range n.children {
			switch c.kind {
			case "string_fragment", "string_content", "escape_sequence":
				b.WriteString(c.text(src))
			case "template_substitution", "interpolation":
				return "", false
			}
		}
		return b.String(), true
	case "concatenated_string":
		var b strings.Builder
		for _, c := range n.namedChildren() {
			s, ok := stringValue(c, src)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	}
	return "", false
}
