package sast

import (
	"go/token"
	"go/types"
	"strings"

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
	// Other loads of the same variable or field (in.URL read twice) are the
	// same value.
	if ld, ok := v.(*ssa.UnOp); ok && ld.Op == token.MUL {
		for _, other := range sameAddrLoads(ld.X) {
			if !out[other] {
				out[other] = true
				frontier = append(frontier, other)
			}
		}
	}
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

// sameAddrLoads returns the loads from addr and, when addr is a field of a
// base, from the same field of that base.
func sameAddrLoads(addr ssa.Value) []ssa.Value {
	addrs := []ssa.Value{addr}
	if fa, ok := addr.(*ssa.FieldAddr); ok && fa.X.Referrers() != nil {
		for _, r := range *fa.X.Referrers() {
			if o, ok := r.(*ssa.FieldAddr); ok && o != fa && o.Field == fa.Field {
				addrs = append(addrs, o)
			}
		}
	}
	var out []ssa.Value
	for _, a := range addrs {
		if a.Referrers() == nil {
			continue
		}
		for _, r := range *a.Referrers() {
			if ld, ok := r.(*ssa.UnOp); ok && ld.Op == token.MUL && ld.X == a {
				out = append(out, ld)
			}
		}
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
			// if err := validateURL(x); err != nil { return }
			if isNil(c.Y) && validatorError(c.X, derived) || isNil(c.X) && validatorError(c.Y, derived) {
				return true
			}
			return (derived[c.X] && meaningfulConst(c.Y) && !urlPartOtherThanHost(c.X)) ||
				(derived[c.Y] && meaningfulConst(c.X) && !urlPartOtherThanHost(c.Y))
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

// urlPartOtherThanHost reports whether v reads a field of a url.URL other
// than Host: checking the scheme or the path of a URL is no host allow-list.
func urlPartOtherThanHost(v ssa.Value) bool {
	ld, ok := v.(*ssa.UnOp)
	if !ok || ld.Op != token.MUL {
		return false
	}
	fa, ok := ld.X.(*ssa.FieldAddr)
	if !ok {
		return false
	}
	fv := fieldOf(fa.X.Type(), fa.Field, true)
	return fv != nil && fv.Pkg() != nil && fv.Pkg().Path() == "net/url" && fv.Name() != "Host"
}

func isNil(v ssa.Value) bool {
	c, ok := v.(*ssa.Const)
	return ok && c.Value == nil
}

// validatorPrefixes start the names of the module's validation functions,
// whose error result says whether their argument is acceptable.
var validatorPrefixes = []string{"check", "validate", "verify", "ensure", "sanitize", "allow", "safe", "must", "require"}

// validatorError reports whether v is the error returned by a validation
// function of the module (checkPublicURL, validatePath) given a derived
// value.
func validatorError(v ssa.Value, derived map[ssa.Value]bool) bool {
	var call *ssa.Call
	switch x := v.(type) {
	case *ssa.Call:
		call = x
	case *ssa.Extract:
		call, _ = x.Tuple.(*ssa.Call)
	}
	if call == nil || types.TypeString(v.Type(), nil) != "error" {
		return false
	}
	fn := call.Common().StaticCallee()
	if fn == nil || len(fn.Blocks) == 0 || fn.Pkg == nil || fn.Synthetic != "" {
		return false // only the module's own functions (with bodies)
	}
	name := strings.ToLower(fn.Name())
	ok := false
	for _, p := range validatorPrefixes {
		if strings.HasPrefix(name, p) {
			ok = true
		}
	}
	if !ok {
		return false
	}
	for _, op := range call.Common().Args {
		if derived[op] {
			return true
		}
	}
	return false
}
