package audit

import (
	"strconv"

	"github.com/escarp/escarp"
)

// Context says where a schema is used.
type Context uint8

// The contexts a schema can be used in (a bit set).
const (
	// InParameter: the schema of a parameter, or reachable from one.
	InParameter Context = 1 << iota
	// InRequestBody: reachable from a request body.
	InRequestBody
	// InResponse: reachable from a response body or header.
	InResponse
	// InOther: reachable only from webhooks or callbacks.
	InOther
)

// InRequest is any request context: a parameter or a request body.
const InRequest = InParameter | InRequestBody

// SchemaUse is one distinct schema of the API with the contexts it is used
// in. Each *escarp.Schema has exactly one SchemaUse, however many
// operations share it.
type SchemaUse struct {
	Schema *escarp.Schema
	// Pointer and Pos locate the schema: its own when the loader set them,
	// else derived from the element it was reached from.
	Pointer string
	Pos     escarp.Position
	Context Context
	// Op is the first operation found using the schema (nil for schemas
	// reached only from webhooks and callbacks).
	Op *escarp.Operation
}

// In reports whether the schema is used in any of the contexts c.
func (u *SchemaUse) In(c Context) bool { return u.Context&c != 0 }

// Index holds views of an API that many rules need, computed once per
// audit in time linear in the size of the API: every schema is visited at
// most once per context.
type Index struct {
	// Schemas lists every distinct schema reachable from an operation,
	// webhook or callback, in the order first reached.
	Schemas []*SchemaUse
	use     map[*escarp.Schema]*SchemaUse
	// Ops is every operation, then every webhook and callback operation.
	Ops []*escarp.Operation
	// bounded caches Bounded.
	bounded map[*escarp.Schema]bool
}

// Use returns the SchemaUse of s, or nil when s is not reachable.
func (x *Index) Use(s *escarp.Schema) *SchemaUse { return x.use[s] }

// NewIndex builds the index of api.
func NewIndex(api *escarp.API) *Index {
	x := &Index{use: make(map[*escarp.Schema]*SchemaUse), bounded: make(map[*escarp.Schema]bool)}
	if api == nil {
		return x
	}
	seen := map[Context]map[*escarp.Schema]bool{
		InParameter: {}, InRequestBody: {}, InResponse: {}, InOther: {},
	}
	visitOp := func(op *escarp.Operation, other bool) {
		ctx := func(c Context) Context {
			if other {
				return InOther
			}
			return c
		}
		for i, p := range op.Parameters {
			if p == nil {
				continue
			}
			ptr := p.Pointer
			if ptr == "" {
				ptr = op.Pointer + "/parameters/" + strconv.Itoa(i)
			}
			x.walk(p.Schema, ptr+"/schema", posOr(p.Pos, op.Pos), ctx(InParameter), op, seen)
		}
		if b := op.RequestBody; b != nil {
			for _, m := range b.Content {
				if m == nil {
					continue
				}
				x.walk(m.Schema, mediaPointer(b.Pointer, op.Pointer+"/requestBody", m)+"/schema",
					posOr(m.Pos, posOr(b.Pos, op.Pos)), ctx(InRequestBody), op, seen)
			}
		}
		for _, r := range op.Responses {
			if r == nil {
				continue
			}
			rptr := r.Pointer
			if rptr == "" {
				rptr = op.Pointer + "/responses/" + EscapeToken(r.Status)
			}
			for _, m := range r.Content {
				if m == nil {
					continue
				}
				x.walk(m.Schema, mediaPointer(rptr, rptr, m)+"/schema", posOr(m.Pos, posOr(r.Pos, op.Pos)), ctx(InResponse), op, seen)
			}
			for _, h := range r.Headers {
				if h == nil {
					continue
				}
				hptr := h.Pointer
				if hptr == "" {
					hptr = rptr + "/headers/" + EscapeToken(h.Name)
				}
				x.walk(h.Schema, hptr+"/schema", posOr(h.Pos, posOr(r.Pos, op.Pos)), ctx(InResponse), op, seen)
			}
		}
	}
	var addOp func(op *escarp.Operation, other bool)
	addOp = func(op *escarp.Operation, other bool) {
		if op == nil {
			return
		}
		x.Ops = append(x.Ops, op)
		visitOp(op, other)
		for _, cbs := range op.Callbacks {
			for _, cb := range cbs {
				addOp(cb, true)
			}
		}
	}
	for _, op := range api.Operations {
		addOp(op, false)
	}
	for _, op := range api.Webhooks {
		addOp(op, true)
	}
	return x
}

func mediaPointer(parent, fallback string, m *escarp.MediaType) string {
	if m.Pointer != "" {
		return m.Pointer
	}
	if parent == "" {
		parent = fallback
	}
	return parent + "/content/" + EscapeToken(m.MediaType)
}

func posOr(p, fallback escarp.Position) escarp.Position {
	if p.Line == 0 {
		return fallback
	}
	return p
}

// walk visits every schema reachable from s in context c, each schema at
// most once per context (shared and recursive schemas included).
func (x *Index) walk(s *escarp.Schema, ptr string, pos escarp.Position, c Context, op *escarp.Operation, seen map[Context]map[*escarp.Schema]bool) {
	if s == nil {
		return
	}
	done := seen[c]
	type item struct {
		s   *escarp.Schema
		ptr string
		pos escarp.Position
	}
	stack := []item{{s, ptr, pos}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		s := it.s
		if s == nil || done[s] {
			continue
		}
		done[s] = true
		u := x.use[s]
		if u == nil {
			p := s.Pointer
			if p == "" {
				p = it.ptr
			}
			u = &SchemaUse{Schema: s, Pointer: p, Pos: posOr(s.Pos, it.pos)}
			if c != InOther {
				u.Op = op
			}
			x.use[s] = u
			x.Schemas = append(x.Schemas, u)
		} else if u.Op == nil && c != InOther {
			u.Op = op
		}
		u.Context |= c
		base, bpos := u.Pointer, u.Pos
		// Children pushed in reverse so they pop in document order.
		var kids []item
		for _, name := range s.SortedPropertyNames() {
			kids = append(kids, item{s.Properties[name], base + "/properties/" + EscapeToken(name), bpos})
		}
		kids = append(kids, item{s.Items, base + "/items", bpos},
			item{s.AdditionalProperties, base + "/additionalProperties", bpos})
		for i, k := range s.AllOf {
			kids = append(kids, item{k, base + "/allOf/" + strconv.Itoa(i), bpos})
		}
		for i, k := range s.AnyOf {
			kids = append(kids, item{k, base + "/anyOf/" + strconv.Itoa(i), bpos})
		}
		for i, k := range s.OneOf {
			kids = append(kids, item{k, base + "/oneOf/" + strconv.Itoa(i), bpos})
		}
		kids = append(kids, item{s.Not, base + "/not", bpos})
		for i := len(kids) - 1; i >= 0; i-- {
			if kids[i].s != nil && !done[kids[i].s] {
				stack = append(stack, kids[i])
			}
		}
	}
}

// Bounded reports whether s, or any schema reachable from it, sets a size
// limit (maxLength, maxItems, maxProperties, enum or const). Results are
// cached, so asking for every request body costs one walk in all.
func (x *Index) Bounded(s *escarp.Schema) bool {
	if s == nil {
		return false
	}
	if b, ok := x.bounded[s]; ok {
		return b
	}
	x.bounded[s] = false // in progress: cycles count as unbounded
	b := s.MaxLength != nil || s.MaxItems != nil || s.MaxProperties != nil || len(s.Enum) > 0 || s.Const != nil
	if !b {
		kids := []*escarp.Schema{s.Items, s.AdditionalProperties, s.Not}
		kids = append(kids, s.AllOf...)
		kids = append(kids, s.AnyOf...)
		kids = append(kids, s.OneOf...)
		for _, n := range s.SortedPropertyNames() {
			kids = append(kids, s.Properties[n])
		}
		for _, k := range kids {
			if x.Bounded(k) {
				b = true
				break
			}
		}
	}
	x.bounded[s] = b
	return b
}

// EscapeToken escapes one JSON pointer token (RFC 6901).
func EscapeToken(t string) string { return escarp.EscapePointer(t) }
