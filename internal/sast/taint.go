package sast

import (
	"context"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"

	"github.com/escarp/escarp"
)

// Bounds of one backward search from a sink.
const (
	maxDepth = 48    // nested steps (values) on one path
	maxSteps = 20000 // values visited per sink argument
)

// engine is the taint pass over one module's SSA program.
type engine struct {
	l     *loaded
	fset  *token.FileSet
	src   *sources
	files map[*token.File]*ast.File

	funcs     []*ssa.Function                         // module functions with bodies
	module    map[*ssa.Function]bool                  // functions of the module
	callers   map[*ssa.Function][]ssa.CallInstruction // call sites of each module function
	callees   map[ssa.CallInstruction][]*ssa.Function // resolved module callees of each call site
	returns   map[*ssa.Function][]*ssa.Return
	fieldSt   map[*types.Var][]*ssa.Store // stores to a struct field, program-wide
	fieldOwn  map[*types.Var]string       // "Filter.Sort" for flow messages
	closures  map[*ssa.Function][]*ssa.MakeClosure
	served    map[ssa.Value]bool // serverRequest's answers
	namedImpl []types.Type       // module types, for interface resolution
}

// ownFinding is a taint finding with the lines of the function holding its
// sink, where gosec reports the same flaw (G202 at the concatenation, G701 at
// the call).
type ownFinding struct {
	escarp.Finding
	span [2]int
}

// span returns the first and last line of fn (of its outermost function).
func (e *engine) span(fn *ssa.Function) [2]int {
	for fn.Parent() != nil {
		fn = fn.Parent()
	}
	if n := fn.Syntax(); n != nil {
		return [2]int{e.fset.Position(n.Pos()).Line, e.fset.Position(n.End()).Line}
	}
	return [2]int{}
}

// step is one element of a flow, from the sink backwards.
type step struct {
	pos token.Pos
	msg string
	// approx marks a step through the program-wide field index, which
	// joins every store to a field whatever the value: less certain.
	approx bool
}

// search is the state of one backward search from a sink argument.
type search struct {
	e       *engine
	visited map[visitKey]bool
	steps   int
	path    []step
	found   []step // the flow, sink first, once a source is found
	// stack holds the call sites whose callee the search entered through a
	// return: reaching a parameter of that callee leads back to that call
	// site only, not to every caller.
	stack []ssa.CallInstruction
}

func (s *search) top() ssa.CallInstruction {
	if len(s.stack) == 0 {
		return nil
	}
	return s.stack[len(s.stack)-1]
}

type visitKey struct {
	v     ssa.Value
	mode  uint8 // 0: the value, 1: what it points to, 2: its referrers
	field *types.Var
	ctx   ssa.CallInstruction // the call site the search entered the function by, if any
}

// maxStack bounds the call sites remembered; deeper, parameters lead to
// every caller.
const maxStack = 8

// runTaint runs escarp's taint rules over the loaded module.
func runTaint(ctx context.Context, l *loaded, src *sources) (fs []ownFinding, notes []string) {
	if l.prog == nil {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			notes = append(notes, fmt.Sprintf("taint analysis failed: %v", r))
			fs = nil
		}
	}()
	e := newEngine(l, src)
	seen := map[string]bool{}
	for _, fn := range e.funcs {
		if ctx.Err() != nil {
			return nil, nil
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				for _, f := range e.checkInstr(fn, instr) {
					key := f.RuleID + "\x00" + f.Location.File + "\x00" + fmt.Sprint(f.Location.Line, f.Location.Column)
					if !seen[key] {
						seen[key] = true
						fs = append(fs, ownFinding{f, e.span(fn)})
					}
				}
			}
		}
	}
	return fs, notes
}

func newEngine(l *loaded, src *sources) *engine {
	e := &engine{
		l: l, fset: l.prog.Fset, src: src,
		files:    map[*token.File]*ast.File{},
		module:   map[*ssa.Function]bool{},
		callers:  map[*ssa.Function][]ssa.CallInstruction{},
		callees:  map[ssa.CallInstruction][]*ssa.Function{},
		returns:  map[*ssa.Function][]*ssa.Return{},
		fieldSt:  map[*types.Var][]*ssa.Store{},
		fieldOwn: map[*types.Var]string{},
		closures: map[*ssa.Function][]*ssa.MakeClosure{},
		served:   map[ssa.Value]bool{},
	}
	for _, p := range l.pkgs {
		for _, f := range p.Syntax {
			if tf := e.fset.File(f.Pos()); tf != nil {
				e.files[tf] = f
			}
		}
		for _, fn := range srcFuncs(l.prog, p) {
			if len(fn.Blocks) > 0 && !e.module[fn] {
				e.module[fn] = true
				e.funcs = append(e.funcs, fn)
			}
		}
		scope := p.Types.Scope()
		for _, name := range scope.Names() {
			if tn, ok := scope.Lookup(name).(*types.TypeName); ok && !tn.IsAlias() {
				if _, isIface := tn.Type().Underlying().(*types.Interface); !isIface {
					if named, ok := tn.Type().(*types.Named); ok && named.TypeParams().Len() == 0 {
						e.namedImpl = append(e.namedImpl, named, types.NewPointer(named))
					}
				}
			}
		}
	}
	modPkgs := map[*types.Package]bool{}
	for _, p := range l.pkgs {
		modPkgs[p.Types] = true
	}
	for _, fn := range e.funcs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				switch in := instr.(type) {
				case *ssa.Return:
					e.returns[fn] = append(e.returns[fn], in)
				case *ssa.Store:
					if fa, ok := in.Addr.(*ssa.FieldAddr); ok {
						// Only the module's own struct types: connecting every
						// url.URL.Path store to every read would tie unrelated
						// requests together.
						if fv := fieldOf(fa.X.Type(), fa.Field, true); fv != nil && fv.Pkg() != nil && modPkgs[fv.Pkg()] {
							e.fieldSt[fv] = append(e.fieldSt[fv], in)
							if _, ok := e.fieldOwn[fv]; !ok {
								e.fieldOwn[fv] = ownerName(fa.X.Type()) + fv.Name()
							}
						}
					}
				case *ssa.MakeClosure:
					if f, ok := in.Fn.(*ssa.Function); ok {
						e.closures[f] = append(e.closures[f], in)
					}
				}
				if call, ok := instr.(ssa.CallInstruction); ok {
					for _, callee := range e.resolve(call.Common()) {
						if e.module[callee] {
							e.callers[callee] = append(e.callers[callee], call)
							e.callees[call] = append(e.callees[call], callee)
						}
					}
				}
			}
		}
	}
	return e
}

// resolve returns the possible callees of a call: the static callee, a
// closure's function, or, for interface calls, the methods of the module's
// types implementing the interface.
func (e *engine) resolve(c *ssa.CallCommon) []*ssa.Function {
	if c.IsInvoke() {
		iface, ok := c.Value.Type().Underlying().(*types.Interface)
		if !ok {
			return nil
		}
		var out []*ssa.Function
		for _, t := range e.namedImpl {
			if !types.Implements(t, iface) {
				continue
			}
			sel := e.l.prog.MethodSets.MethodSet(t).Lookup(c.Method.Pkg(), c.Method.Name())
			if sel == nil {
				continue
			}
			if fn := e.l.prog.MethodValue(sel); fn != nil {
				out = append(out, fn)
			}
		}
		return out
	}
	if fn := c.StaticCallee(); fn != nil {
		return []*ssa.Function{fn}
	}
	return nil
}

// fieldOf returns the field i of the struct type t (or of what t points to
// when ptr).
func fieldOf(t types.Type, i int, ptr bool) *types.Var {
	if ptr {
		p, ok := t.Underlying().(*types.Pointer)
		if !ok {
			return nil
		}
		t = p.Elem()
	}
	s, ok := t.Underlying().(*types.Struct)
	if !ok || i < 0 || i >= s.NumFields() {
		return nil
	}
	return s.Field(i)
}

// calleeKey names the function a call invokes: "pkg/path.Func",
// "(*pkg/path.Type).Method" or "(pkg/path.Interface).Method"; "" for
// dynamic calls.
func calleeKey(c *ssa.CallCommon) string {
	if c.IsInvoke() {
		return "(" + types.TypeString(c.Value.Type(), nil) + ")." + c.Method.Name()
	}
	fn := c.StaticCallee()
	if fn == nil {
		return ""
	}
	if fn.Origin() != nil {
		fn = fn.Origin()
	}
	obj, _ := fn.Object().(*types.Func)
	if obj == nil {
		return ""
	}
	sig := obj.Type().(*types.Signature)
	if recv := sig.Recv(); recv != nil {
		return "(" + types.TypeString(recv.Type(), nil) + ")." + obj.Name()
	}
	if obj.Pkg() == nil {
		return obj.Name()
	}
	return obj.Pkg().Path() + "." + obj.Name()
}

// holdsString reports whether v, an argument of type any, carries a
// string (or a named string type).
func holdsString(v ssa.Value) bool {
	if mi, ok := v.(*ssa.MakeInterface); ok {
		v = mi.X
	}
	b, ok := v.Type().Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

// argAt returns the SSA operand of declared parameter i (-1: receiver).
func argAt(c *ssa.CallCommon, i int) ssa.Value {
	if c.IsInvoke() {
		if i < 0 {
			return c.Value
		}
		if i < len(c.Args) {
			return c.Args[i]
		}
		return nil
	}
	if fn := c.StaticCallee(); fn != nil && fn.Signature.Recv() != nil {
		i++
	}
	if i >= 0 && i < len(c.Args) {
		return c.Args[i]
	}
	return nil
}

// operands returns the receiver and arguments of a call.
func operands(c *ssa.CallCommon) []ssa.Value {
	if c.IsInvoke() {
		return append([]ssa.Value{c.Value}, c.Args...)
	}
	return c.Args
}

// checkInstr reports the flows into instr when it is a sink.
func (e *engine) checkInstr(fn *ssa.Function, instr ssa.Instruction) []escarp.Finding {
	switch in := instr.(type) {
	case *ssa.Call:
		c := in.Common()
		key := calleeKey(c)
		spec, ok := sinks[key]
		if !ok {
			return nil
		}
		if spec.rule == ruleXSS {
			if xssWriters[key] && !isResponseWriter(argAt(c, 0)) {
				return nil
			}
			if setsNonHTMLContentType(fn) {
				return nil
			}
		}
		var out []escarp.Finding
		for _, i := range spec.args {
			arg := argAt(c, i)
			if arg == nil {
				continue
			}
			if key == "(*net/http.Client).Do" && builtByNewRequest(arg) {
				continue // reported at http.NewRequest
			}
			if spec.text && !holdsString(arg) {
				continue
			}
			if f, ok := e.trace(spec.rule, fn, in, arg, e.sinkText(in.Pos(), key)); ok {
				out = append(out, f)
				break
			}
		}
		return out
	case *ssa.ChangeType, *ssa.Convert:
		v := in.(ssa.Value)
		named, ok := types.Unalias(v.Type()).(*types.Named)
		if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != "html/template" {
			return nil
		}
		switch named.Obj().Name() {
		case "HTML", "JS", "HTMLAttr", "JSStr", "Srcset":
		default:
			return nil
		}
		var x ssa.Value
		if ct, ok := in.(*ssa.ChangeType); ok {
			x = ct.X
		} else {
			x = in.(*ssa.Convert).X
		}
		if f, ok := e.trace(ruleXSS, fn, in, x, "template."+named.Obj().Name()+" conversion (sink)"); ok {
			return []escarp.Finding{f}
		}
	}
	return nil
}

// isResponseWriter reports whether v (before interface conversion) is an
// http.ResponseWriter.
func isResponseWriter(v ssa.Value) bool {
	for i := 0; i < 4 && v != nil; i++ {
		if types.TypeString(v.Type(), nil) == "net/http.ResponseWriter" {
			return true
		}
		switch x := v.(type) {
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeInterface:
			v = x.X
		default:
			return false
		}
	}
	return false
}

// setsNonHTMLContentType reports whether fn sets a constant Content-Type
// that is not HTML: writing request data into such a response is no XSS.
func setsNonHTMLContentType(fn *ssa.Function) bool {
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			call, ok := instr.(*ssa.Call)
			if !ok || calleeKey(call.Common()) != "(net/http.Header).Set" {
				continue
			}
			args := call.Common().Args
			if len(args) != 3 {
				continue
			}
			k, v := constString(args[1]), constString(args[2])
			if strings.EqualFold(k, "Content-Type") && v != "" && !strings.Contains(strings.ToLower(v), "html") {
				return true
			}
		}
	}
	return false
}

func constString(v ssa.Value) string {
	c, ok := v.(*ssa.Const)
	if !ok || c.Value == nil || c.Value.Kind() != constant.String {
		return ""
	}
	return constant.StringVal(c.Value)
}

// builtByNewRequest reports whether v is the request returned by
// http.NewRequest(WithContext), whose URL is checked there.
func builtByNewRequest(v ssa.Value) bool {
	if ex, ok := v.(*ssa.Extract); ok {
		if call, ok := ex.Tuple.(*ssa.Call); ok {
			k := calleeKey(call.Common())
			return k == "net/http.NewRequest" || k == "net/http.NewRequestWithContext"
		}
	}
	return false
}

// trace searches backwards from the sink operand v for request data and
// turns the first flow found into a finding.
func (e *engine) trace(rule *taintRule, fn *ssa.Function, sink ssa.Instruction, v ssa.Value, sinkMsg string) (escarp.Finding, bool) {
	s := &search{e: e, visited: map[visitKey]bool{}}
	s.path = []step{{pos: sink.Pos(), msg: sinkMsg}}
	if !s.walk(v, sink.Block(), nil, 0) {
		return escarp.Finding{}, false
	}
	return e.finding(rule, sink, s.found), true
}

// walk looks for a source behind value v, used in anchor (the block of the
// instruction consuming it in v's function). field, when set, says only
// that field of a struct value matters.
func (s *search) walk(v ssa.Value, anchor *ssa.BasicBlock, field *types.Var, depth int) bool {
	if v == nil || depth > maxDepth || s.steps > maxSteps {
		return false
	}
	if !taintable(v.Type()) {
		return false
	}
	k := visitKey{v, 0, field, s.top()}
	if s.visited[k] {
		return false
	}
	s.visited[k] = true
	s.steps++
	if anchor != nil && s.e.guarded(v, anchor) {
		return false
	}
	d := depth + 1
	switch x := v.(type) {
	case *ssa.Const, *ssa.Function, *ssa.MakeClosure, *ssa.Builtin:
		return false
	case *ssa.Parameter:
		return s.fromCallers(x.Parent(), paramIndex(x), anchor, field, false, d)
	case *ssa.FreeVar:
		return s.fromClosure(x, field, d)
	case *ssa.Call:
		return s.fromCall(x, x.Common(), -1, anchor, field, d)
	case *ssa.Extract:
		if call, ok := x.Tuple.(*ssa.Call); ok {
			return s.fromCall(call, call.Common(), x.Index, anchor, field, d)
		}
		return s.walk(x.Tuple, anchor, nil, d)
	case *ssa.BinOp:
		return s.walk(x.X, anchor, nil, d) || s.walk(x.Y, anchor, nil, d)
	case *ssa.UnOp:
		if x.Op == token.MUL {
			return s.walkPtr(x.X, anchor, field, d)
		}
		return s.walk(x.X, anchor, field, d)
	case *ssa.Phi:
		for _, edge := range x.Edges {
			if s.walk(edge, anchor, field, d) {
				return true
			}
		}
		return false
	case *ssa.Field:
		fv := fieldOf(x.X.Type(), x.Field, false)
		if fv != nil && isRequestField(x.X.Type(), fv) && s.e.serverRequest(x.X, 0) {
			return s.source(x.Pos(), v)
		}
		// The struct's own history first (it gives the path through the
		// callers), then every store to the field in the module.
		return s.walk(x.X, anchor, fv, d) || (!s.e.localOrigin(x.X, 0) && s.fromField(fv, anchor, d))
	case *ssa.FieldAddr, *ssa.IndexAddr, *ssa.Alloc, *ssa.Global:
		return s.walkPtr(v, anchor, field, d)
	case *ssa.Slice:
		if _, ok := x.X.Type().Underlying().(*types.Pointer); ok {
			return s.walkPtr(x.X, anchor, field, d)
		}
		return s.walk(x.X, anchor, field, d)
	case *ssa.Index:
		return s.walk(x.X, anchor, nil, d)
	case *ssa.Lookup:
		// The looked-up value comes from the map, not from the key: a map
		// of allowed values is an allow-list.
		return s.walk(x.X, anchor, nil, d)
	case *ssa.MakeInterface, *ssa.ChangeInterface, *ssa.ChangeType, *ssa.Convert, *ssa.SliceToArrayPointer, *ssa.TypeAssert:
		// Boxing, conversions and assertions keep their operand's data.
		return s.walk(typeChangeOperand(x), anchor, field, d)
	case *ssa.Next:
		return s.walk(x.Iter, anchor, nil, d)
	case *ssa.Range:
		return s.walk(x.X, anchor, nil, d)
	case *ssa.MakeSlice, *ssa.MakeMap, *ssa.MakeChan:
		return s.fromReferrers(v, anchor, field, d)
	}
	return false
}

// typeChangeOperand returns the single operand of an instruction that only
// changes the type of a value.
func typeChangeOperand(v ssa.Value) ssa.Value {
	return *v.(ssa.Instruction).Operands(nil)[0]
}

// walkPtr looks for a source among what is stored at address p.
func (s *search) walkPtr(p ssa.Value, anchor *ssa.BasicBlock, field *types.Var, depth int) bool {
	if p == nil || depth > maxDepth || s.steps > maxSteps {
		return false
	}
	k := visitKey{p, 1, field, s.top()}
	if s.visited[k] {
		return false
	}
	s.visited[k] = true
	s.steps++
	d := depth + 1
	switch x := p.(type) {
	case *ssa.FieldAddr:
		fv := fieldOf(x.X.Type(), x.Field, true)
		if fv != nil && isRequestField(x.X.Type(), fv) && s.e.serverRequest(x.X, 0) {
			return s.source(x.Pos(), p)
		}
		return s.walkPtr(x.X, anchor, fv, d) || (!s.e.localOrigin(x.X, 0) && s.fromField(fv, anchor, d))
	case *ssa.IndexAddr:
		if _, ok := x.X.Type().Underlying().(*types.Pointer); ok {
			return s.walkPtr(x.X, anchor, nil, d)
		}
		return s.walk(x.X, anchor, nil, d)
	case *ssa.Parameter:
		if s.fromReferrers(p, anchor, field, d) {
			return true
		}
		return s.fromCallers(x.Parent(), paramIndex(x), anchor, field, true, d)
	case *ssa.Alloc, *ssa.Global:
		return s.fromReferrers(p, anchor, field, d)
	case *ssa.UnOp:
		if x.Op == token.MUL {
			return s.walkPtr(x.X, anchor, nil, d) || s.walk(p, anchor, field, d)
		}
	case *ssa.FreeVar:
		return s.fromClosure(x, field, d)
	}
	return s.walk(p, anchor, field, d)
}

// localOrigin reports whether every origin of the struct (or pointer to a
// struct) v is a variable or composite literal of the module whose stores
// the search sees: then the program-wide field index, which mixes the
// stores of unrelated values, is not needed.
func (e *engine) localOrigin(v ssa.Value, depth int) bool {
	if depth > 8 {
		return false
	}
	switch x := v.(type) {
	case *ssa.Alloc:
		return true
	case *ssa.UnOp:
		return x.Op == token.MUL && e.localOrigin(x.X, depth+1)
	case *ssa.MakeInterface:
		return e.localOrigin(x.X, depth+1)
	case *ssa.ChangeType:
		return e.localOrigin(x.X, depth+1)
	case *ssa.Phi:
		for _, edge := range x.Edges {
			if !e.localOrigin(edge, depth+1) {
				return false
			}
		}
		return len(x.Edges) > 0
	case *ssa.Parameter:
		callers := e.callers[x.Parent()]
		i := paramIndex(x)
		for _, call := range callers {
			c := call.Common()
			if c.IsInvoke() {
				return false
			}
			if i < 0 || i >= len(c.Args) || !e.localOrigin(c.Args[i], depth+1) {
				return false
			}
		}
		return len(callers) > 0
	case *ssa.Call:
		callees := e.callees[x]
		for _, callee := range callees {
			for _, ret := range e.returns[callee] {
				if len(ret.Results) != 1 || !e.localOrigin(ret.Results[0], depth+1) {
					return false
				}
			}
		}
		return len(callees) > 0
	}
	return false
}

// fromReferrers looks at what is stored at address p and at the calls p is
// handed to (decoders, binders).
func (s *search) fromReferrers(p ssa.Value, anchor *ssa.BasicBlock, field *types.Var, d int) bool {
	refs := p.Referrers()
	if refs == nil || d > maxDepth || s.steps > maxSteps {
		return false
	}
	k := visitKey{p, 2, field, s.top()}
	if s.visited[k] {
		return false
	}
	s.visited[k] = true
	s.steps++
	for _, r := range *refs {
		switch in := r.(type) {
		case *ssa.Store:
			if in.Addr == p && s.walk(in.Val, in.Block(), field, d) {
				return true
			}
		case *ssa.FieldAddr:
			fv := fieldOf(in.X.Type(), in.Field, true)
			if field != nil && fv != field {
				continue // another field
			}
			msg := ""
			if fv != nil {
				msg = "stored in field " + ownerName(in.X.Type()) + fv.Name()
			}
			if s.storesTo(in, msg, d) {
				return true
			}
		case *ssa.IndexAddr:
			if s.storesTo(in, "", d) {
				return true
			}
		case *ssa.MakeInterface, *ssa.ChangeType, *ssa.Convert, *ssa.Slice:
			if s.fromReferrers(in.(ssa.Value), anchor, field, d+1) {
				return true
			}
		case *ssa.MapUpdate:
			if in.Map == p && s.walk(in.Value, in.Block(), nil, d) {
				return true
			}
		case *ssa.Send:
			if in.Chan == p && s.walk(in.X, in.Block(), nil, d) {
				return true
			}
		case ssa.CallInstruction:
			if s.filledBy(in, p, d) {
				return true
			}
		}
	}
	return false
}

// storesTo looks at the values stored at address a; msg annotates the
// store in the flow.
func (s *search) storesTo(a ssa.Value, msg string, d int) bool {
	for _, r := range *a.Referrers() {
		if st, ok := r.(*ssa.Store); ok && st.Addr == a {
			if s.with(st.Pos(), msg, func() bool { return s.walk(st.Val, st.Block(), nil, d+1) }) {
				return true
			}
		}
	}
	return false
}

// filledBy looks at a call that gets pointer p: a binder of request data is
// a source; a decoder fills p from its other operands.
func (s *search) filledBy(in ssa.CallInstruction, p ssa.Value, d int) bool {
	c := in.Common()
	key := calleeKey(c)
	if _, ok := fillers[key]; ok {
		return s.source(in.Pos(), nil)
	}
	if _, ok := sinks[key]; ok || sanitizers[key] {
		return false
	}
	callees := s.e.callees[in]
	if len(callees) == 0 {
		for _, op := range operands(c) {
			if op != p && !derivesFrom(op, p) && s.walk(op, in.Block(), nil, d) {
				return true
			}
		}
		return false
	}
	for _, callee := range callees {
		for i, op := range c.Args {
			if op != p && !derivesFrom(op, p) {
				continue
			}
			j := i
			if c.IsInvoke() {
				j++
			}
			if j < len(callee.Params) && s.inCallee(in, func() bool { return s.walkPtrInside(callee.Params[j], d) }) {
				return true
			}
		}
	}
	return false
}

// walkPtrInside looks at what a callee stores through its pointer
// parameter.
func (s *search) walkPtrInside(p *ssa.Parameter, d int) bool {
	return s.fromReferrers(p, nil, nil, d+1)
}

func derivesFrom(v, p ssa.Value) bool {
	for i := 0; i < 3; i++ {
		switch x := v.(type) {
		case *ssa.MakeInterface:
			v = x.X
		case *ssa.ChangeType:
			v = x.X
		default:
			return v == p
		}
	}
	return v == p
}

// fromField looks at every value stored into field fv.
func (s *search) fromField(fv *types.Var, anchor *ssa.BasicBlock, d int) bool {
	if fv == nil {
		return false
	}
	for _, st := range s.e.fieldSt[fv] {
		msg := "stored in field " + s.e.fieldOwn[fv]
		s.path = append(s.path, step{st.Pos(), msg, true})
		ok := s.walk(st.Val, st.Block(), nil, d)
		s.path = s.path[:len(s.path)-1]
		if ok {
			return true
		}
	}
	return false
}

// fromCallers continues at every call site of fn with argument i.
func (s *search) fromCallers(fn *ssa.Function, i int, anchor *ssa.BasicBlock, field *types.Var, ptr bool, d int) bool {
	if fn == nil || i < 0 {
		return false
	}
	callers := s.e.callers[fn]
	var popped ssa.CallInstruction
	if top := s.top(); top != nil && slices.Contains(s.e.callees[top], fn) {
		// Back to the call site the search came from.
		callers = []ssa.CallInstruction{top}
		popped = top
		s.stack = s.stack[:len(s.stack)-1]
		defer func() { s.stack = append(s.stack, popped) }()
	}
	for _, call := range callers {
		c := call.Common()
		j := i
		if c.IsInvoke() {
			j-- // the receiver is c.Value
		}
		var arg ssa.Value
		switch {
		case c.IsInvoke() && j < 0:
			arg = c.Value
		case j >= 0 && j < len(c.Args):
			arg = c.Args[j]
		}
		if arg == nil {
			continue
		}
		msg := "passed to " + funcName(fn)
		ok := s.with(call.Pos(), msg, func() bool {
			if ptr {
				return s.walkPtr(arg, call.Block(), field, d)
			}
			return s.walk(arg, call.Block(), field, d)
		})
		if ok {
			return true
		}
	}
	return false
}

// fromClosure continues at the values a closure captured.
func (s *search) fromClosure(fv *ssa.FreeVar, field *types.Var, d int) bool {
	fn := fv.Parent()
	idx := -1
	for i, f := range fn.FreeVars {
		if f == fv {
			idx = i
		}
	}
	for _, mc := range s.e.closures[fn] {
		if idx >= 0 && idx < len(mc.Bindings) {
			b := mc.Bindings[idx]
			if _, ok := b.Type().Underlying().(*types.Pointer); ok {
				if s.walkPtr(b, mc.Block(), field, d) {
					return true
				}
			} else if s.walk(b, mc.Block(), field, d) {
				return true
			}
		}
	}
	return false
}

// fromCall looks behind the result (tuple element idx, -1 for a single
// result) of a call.
func (s *search) fromCall(call *ssa.Call, c *ssa.CallCommon, idx int, anchor *ssa.BasicBlock, field *types.Var, d int) bool {
	key := calleeKey(c)
	if sourceCalls[key] {
		if strings.HasPrefix(key, "(*net/http.Request).") && len(c.Args) > 0 && !s.e.serverRequest(c.Args[0], 0) {
			return false // a request this program sends, not one it serves
		}
		return s.source(call.Pos(), call)
	}
	if sanitizers[key] {
		return false
	}
	if _, ok := sinks[key]; ok {
		return false // what a sink returns (a response, a file, rows) is not request data
	}
	if key == "(*net/http.Request).Context" || key == "context.Background" || key == "context.TODO" {
		return false
	}
	callees := s.e.callees[call]
	if len(callees) == 0 {
		// Outside the module: its result depends on its operands.
		for _, op := range operands(c) {
			if s.walk(op, call.Block(), nil, d) {
				return true
			}
		}
		return false
	}
	for _, callee := range callees {
		for _, ret := range s.e.returns[callee] {
			var rv ssa.Value
			switch {
			case idx < 0 && len(ret.Results) == 1:
				rv = ret.Results[0]
			case idx >= 0 && idx < len(ret.Results):
				rv = ret.Results[idx]
			}
			if rv == nil {
				continue
			}
			msg := "returned from " + funcName(callee)
			if s.with(ret.Pos(), msg, func() bool { return s.inCallee(call, func() bool { return s.walk(rv, ret.Block(), field, d) }) }) {
				return true
			}
		}
	}
	return false
}

// inCallee runs f with call pushed on the call-site stack.
func (s *search) inCallee(call ssa.CallInstruction, f func() bool) bool {
	if len(s.stack) >= maxStack {
		return f()
	}
	s.stack = append(s.stack, call)
	ok := f()
	s.stack = s.stack[:len(s.stack)-1]
	return ok
}

// with records step (pos, msg) while f searches; the step stays on the
// found path.
func (s *search) with(pos token.Pos, msg string, f func() bool) bool {
	if msg == "" || !pos.IsValid() {
		return f()
	}
	s.path = append(s.path, step{pos: pos, msg: msg})
	ok := f()
	s.path = s.path[:len(s.path)-1]
	return ok
}

// source records the flow ending at a source at pos.
func (s *search) source(pos token.Pos, _ ssa.Value) bool {
	s.found = append(append([]step(nil), s.path...), step{pos: pos, msg: s.e.sourceText(pos) + " (source)"})
	return true
}

// taintable reports whether a value of type t can carry an injection: not
// numbers, booleans or functions.
func taintable(t types.Type) bool {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Info()&(types.IsNumeric|types.IsBoolean) == 0
	case *types.Signature:
		return false
	}
	return true
}

// serverRequest reports whether the *http.Request v can be a request the
// program serves rather than one it builds to send: it is not made by
// http.NewRequest (or a function returning one) and, when it is a
// parameter, some call site passes a served request or none does (a handler
// called by the framework). RoundTrip and CheckRedirect-shaped functions
// get client requests.
func (e *engine) serverRequest(v ssa.Value, depth int) bool {
	if depth > 8 {
		return true
	}
	if r, ok := e.served[v]; ok {
		return r
	}
	e.served[v] = true // provisional, for cycles
	r := e.servedUncached(v, depth)
	e.served[v] = r
	return r
}

func (e *engine) servedUncached(v ssa.Value, depth int) bool {
	switch x := v.(type) {
	case *ssa.Parameter:
		fn := x.Parent()
		callers := e.callers[fn]
		if len(callers) == 0 {
			return !clientSide(fn)
		}
		i := paramIndex(x)
		for _, call := range callers {
			c := call.Common()
			j := i
			if c.IsInvoke() {
				j--
			}
			var arg ssa.Value
			switch {
			case c.IsInvoke() && j < 0:
				arg = c.Value
			case j >= 0 && j < len(c.Args):
				arg = c.Args[j]
			}
			if arg == nil || e.serverRequest(arg, depth+1) {
				return true
			}
		}
		return false
	case *ssa.Extract:
		return e.serverRequest(x.Tuple, depth+1)
	case *ssa.Call:
		switch calleeKey(x.Common()) {
		case "net/http.NewRequest", "net/http.NewRequestWithContext", "net/http/httptest.NewRequest",
			"net/http/httptest.NewRequestWithContext", "net/http.ReadRequest":
			return false
		case "(*net/http.Request).WithContext", "(*net/http.Request).Clone":
			if args := x.Common().Args; len(args) > 0 {
				return e.serverRequest(args[0], depth+1)
			}
			return true
		}
		if callees := e.callees[x]; len(callees) > 0 {
			for _, callee := range callees {
				for _, ret := range e.returns[callee] {
					for _, rv := range ret.Results {
						if types.Identical(rv.Type(), x.Type()) && e.serverRequest(rv, depth+1) {
							return true
						}
					}
				}
			}
			return false
		}
		return true
	case *ssa.Phi:
		for _, edge := range x.Edges {
			if e.serverRequest(edge, depth+1) {
				return true
			}
		}
		return false
	case *ssa.Alloc:
		return false // &http.Request{...} built here
	}
	return true
}

// clientSide reports whether fn receives requests the program sends: an
// http.RoundTripper or a CheckRedirect function.
func clientSide(fn *ssa.Function) bool {
	if fn.Name() == "RoundTrip" {
		return true
	}
	params := fn.Signature.Params()
	for i := 0; i < params.Len(); i++ {
		if types.TypeString(params.At(i).Type(), nil) == "[]*net/http.Request" {
			return true
		}
	}
	return false
}

func isRequestField(structType types.Type, fv *types.Var) bool {
	if !requestFields[fv.Name()] || fv.Pkg() == nil || fv.Pkg().Path() != pkgHTTP {
		return false
	}
	t := structType
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	return types.TypeString(t, nil) == "net/http.Request"
}

func paramIndex(p *ssa.Parameter) int {
	for i, q := range p.Parent().Params {
		if q == p {
			return i
		}
	}
	return -1
}

// funcName names fn for flow messages: "store.Store.FindUser".
func funcName(fn *ssa.Function) string {
	name := fn.Name()
	if recv := fn.Signature.Recv(); recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			name = n.Obj().Name() + "." + name
		}
	}
	if fn.Parent() != nil {
		return funcName(fn.Parent()) + " (closure)"
	}
	if fn.Pkg != nil {
		return fn.Pkg.Pkg.Name() + "." + name
	}
	return name
}

// ownerName returns "Type." for a (pointer to a) named struct type, "" for
// anonymous structs.
func ownerName(t types.Type) string {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Obj().Name() + "."
	}
	return ""
}
