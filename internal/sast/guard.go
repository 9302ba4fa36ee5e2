package sast

import (
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// guarded reports whether a branch that dominates anchor checks v: v (or
// something computed from it, such as filepath.Clean(v), url.Parse(v).Host
// or filepath.Rel(base, v)) compared with a non-empty constant, looked up
// in a map, or passed to a predicate (strings.HasPrefix, slices.Contains, a
// function of the module returning bool). Such checks are the allow-lists
// and containment checks that sanitize a flow.
func (e *engine) guarded(v ssa.Value, anchor *ssa.BasicBlock) bool {
	fn := anchor.Parent()
	if fn == nil {
		return false
	}
	var derived map[ssa.Value]bool
	for _, b := range fn.Blocks {
		if b == anchor || len(b.Instrs) == 0 || !b.Dominates(anchor) {
			continue
		}
		ifi, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If)
		if !ok {
			continue
		}
		if derived == nil {
			derived = derivedFrom(v)
		}
		if checks(ifi.Cond, derived, 0) {
			return true
		}
	}
	return false
}

// derivedFrom returns v and the values computed from it within its
// function, a few steps deep.
func derivedFrom(v ssa.Value) map[ssa.Value]bool {
	out := map[ssa.Value]bool{v: true}
	frontier := []ssa.Value{v}
	for depth := 0; depth < 4 && len(frontier) > 0 && len(out) < 64; depth++ {
		var next []ssa.Value
		for _, x := range frontier {
			refs := x.Referrers()
			if refs == nil {
				continue
			}
			for _, r := range *refs {
				var y ssa.Value
				switch in := r.(type) {
				case *ssa.Call:
					y = in
				case *ssa.Extract, *ssa.FieldAddr, *ssa.Field, *ssa.UnOp, *ssa.Convert, *ssa.ChangeType,
					*ssa.MakeInterface, *ssa.Slice, *ssa.TypeAssert:
					y = in.(ssa.Value)
				case *ssa.Lookup:
					if in.Index == x {
						y = in
					}
				}
				if y != nil && !out[y] {
					out[y] = true
					next = append(next, y)
				}
			}
		}
		frontier = next
	}
	return out
}

// checks reports whether the branch condition cond tests a derived value.
func checks(cond ssa.Value, derived map[ssa.Value]bool, depth int) bool {
	if depth > 3 {
		return false
	}
	switch c := cond.(type) {
	case *ssa.UnOp:
		if c.Op == token.NOT {
			return checks(c.X, derived, depth+1)
		}
	case *ssa.BinOp:
		switch c.Op {
		case token.EQL, token.NEQ:
			return (derived[c.X] && meaningfulConst(c.Y)) || (derived[c.Y] && meaningfulConst(c.X))
		}
	case *ssa.Extract:
		// v, ok := allowed[x]; if !ok ...
		if lk, ok := c.Tuple.(*ssa.Lookup); ok {
			return derived[lk.Index] || derived[lk]
		}
		if call, ok := c.Tuple.(*ssa.Call); ok {
			return predicate(call, derived)
		}
	case *ssa.Lookup:
		// if !allowed[x] { ... } with a map of booleans
		return derived[c.Index]
	case *ssa.Call:
		return predicate(c, derived)
	case *ssa.Phi:
		for _, e := range c.Edges {
			if checks(e, derived, depth+1) {
				return true
			}
		}
	}
	return false
}

// predicate reports whether call is a boolean test of a derived value.
func predicate(call *ssa.Call, derived map[ssa.Value]bool) bool {
	sig := call.Common().Signature()
	res := sig.Results()
	if res.Len() == 0 {
		return false
	}
	if b, ok := res.At(0).Type().Underlying().(*types.Basic); !ok || b.Kind() != types.Bool {
		return false
	}
	for _, op := range operands(call.Common()) {
		if derived[op] {
			return true
		}
	}
	return false
}

// meaningfulConst reports whether v is a constant other than "", nil or a
// zero number: comparing with one of those is a presence check, not an
// allow-list.
func meaningfulConst(v ssa.Value) bool {
	c, ok := v.(*ssa.Const)
	if !ok || c.Value == nil {
		return false
	}
	return c.Value.ExactString() != `""` && c.Value.ExactString() != "0"
}
