// Package yamllimit bounds what a parsed YAML document may cost once its
// aliases are expanded, before anything expands them.
//
// A YAML tree keeps an alias as one node pointing at its anchor, so a
// 400-byte "billion laughs" document parses into a few dozen nodes and only
// explodes when something walks it as a value: decoding into Go values,
// converting it to JSON for schema validation, or following every alias in
// a model. [Check] counts the nodes such a walk would visit and the nesting
// depth it would reach, without expanding anything (each node is measured
// once), and fails with an Invalid [escarp.Error] (exit 2) naming the file,
// the line of the alias or node that crosses the limit, and the limit.
//
// Every loader of YAML or JSON input that may be walked as a value calls
// Check right after parsing: OpenAPI and Swagger documents and the
// documents their $refs pull in, Postman collections, escarp.yaml and
// .escarp/suppressions.yaml.
package yamllimit

import (
	"fmt"

	pbyaml "github.com/pb33f/go-yaml"
	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
)

// Defaults for [Limits].
const (
	// DefaultMaxAliasNodes is how many nodes aliases may add to a document
	// beyond the nodes written in it.
	DefaultMaxAliasNodes = 1_000_000
	// DefaultMaxDepth is how deeply mappings and sequences may nest.
	DefaultMaxDepth = 1000
)

// Limits bound an expanded document. The zero value uses the defaults.
type Limits struct {
	// MaxAliasNodes bounds the nodes that aliases add once expanded
	// (default [DefaultMaxAliasNodes]).
	MaxAliasNodes int64
	// MaxDepth bounds the nesting of mappings and sequences, aliases
	// followed (default [DefaultMaxDepth]).
	MaxDepth int
}

func (l Limits) maxAliasNodes() int64 {
	if l.MaxAliasNodes > 0 {
		return l.MaxAliasNodes
	}
	return DefaultMaxAliasNodes
}

func (l Limits) maxDepth() int {
	if l.MaxDepth > 0 {
		return l.MaxDepth
	}
	return DefaultMaxDepth
}

// Check measures the document rooted at n (from go.yaml.in/yaml/v3), the
// content of file, against the default limits.
func Check(file string, n *yaml.Node) error {
	return Limits{}.Check(file, n)
}

// CheckPB is [Check] for a tree from github.com/pb33f/go-yaml, the parser
// libopenapi uses.
func CheckPB(file string, n *pbyaml.Node) error {
	return Limits{}.CheckPB(file, n)
}

// Check measures the document rooted at n, the content of file, against l.
func (l Limits) Check(file string, n *yaml.Node) error {
	return check(l, file, n, func(n *yaml.Node) shape[*yaml.Node] {
		return shape[*yaml.Node]{kids: n.Content, alias: n.Alias, isAlias: n.Kind == yaml.AliasNode, line: n.Line}
	})
}

// CheckPB is [Limits.Check] for a tree from github.com/pb33f/go-yaml.
func (l Limits) CheckPB(file string, n *pbyaml.Node) error {
	return check(l, file, n, func(n *pbyaml.Node) shape[*pbyaml.Node] {
		return shape[*pbyaml.Node]{kids: n.Content, alias: n.Alias, isAlias: n.Kind == pbyaml.AliasNode, line: n.Line}
	})
}

// shape is what the measure needs of a node of either YAML library.
type shape[N comparable] struct {
	kids    []N
	alias   N
	isAlias bool
	line    int
}

type size struct {
	nodes int64 // nodes visited when n is walked as a value, aliases expanded
	depth int   // nesting depth reached
}

type measure[N comparable] struct {
	of       func(N) shape[N]
	targets  map[N]bool // nodes aliases point at: the only ones measured more than once
	memo     map[N]size // sizes of targets
	active   map[N]bool // targets being measured, to catch an alias inside its own anchor
	written  int64      // nodes in the tree itself, each once
	maxNodes int64      // saturation point of nodes
	maxDepth int
	failLine int
	failWhy  string
}

func check[N comparable](l Limits, file string, root N, of func(N) shape[N]) error {
	var zero N
	if root == zero {
		return nil
	}
	m := &measure[N]{of: of, targets: map[N]bool{}, memo: map[N]size{}, active: map[N]bool{}, maxDepth: l.maxDepth()}
	m.written = m.count(root, 0)
	if m.failWhy != "" {
		return m.err(file)
	}
	m.maxNodes = m.written + l.maxAliasNodes()
	s := m.size(root, 0)
	if m.failWhy == "" && s.nodes > m.maxNodes {
		m.fail(of(root).line, "")
	}
	if m.failWhy != "" {
		if m.failWhy == "nodes" {
			m.failWhy = fmt.Sprintf("YAML aliases expand the document past the limit: more than %d nodes on top of the %d written",
				l.maxAliasNodes(), m.written)
		}
		return m.err(file)
	}
	return nil
}

func (m *measure[N]) err(file string) error {
	return &escarp.Error{Op: "yamllimit.Check", Kind: escarp.Invalid,
		Pos: escarp.Position{File: file, Line: max(m.failLine, 1)}, Message: m.failWhy}
}

func (m *measure[N]) fail(line int, why string) {
	if m.failWhy != "" {
		return
	}
	m.failLine = line
	if why == "" {
		why = "nodes"
	}
	m.failWhy = why
}

// count counts the nodes of the tree without following aliases, and checks
// the written nesting depth.
func (m *measure[N]) count(n N, depth int) int64 {
	s := m.of(n)
	if depth > m.maxDepth {
		m.fail(s.line, fmt.Sprintf("YAML nesting is deeper than the limit of %d levels", m.maxDepth))
		return 1
	}
	var zero N
	if s.isAlias && s.alias != zero {
		m.targets[s.alias] = true
	}
	c := int64(1)
	for _, k := range s.kids {
		c += m.count(k, depth+1)
		if m.failWhy != "" {
			break
		}
	}
	return c
}

// size measures n walked as a value, aliases expanded, measuring each node
// once. Sums saturate just above maxNodes.
func (m *measure[N]) size(n N, depth int) size {
	var zero N
	if n == zero || m.failWhy != "" {
		return size{}
	}
	s := m.of(n)
	target := m.targets[n]
	if target {
		if v, ok := m.memo[n]; ok {
			return v
		}
		if m.active[n] {
			m.fail(s.line, "a YAML alias refers to a node that contains it")
			return size{}
		}
		m.active[n] = true
		defer delete(m.active, n)
	}
	var out size
	if s.isAlias {
		t := m.size(s.alias, depth)
		out = size{nodes: 1 + t.nodes, depth: t.depth}
	} else {
		out.nodes = 1
		for _, k := range s.kids {
			c := m.size(k, depth+1)
			out.nodes = min(out.nodes+c.nodes, m.maxNodes+1)
			out.depth = max(out.depth, c.depth+1)
			if m.failWhy != "" {
				return out
			}
			if out.nodes > m.maxNodes {
				line := m.of(k).line
				m.fail(line, "")
				return out
			}
			if out.depth > m.maxDepth {
				m.fail(m.of(k).line, fmt.Sprintf("YAML nesting, aliases followed, is deeper than the limit of %d levels", m.maxDepth))
				return out
			}
		}
	}
	if target {
		m.memo[n] = out
	}
	return out
}
