package coderoutes

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"sort"
	"strconv"
	"strings"

	"github.com/escarp/escarp/internal/inventory/routes"
)

// router is a router, group or sub-router found in the code.
type router struct {
	fw     string
	parent *router
	prefix string // relative to parent
	// auth: authentication middleware guards routes registered on it from
	// now on (gin, echo groups, chi, fiber: middleware order matters).
	auth bool
	// lazy: authentication middleware guards every route, whenever
	// registered (gorilla/mux Use, echo's root Use).
	lazy bool
	// mounted: attached with Mount or http.StripPrefix, so the parent's
	// middleware applies at request time.
	mounted bool
	// dynamic names a prefix that could not be resolved.
	dynamic bool
}

// route is a route under construction (gorilla/mux builds them in steps).
type route struct {
	r        *router
	methods  []string // nil: any method
	path     string
	handler  string
	auth     bool
	file     string
	line     int
	fw       string
	complete bool // has a handler
	sub      bool // used to make a sub-router, not a route
	dynamic  bool
}

// value is what the interpreter knows about an expression.
type value struct {
	r     *router
	rt    *route
	str   *string
	strs  []string
	fn    string // function or handler name
	auth  bool   // the handler is wrapped by authentication middleware
	text  string // source text, for naming middleware
	vname string // the variable it was assigned to, also a middleware name
	lit   *closure
	fref  *funcInfo
	obj   *object
	strip string // http.StripPrefix prefix
}

func (v value) isHandler() bool { return v.fn != "" || v.lit != nil || v.fref != nil }

// closure is a function literal with its defining environment.
type closure struct {
	lit  *ast.FuncLit
	env  *env
	fr   *frame
	name string
}

// object is a value of a struct type declared in a scanned package.
type object struct {
	p   *pkg
	typ string
}

// env is a lexical scope.
type env struct {
	vars   map[string]value
	parent *env
}

func newEnv(parent *env) *env { return &env{vars: map[string]value{}, parent: parent} }

func (e *env) lookup(name string) (value, bool) {
	for s := e; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return value{}, false
}

func (e *env) assign(name string, v value) {
	for s := e; s != nil; s = s.parent {
		if _, ok := s.vars[name]; ok {
			s.vars[name] = v
			return
		}
	}
	e.vars[name] = v
}

// frame is one function being interpreted.
type frame struct {
	fn   *funcInfo
	file *file
	ret  []value
}

// interp interprets function bodies abstractly, following routers.
type interp struct {
	ctx    context.Context
	idx    *index
	routes []*route
	notes  []string
	steps  int
	depth  int
	over   bool
	active map[*funcInfo]bool
	// activeLit stops recursion through closures.
	activeLit map[*ast.FuncLit]bool
	memo      map[string][]value
	keep      [][]value        // the values memo keys refer to
	cells     map[string]value // struct fields and package vars
	evals     map[string]bool  // package values being evaluated
	defMux    map[string]*router
	noted     map[string]bool
	// authNames caches routes.AuthMiddleware.
	authNames map[string]bool
	// prefixed are fiber's app.Use("/prefix", auth) guards.
	prefixed []prefixGuard
}

func newInterp(ctx context.Context, idx *index) *interp {
	return &interp{ctx: ctx, idx: idx, active: map[*funcInfo]bool{}, activeLit: map[*ast.FuncLit]bool{}, memo: map[string][]value{},
		cells: map[string]value{}, evals: map[string]bool{}, defMux: map[string]*router{}, noted: map[string]bool{}, authNames: map[string]bool{}}
}

// note records a note on file:line once, however often the interpreter
// passes there (a route registered in a loop or by a helper called many
// times).
func (in *interp) note(file string, line int, format string, args ...any) {
	msg := fmt.Sprintf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	if !in.noted[msg] {
		in.noted[msg] = true
		in.notes = append(in.notes, msg)
	}
}

// run interprets the entry points (functions nothing in the tree refers
// to), then every function not reached from them, with unknown arguments.
func (in *interp) run() error {
	referenced := in.references()
	in.relevance()
	var all []*funcInfo
	for _, p := range in.idx.pkgs {
		keys := make([]string, 0, len(p.funcs))
		for k := range p.funcs {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return p.funcs[keys[i]].decl.Pos() < p.funcs[keys[j]].decl.Pos() })
		for _, k := range keys {
			all = append(all, p.funcs[k])
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].file.rel < all[j].file.rel })
	for pass := 0; pass < 2; pass++ {
		for _, fi := range all {
			if err := in.ctx.Err(); err != nil {
				return err
			}
			if fi.seen || !fi.relevant || (pass == 0 && referenced[fi]) {
				continue
			}
			in.call(fi, nil, nil)
		}
	}
	if in.over && in.ctx.Err() == nil {
		in.notes = append(in.notes, fmt.Sprintf("analysis budget of %d steps exhausted: some routes may be missing", maxSteps))
	}
	return in.ctx.Err()
}

// references returns the functions some code in the tree refers to by
// name (called or passed as a value). Methods are matched by name only.
func (in *interp) references() map[*funcInfo]bool {
	out := map[*funcInfo]bool{}
	methods := map[string]bool{}
	for _, p := range in.idx.pkgs {
		for _, fl := range p.files {
			ast.Inspect(fl.ast, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					if n.Body != nil {
						ast.Inspect(n.Body, func(m ast.Node) bool {
							switch m := m.(type) {
							case *ast.Ident:
								if fi := p.funcs[m.Name]; fi != nil && fi.decl != n {
									out[fi] = true
								}
							case *ast.SelectorExpr:
								if id, ok := m.X.(*ast.Ident); ok {
									if ip, ok := fl.imports[id.Name]; ok {
										if q := in.idx.pkgByImport(ip); q != nil {
											if fi := q.funcs[m.Sel.Name]; fi != nil {
												out[fi] = true
											}
										}
										return false
									}
								}
								methods[m.Sel.Name] = true
							}
							return true
						})
					}
					return false
				case *ast.ValueSpec:
					for _, v := range n.Values {
						ast.Inspect(v, func(m ast.Node) bool {
							if id, ok := m.(*ast.Ident); ok {
								if fi := p.funcs[id.Name]; fi != nil {
									out[fi] = true
								}
							}
							return true
						})
					}
				}
				return true
			})
		}
	}
	for _, p := range in.idx.pkgs {
		for _, fi := range p.funcs {
			if fi.decl.Recv != nil && methods[fi.decl.Name.Name] {
				out[fi] = true
			}
		}
	}
	return out
}

// step counts work and reports whether the budget allows more.
func (in *interp) step() bool {
	in.steps++
	if in.steps > maxSteps {
		in.over = true
		return false
	}
	if in.steps&1023 == 0 && in.ctx.Err() != nil {
		in.over = true // cancelled: run reports ctx.Err()
		return false
	}
	return true
}

// call interprets fi with the given receiver and arguments and returns its
// results.
func (in *interp) call(fi *funcInfo, recv *value, args []value) []value {
	if fi.decl.Body == nil || (!fi.relevant && !fi.useful) || in.active[fi] || in.depth >= maxDepth || !in.step() {
		return nil
	}
	key := memoKey(fi, recv, args)
	if r, ok := in.memo[key]; ok {
		return r
	}
	in.memo[key] = nil
	// The key holds addresses: keep what they point to alive, so that no
	// later value can reuse an address and hit this entry by mistake.
	in.keep = append(in.keep, args)
	if recv != nil {
		in.keep = append(in.keep, []value{*recv})
	}
	fi.seen = true
	in.active[fi] = true
	in.depth++
	defer func() { in.active[fi] = false; in.depth-- }()
	fr := &frame{fn: fi, file: fi.file}
	e := newEnv(nil)
	if recv != nil && fi.decl.Recv != nil && len(fi.decl.Recv.List) > 0 {
		rf := fi.decl.Recv.List[0]
		if len(rf.Names) > 0 {
			e.vars[rf.Names[0].Name] = *recv
		}
	} else if fi.decl.Recv != nil && len(fi.decl.Recv.List) > 0 {
		rf := fi.decl.Recv.List[0]
		if tn, _ := recvType(rf.Type); tn != "" && len(rf.Names) > 0 {
			e.vars[rf.Names[0].Name] = value{obj: &object{p: fi.file.pkg, typ: tn}}
		}
	}
	in.bindParams(fr, e, fi.decl.Type, args)
	in.block(fr, e, fi.decl.Body.List)
	in.memo[key] = fr.ret
	return fr.ret
}

func memoKey(fi *funcInfo, recv *value, args []value) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%p", fi)
	w := func(v value) {
		fmt.Fprintf(&b, "|%p,%p,%p,%p,%q", v.r, v.rt, v.obj, v.lit, v.fn)
		if v.str != nil {
			b.WriteString(strconv.Quote(*v.str))
		}
	}
	if recv != nil {
		w(*recv)
	}
	for _, a := range args {
		w(a)
	}
	return b.String()
}

// bindParams binds the parameters of a function type to args; a parameter
// of a router type that receives nothing known gets a fresh router.
func (in *interp) bindParams(fr *frame, e *env, ft *ast.FuncType, args []value) {
	if ft.Params == nil {
		return
	}
	i := 0
	for _, f := range ft.Params.List {
		names := f.Names
		if len(names) == 0 {
			i++
			continue
		}
		for _, n := range names {
			var v value
			if i < len(args) {
				v = args[i]
			}
			i++
			if v.r == nil && v.obj == nil && v.rt == nil {
				if fw := in.routerType(fr.file, f.Type); fw != "" {
					v.r = &router{fw: fw}
				} else if o := in.objectType(fr.file, f.Type); o != nil && !v.isHandler() && v.str == nil {
					v.obj = o
				}
			}
			if n.Name != "_" {
				e.vars[n.Name] = v
			}
		}
	}
}

// routerType returns the framework of a router type expression
// (*gin.RouterGroup, chi.Router, *mux.Router, ...), or "".
func (in *interp) routerType(fl *file, t ast.Expr) string {
	se, ok := unstar(t).(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	id, ok := se.X.(*ast.Ident)
	if !ok {
		return ""
	}
	fw := frameworkOf(fl.imports[id.Name])
	if fw == "" {
		return ""
	}
	if routerTypes[fw][se.Sel.Name] {
		return fw
	}
	return ""
}

// objectType returns the object a type expression names when it is a
// struct type of a scanned package.
func (in *interp) objectType(fl *file, t ast.Expr) *object {
	switch x := unstar(t).(type) {
	case *ast.Ident:
		if _, ok := fl.pkg.fields[x.Name]; ok {
			return &object{p: fl.pkg, typ: x.Name}
		}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			if ip, ok := fl.imports[id.Name]; ok {
				if q := in.idx.pkgByImport(ip); q != nil {
					if _, ok := q.fields[x.Sel.Name]; ok {
						return &object{p: q, typ: x.Sel.Name}
					}
				}
			}
		}
	}
	return nil
}

// switchCases interprets every case of a switch or type switch, each in
// its own scope below the switch's init statement.
func (in *interp) switchCases(fr *frame, e *env, init ast.Stmt, body *ast.BlockStmt) {
	se := newEnv(e)
	if init != nil {
		in.stmt(fr, se, init)
	}
	for _, c := range body.List {
		if cc, ok := c.(*ast.CaseClause); ok {
			in.block(fr, newEnv(se), cc.Body)
		}
	}
}

// block interprets statements in order.
func (in *interp) block(fr *frame, e *env, list []ast.Stmt) {
	for _, s := range list {
		if in.over || in.ctx.Err() != nil {
			return
		}
		in.stmt(fr, e, s)
	}
}

func (in *interp) stmt(fr *frame, e *env, s ast.Stmt) {
	if !in.step() {
		return
	}
	switch s := s.(type) {
	case *ast.BlockStmt:
		in.block(fr, newEnv(e), s.List)
	case *ast.ExprStmt:
		in.eval(fr, e, s.X)
	case *ast.AssignStmt:
		in.assign(fr, e, s.Lhs, s.Rhs, s.Tok == token.DEFINE)
	case *ast.DeclStmt:
		gd, ok := s.Decl.(*ast.GenDecl)
		if !ok {
			return
		}
		for _, sp := range gd.Specs {
			vs, ok := sp.(*ast.ValueSpec)
			if !ok {
				continue
			}
			lhs := make([]ast.Expr, len(vs.Names))
			for i, n := range vs.Names {
				lhs[i] = n
			}
			if len(vs.Values) == 0 {
				for _, n := range vs.Names {
					v := value{}
					if fw := in.routerType(fr.file, vs.Type); fw != "" {
						v.r = &router{fw: fw}
					}
					e.vars[n.Name] = v
				}
				continue
			}
			in.assign(fr, e, lhs, vs.Values, true)
		}
	case *ast.IfStmt:
		ie := newEnv(e)
		if s.Init != nil {
			in.stmt(fr, ie, s.Init)
		}
		in.eval(fr, ie, s.Cond)
		in.block(fr, newEnv(ie), s.Body.List)
		if s.Else != nil {
			in.stmt(fr, ie, s.Else)
		}
	case *ast.ForStmt:
		fe := newEnv(e)
		if s.Init != nil {
			in.stmt(fr, fe, s.Init)
		}
		in.block(fr, newEnv(fe), s.Body.List)
	case *ast.RangeStmt:
		re := newEnv(e)
		x := in.eval(fr, e, s.X)
		if id, ok := s.Value.(*ast.Ident); ok && len(x.strs) > 0 && s.Tok == token.DEFINE {
			// for _, p := range []string{"/a", "/b"}: paths come from the list
			re.vars[id.Name] = value{text: id.Name, strs: x.strs}
		}
		in.block(fr, re, s.Body.List)
	case *ast.SwitchStmt:
		in.switchCases(fr, e, s.Init, s.Body)
	case *ast.TypeSwitchStmt:
		in.switchCases(fr, e, s.Init, s.Body)
	case *ast.SelectStmt:
		for _, c := range s.Body.List {
			if cc, ok := c.(*ast.CommClause); ok {
				in.block(fr, newEnv(e), cc.Body)
			}
		}
	case *ast.LabeledStmt:
		in.stmt(fr, e, s.Stmt)
	case *ast.GoStmt:
		in.eval(fr, e, s.Call)
	case *ast.DeferStmt:
		in.eval(fr, e, s.Call)
	case *ast.ReturnStmt:
		var vals []value
		if len(s.Results) == 1 {
			vals = in.evalMulti(fr, e, s.Results[0])
		} else {
			for _, r := range s.Results {
				vals = append(vals, in.eval(fr, e, r))
			}
		}
		if fr.ret == nil || better(vals, fr.ret) {
			fr.ret = vals
		}
	}
}

// better prefers return values that carry a router or object over others.
func better(a, b []value) bool {
	score := func(vs []value) int {
		n := 0
		for _, v := range vs {
			if v.r != nil || v.obj != nil {
				n += 2
			} else if v.isHandler() || v.str != nil {
				n++
			}
		}
		return n
	}
	return score(a) > score(b)
}

// assign interprets lhs = rhs (or :=).
func (in *interp) assign(fr *frame, e *env, lhs, rhs []ast.Expr, define bool) {
	var vals []value
	if len(rhs) == 1 && len(lhs) > 1 {
		vals = in.evalMulti(fr, e, rhs[0])
	} else {
		for _, r := range rhs {
			vals = append(vals, in.eval(fr, e, r))
		}
	}
	for i, l := range lhs {
		var v value
		if i < len(vals) {
			v = vals[i]
		}
		switch l := l.(type) {
		case *ast.Ident:
			if l.Name == "_" {
				continue
			}
			if v.text == "" {
				v.text = l.Name
			}
			v.vname = l.Name
			if define {
				e.vars[l.Name] = v
			} else if _, ok := e.lookup(l.Name); ok {
				e.assign(l.Name, v)
			} else if _, ok := fr.file.pkg.values[l.Name]; ok {
				in.cells["var\x00"+fr.file.pkg.dir+"\x00"+l.Name] = v
			} else {
				e.assign(l.Name, v)
			}
		case *ast.SelectorExpr:
			if k := in.fieldCell(fr, e, l); k != "" {
				in.cells[k] = v
			}
		}
	}
}

// evalMulti evaluates an expression that may yield several values (a
// call returning (router, error), say).
func (in *interp) evalMulti(fr *frame, e *env, x ast.Expr) []value {
	if call, ok := unparen(x).(*ast.CallExpr); ok {
		if vs, ok := in.callValues(fr, e, call); ok {
			return vs
		}
	}
	return []value{in.eval(fr, e, x)}
}

func unparen(x ast.Expr) ast.Expr {
	for i := 0; i < 16; i++ {
		p, ok := x.(*ast.ParenExpr)
		if !ok {
			break
		}
		x = p.X
	}
	return x
}

// fieldCell returns the cell key of x.f when x is an object of a scanned
// struct type, or of pkg.Var.
func (in *interp) fieldCell(fr *frame, e *env, s *ast.SelectorExpr) string {
	if id, ok := s.X.(*ast.Ident); ok {
		if _, local := e.lookup(id.Name); !local {
			if ip, ok := fr.file.imports[id.Name]; ok {
				if q := in.idx.pkgByImport(ip); q != nil {
					return "var\x00" + q.dir + "\x00" + s.Sel.Name
				}
				return ""
			}
		}
	}
	x := in.eval(fr, e, s.X)
	if x.obj != nil {
		return "field\x00" + x.obj.p.dir + "\x00" + x.obj.typ + "\x00" + s.Sel.Name
	}
	return ""
}

// eval evaluates one expression.
func (in *interp) eval(fr *frame, e *env, x ast.Expr) value {
	if x == nil || !in.step() {
		return value{}
	}
	switch x := x.(type) {
	case *ast.ParenExpr:
		return in.eval(fr, e, x.X)
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			if s, err := strconv.Unquote(x.Value); err == nil {
				return value{str: &s}
			}
		}
		return value{text: x.Value}
	case *ast.Ident:
		return in.ident(fr, e, x)
	case *ast.BinaryExpr:
		a, b := in.eval(fr, e, x.X), in.eval(fr, e, x.Y)
		if x.Op == token.ADD && a.str != nil && b.str != nil {
			s := *a.str + *b.str
			return value{str: &s}
		}
		return value{text: exprText(x)}
	case *ast.UnaryExpr:
		return in.eval(fr, e, x.X)
	case *ast.StarExpr:
		return in.eval(fr, e, x.X)
	case *ast.CompositeLit:
		return in.composite(fr, e, x)
	case *ast.FuncLit:
		name := fr.fn.lits[x]
		if name == "" {
			name = fr.fn.name + ".func"
		}
		return value{lit: &closure{lit: x, env: e, fr: fr, name: name}, fn: name}
	case *ast.SelectorExpr:
		return in.selector(fr, e, x)
	case *ast.CallExpr:
		vs, _ := in.callValues(fr, e, x)
		if len(vs) > 0 {
			return vs[0]
		}
		return value{}
	case *ast.IndexExpr:
		v := in.eval(fr, e, x.X)
		if v.fref != nil || v.lit != nil { // generic instantiation f[T]
			return v
		}
		return value{text: exprText(x)}
	case *ast.TypeAssertExpr:
		return in.eval(fr, e, x.X)
	}
	return value{text: exprText(x)}
}

// ident evaluates a name: a local, a package-level value or function.
func (in *interp) ident(fr *frame, e *env, id *ast.Ident) value {
	if v, ok := e.lookup(id.Name); ok {
		return v
	}
	return in.pkgName(fr.file.pkg, id.Name, id.Pos())
}

// pkgName evaluates a package-level name of p.
func (in *interp) pkgName(p *pkg, name string, pos token.Pos) value {
	if fi := p.funcs[name]; fi != nil {
		return value{fref: fi, fn: fi.name, text: name}
	}
	vs, ok := p.values[name]
	if !ok {
		return value{text: name}
	}
	key := "var\x00" + p.dir + "\x00" + name
	if v, ok := in.cells[key]; ok {
		return v
	}
	if in.evals[key] {
		return value{text: name}
	}
	in.evals[key] = true
	var v value
	if vs.init != nil {
		// Package-level initializers run in a frame of their own.
		fr := &frame{fn: &funcInfo{file: vs.file, name: p.name + ".init", lits: map[*ast.FuncLit]string{}}, file: vs.file}
		v = in.eval(fr, newEnv(nil), vs.init)
	} else if fw := in.routerType(vs.file, vs.typ); fw != "" {
		v.r = &router{fw: fw}
	}
	if v.text == "" {
		v.text = name
	}
	in.cells[key] = v
	delete(in.evals, key)
	return v
}

// composite evaluates T{...}: objects of scanned struct types (recording
// router fields) and string slices.
func (in *interp) composite(fr *frame, e *env, x *ast.CompositeLit) value {
	if at, ok := x.Type.(*ast.ArrayType); ok {
		_ = at
		var strs []string
		for _, el := range x.Elts {
			if v := in.eval(fr, e, el); v.str != nil {
				strs = append(strs, *v.str)
			}
		}
		return value{strs: strs}
	}
	var o *object
	if x.Type != nil {
		o = in.objectType(fr.file, x.Type)
	}
	for _, el := range x.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			in.eval(fr, e, el)
			continue
		}
		v := in.eval(fr, e, kv.Value)
		if k, ok := kv.Key.(*ast.Ident); ok && o != nil {
			in.cells["field\x00"+o.p.dir+"\x00"+o.typ+"\x00"+k.Name] = v
		}
	}
	if o != nil {
		return value{obj: o}
	}
	return value{text: exprText(x)}
}

// selector evaluates X.Sel that is not called.
func (in *interp) selector(fr *frame, e *env, s *ast.SelectorExpr) value {
	if id, ok := s.X.(*ast.Ident); ok {
		if _, local := e.lookup(id.Name); !local {
			if ip, ok := fr.file.imports[id.Name]; ok {
				if ip == "net/http" && s.Sel.Name == "DefaultServeMux" {
					return value{r: in.defaultMux(fwHTTP)}
				}
				if m, ok := strings.CutPrefix(s.Sel.Name, "Method"); ok && ip == "net/http" && m != "" {
					m = strings.ToUpper(m)
					return value{str: &m, text: exprText(s)}
				}
				if q := in.idx.pkgByImport(ip); q != nil {
					v := in.pkgName(q, s.Sel.Name, s.Pos())
					if v.fn == "" && v.r == nil && v.obj == nil && v.str == nil {
						v.fn = q.name + "." + s.Sel.Name
					}
					return v
				}
				return value{fn: importName(ip, id.Name) + "." + s.Sel.Name, text: exprText(s)}
			}
		}
	}
	x := in.eval(fr, e, s.X)
	if x.obj != nil {
		k := "field\x00" + x.obj.p.dir + "\x00" + x.obj.typ + "\x00" + s.Sel.Name
		if v, ok := in.cells[k]; ok {
			return v
		}
		if ft, ok := x.obj.p.fields[x.obj.typ][s.Sel.Name]; ok {
			var v value
			if fw := in.routerTypeAny(x.obj.p, ft); fw != "" {
				v.r = &router{fw: fw}
			} else {
				for _, fl := range x.obj.p.files {
					if o := in.objectType(fl, ft); o != nil {
						v.obj = o
						break
					}
				}
			}
			v.text = exprText(s)
			in.cells[k] = v
			return v
		}
		// A method value: h.GetUser.
		mk := x.obj.typ + "." + s.Sel.Name
		if fi := x.obj.p.funcs[mk]; fi != nil {
			return value{fn: fi.name, text: exprText(s)}
		}
		return value{fn: x.obj.p.name + "." + mk, text: exprText(s)}
	}
	return value{fn: in.qualify(fr.file, exprText(s)), text: exprText(s)}
}

// routerTypeAny is routerType for a type expression of any file of p.
func (in *interp) routerTypeAny(p *pkg, t ast.Expr) string {
	for _, f := range p.files {
		if fw := in.routerType(f, t); fw != "" {
			return fw
		}
	}
	return ""
}

// qualify replaces a leading import alias by the package's name.
func (in *interp) qualify(fl *file, text string) string {
	head, rest, ok := strings.Cut(text, ".")
	if !ok {
		return text
	}
	if ip, ok := fl.imports[head]; ok {
		if q := in.idx.pkgByImport(ip); q != nil {
			return q.name + "." + rest
		}
		return importName(ip, head) + "." + rest
	}
	return text
}

// importName is the package name an import path most likely declares.
func importName(ip, alias string) string {
	if alias != "" {
		return alias
	}
	return path2name(ip)
}

func path2name(ip string) string {
	i := strings.LastIndex(ip, "/")
	return ip[i+1:]
}

// defaultMux is http.DefaultServeMux.
func (in *interp) defaultMux(fw string) *router {
	if r := in.defMux[fw]; r != nil {
		return r
	}
	r := &router{fw: fw}
	in.defMux[fw] = r
	return r
}

// callValues evaluates a call; ok is false when nothing is known of it.
func (in *interp) callValues(fr *frame, e *env, call *ast.CallExpr) ([]value, bool) {
	switch fun := unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		if id, ok := fun.X.(*ast.Ident); ok {
			if _, local := e.lookup(id.Name); !local {
				if ip, ok := fr.file.imports[id.Name]; ok {
					return in.pkgCall(fr, e, call, ip, id.Name, fun.Sel.Name)
				}
			}
		}
		recv := in.eval(fr, e, fun.X)
		switch {
		case recv.r != nil:
			return []value{in.routerCall(fr, e, call, recv.r, fun.Sel)}, true
		case recv.rt != nil:
			return []value{in.routeCall(fr, e, call, recv.rt, fun.Sel)}, true
		case recv.obj != nil:
			if fi := recv.obj.p.funcs[recv.obj.typ+"."+fun.Sel.Name]; fi != nil {
				args := in.args(fr, e, call.Args)
				return in.wrap(fi.name, in.call(fi, &recv, args), args), true
			}
		}
		args := in.args(fr, e, call.Args)
		return in.unknownCall(in.qualify(fr.file, exprText(fun)), args), false
	case *ast.Ident:
		v, local := e.lookup(fun.Name)
		if !local {
			v = in.pkgName(fr.file.pkg, fun.Name, fun.Pos())
		}
		args := in.args(fr, e, call.Args)
		switch {
		case v.fref != nil:
			return in.wrap(v.fref.name, in.call(v.fref, nil, args), args), true
		case v.lit != nil:
			return in.wrap(v.lit.name, in.callClosure(v.lit, args), args), true
		}
		if len(args) == 1 && fr.file.pkg.fields[fun.Name] == nil && isConversion(fun.Name) {
			return args, true // string(x), a conversion
		}
		return in.unknownCall(fun.Name, args), false
	case *ast.FuncLit:
		c := in.eval(fr, e, fun)
		args := in.args(fr, e, call.Args)
		return in.wrap(c.lit.name, in.callClosure(c.lit, args), args), true
	}
	args := in.args(fr, e, call.Args)
	return in.unknownCall(exprText(call.Fun), args), false
}

func isConversion(name string) bool {
	switch name {
	case "string", "any":
		return true
	}
	return false
}

// args evaluates call arguments.
func (in *interp) args(fr *frame, e *env, xs []ast.Expr) []value {
	out := make([]value, len(xs))
	for i, x := range xs {
		out[i] = in.eval(fr, e, x)
	}
	return out
}

// wrap turns the result of calling name into a value. A call that yields
// a router, object or string is that; any other call taking a handler is a
// handler wrapper (requireAuth(h), a middleware chain), named after the
// handler and guarded when the wrapper looks like authentication; other
// calls are named after the function (a handler factory, or middleware
// such as middleware.JWT(secret)).
func (in *interp) wrap(name string, res []value, args []value) []value {
	if len(res) > 0 && (res[0].r != nil || res[0].obj != nil || res[0].str != nil || res[0].rt != nil || len(res[0].strs) > 0) {
		return res
	}
	for _, a := range args {
		if a.isHandler() && a.r == nil {
			v := value{fn: a.fn, auth: a.auth || in.isAuth(name), text: name}
			if a.fn == "" && a.lit != nil {
				v.fn = a.lit.name
			}
			return append([]value{v}, res[min(1, len(res)):]...)
		}
		if a.r != nil {
			// A wrapped router (a middleware chain around a mux).
			v := a
			v.auth = a.auth || in.isAuth(name)
			return []value{v}
		}
	}
	return append([]value{{fn: name, text: name}}, res[min(1, len(res)):]...)
}

// unknownCall is a call of a function the tree does not declare. Its
// function-literal arguments are interpreted, since it may well call them
// (sync.Once.Do(func() {...}), an errgroup): they may register routes.
func (in *interp) unknownCall(name string, args []value) []value {
	for _, a := range args {
		if a.lit != nil && len(a.lit.lit.Type.Params.List) == 0 {
			in.callClosure(a.lit, nil)
		}
	}
	return in.wrap(name, nil, args)
}

// callClosure interprets a function literal with arguments.
func (in *interp) callClosure(c *closure, args []value) []value {
	if c == nil || in.activeLit[c.lit] || in.depth >= maxDepth || !in.step() {
		return nil
	}
	in.depth++
	in.activeLit[c.lit] = true
	defer func() { in.depth--; in.activeLit[c.lit] = false }()
	fr := &frame{fn: c.fr.fn, file: c.fr.file}
	e := newEnv(c.env)
	in.bindParams(fr, e, c.lit.Type, args)
	in.block(fr, e, c.lit.Body.List)
	return fr.ret
}

// invoke calls a function value (closure or named function) with args.
func (in *interp) invoke(v value, args []value) {
	switch {
	case v.lit != nil:
		in.callClosure(v.lit, args)
	case v.fref != nil:
		in.call(v.fref, nil, args)
	}
}

// result finalizes the routes: full paths, authentication, sorted and
// without duplicates.
func (in *interp) result() []routes.Route {
	seen := map[string]bool{}
	var out []routes.Route
	for i, rt := range in.routes {
		if rt.sub {
			continue
		}
		p, dyn := fullPath(rt)
		if !rt.complete {
			in.note(rt.file, rt.line, "route %s registered without a handler: not reported", p)
			continue
		}
		if dyn {
			in.note(rt.file, rt.line, "route path built at run time, reported as %q", p)
		}
		auth := rt.auth || inheritedAuth(rt.r)
		for _, g := range in.prefixed {
			if i >= g.after && under(rt.r, g.r) {
				gp, _ := fullPath(&route{r: g.r, path: g.prefix})
				if p == gp || strings.HasPrefix(p, strings.TrimSuffix(gp, "/")+"/") {
					auth = true
				}
			}
		}
		methods := rt.methods
		if len(methods) == 0 {
			methods = []string{"ANY"}
		}
		for _, m := range methods {
			m = strings.ToUpper(m)
			a := auth
			r := routes.Route{Method: m, Path: p, Handler: rt.handler, File: rt.file, Line: rt.line, Framework: rt.fw, Auth: &a}
			k := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%d", r.Method, r.Path, r.Handler, r.File, r.Line)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// under reports whether r is anc or below it.
func under(r, anc *router) bool {
	for i := 0; r != nil && i < 64; r, i = r.parent, i+1 {
		if r == anc {
			return true
		}
	}
	return false
}

// fullPath joins a route's path under every prefix above it.
func fullPath(rt *route) (string, bool) {
	p, dyn := rt.path, rt.dynamic
	for r, i := rt.r, 0; r != nil && i < 64; r, i = r.parent, i+1 {
		p = joinPath(r.prefix, p)
		dyn = dyn || r.dynamic
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p, dyn
}

// inheritedAuth reports authentication that applies to every route of r
// whenever registered: gorilla/mux and echo root middleware, and a
// mounting router's middleware.
func inheritedAuth(r *router) bool {
	for i := 0; r != nil && i < 64; r, i = r.parent, i+1 {
		if r.lazy {
			return true
		}
		if r.mounted && r.parent != nil && r.parent.auth {
			return true
		}
	}
	return false
}

// exprText renders an expression compactly (for names and notes).
func exprText(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprText(x.X) + "." + x.Sel.Name
	case *ast.CallExpr:
		return exprText(x.Fun) + "(…)"
	case *ast.StarExpr:
		return exprText(x.X)
	case *ast.UnaryExpr:
		return exprText(x.X)
	case *ast.ParenExpr:
		return exprText(x.X)
	case *ast.IndexExpr:
		return exprText(x.X)
	case *ast.BasicLit:
		return x.Value
	case *ast.CompositeLit:
		if x.Type != nil {
			return exprText(x.Type) + "{…}"
		}
	case *ast.FuncLit:
		return "func literal"
	}
	return "expression"
}
