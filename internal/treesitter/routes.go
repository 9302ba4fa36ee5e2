//go:build cgo && !notreesitter

package treesitter

import (
	"cmp"
	"context"
	"path"
	"slices"
	"strings"

	"github.com/escarp/escarp/internal/inventory/routes"
)

// Routes lists the Express, Flask and FastAPI routes served by the code
// under root, with router prefixes (app.use, register_blueprint,
// include_router) resolved across files. The notes name files that could
// not be read or have syntax errors.
func Routes(ctx context.Context, root string) ([]routes.Route, []string, error) {
	p, err := load(ctx, "treesitter.Routes", root, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	g := newGraph(p)
	for _, f := range p.files {
		g.definitions(f)
	}
	// Twice, so a router passed on through two calls is bound too.
	for range 2 {
		for _, f := range p.files {
			g.bindings(f)
		}
	}
	for _, f := range p.files {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		g.registrations(f)
	}
	return g.resolve(), p.notes, nil
}

// routerID names a router (an Express app or Router, a Flask app or
// Blueprint, a FastAPI app or APIRouter): the variable holding it in a file.
type routerID struct{ file, name string }

type router struct {
	framework string
	prefix    string // Blueprint url_prefix, APIRouter prefix
	auth      bool   // router-wide dependencies or before_request guard
}

type localRoute struct {
	router                routerID
	method, path, handler string
	file                  string
	line                  int
	auth                  bool
}

type mount struct {
	parent, child routerID
	prefix        string
	hasPrefix     bool
	auth          bool
	file          string
	line          int
}

// guard is router.use(authMiddleware) at a line: it guards the routes
// registered on the router after it.
type guard struct {
	router routerID
	file   string
	line   int
}

// importRef is what a local name imported from another file refers to.
type importRef struct {
	file   string // the resolved file
	name   string // the exported name, "default", or "" for the whole module
	module bool   // Python: the name is a module
}

type graph struct {
	p       *project
	routers map[routerID]*router
	// params are function parameters bound to a router by a call such as
	// require('./routes')(app) or init_app(app).
	params  map[routerID]routerID
	imports map[string]map[string]importRef // file → local name → ref
	exports map[string]map[string]*node     // JS file → exported name → expression
	routes  []localRoute
	mounts  []mount
	guards  []guard
}

func newGraph(p *project) *graph {
	return &graph{p: p, routers: map[routerID]*router{}, params: map[routerID]routerID{}, imports: map[string]map[string]importRef{},
		exports: map[string]map[string]*node{}}
}

// calleeName returns the name of what an expression calls or names:
// "passport.authenticate" for passport.authenticate('jwt'), "auth" for auth.
func calleeName(n *node, src []byte) string {
	n = unparen(n)
	if n == nil {
		return ""
	}
	switch n.kind {
	case "call_expression", "call":
		return calleeName(n.child("function"), src)
	case "identifier", "member_expression", "attribute":
		return n.text(src)
	}
	return ""
}

// definitions records the routers a file creates, its imports and (for
// JavaScript) its exports.
func (g *graph) definitions(f *file) {
	src := f.src
	imps := map[string]importRef{}
	g.imports[f.rel] = imps
	if f.lang.python() {
		f.root.walk(func(n *node) bool {
			switch n.kind {
			case "assignment":
				l, r := n.child("left"), unparen(n.child("right"))
				if l != nil && l.kind == "identifier" && r != nil && r.kind == "call" {
					g.pyRouter(f, l.text(src), r)
				}
			case "import_from_statement":
				g.pyImportFrom(f, n, imps)
				return false
			case "import_statement":
				for _, c := range n.childrenOf("name") {
					mod := c.text(src)
					if c.kind == "aliased_import" {
						mod, local := c.child("name").text(src), c.child("alias").text(src)
						if t := g.pyModule(f.rel, mod); t != "" {
							imps[local] = importRef{file: t, module: true}
						}
						continue
					}
					// import pkg.mod: remember the full dotted path under its head.
					if t := g.pyModule(f.rel, mod); t != "" {
						imps[mod] = importRef{file: t, module: true}
					}
				}
				return false
			}
			return true
		})
		return
	}
	exps := map[string]*node{}
	g.exports[f.rel] = exps
	f.root.walk(func(n *node) bool {
		switch n.kind {
		case "variable_declarator":
			name, v := n.child("name"), unparen(n.child("value"))
			if name == nil || v == nil {
				return true
			}
			if name.kind == "identifier" {
				g.jsRouter(f, name.text(src), v)
			}
			if v.kind == "call_expression" && v.child("function").text(src) == "require" {
				spec, ok := stringValue(firstArg(v), src)
				if t := g.jsModule(f.rel, spec); ok && t != "" {
					if name.kind == "identifier" {
						imps[name.text(src)] = importRef{file: t, name: "default"}
					} else if name.kind == "object_pattern" {
						for _, c := range name.namedChildren() {
							if key, bound := patternEntry(c); key != nil {
								imps[bound.text(src)] = importRef{file: t, name: key.text(src)}
							}
						}
					}
				}
			}
		case "import_statement":
			spec, ok := stringValue(n.child("source"), src)
			t := g.jsModule(f.rel, spec)
			if !ok || t == "" {
				return false
			}
			n.walk(func(c *node) bool {
				switch c.kind {
				case "import_clause":
					for _, d := range c.namedChildren() {
						if d.kind == "identifier" {
							imps[d.text(src)] = importRef{file: t, name: "default"}
						}
					}
				case "namespace_import":
					for _, d := range c.namedChildren() {
						imps[d.text(src)] = importRef{file: t, name: "*"}
					}
					return false
				case "import_specifier":
					orig := c.child("name").text(src)
					local := orig
					if al := c.child("alias"); al != nil {
						local = al.text(src)
					}
					imps[local] = importRef{file: t, name: orig}
					return false
				}
				return true
			})
			return false
		case "assignment_expression":
			// module.exports = x; module.exports.name = x; exports.name = x
			l, r := n.child("left").text(src), n.child("right")
			switch {
			case l == "module.exports":
				exps["default"] = r
				if o := unparen(r); o != nil && o.kind == "object" {
					for _, c := range o.namedChildren() {
						switch c.kind {
						case "shorthand_property_identifier":
							exps[c.text(src)] = c
						case "pair":
							exps[c.child("key").text(src)] = c.child("value")
						}
					}
				}
			case strings.HasPrefix(l, "module.exports."):
				exps[strings.TrimPrefix(l, "module.exports.")] = r
			case strings.HasPrefix(l, "exports."):
				exps[strings.TrimPrefix(l, "exports.")] = r
			}
		case "export_statement":
			if v := n.child("value"); v != nil { // export default x
				exps["default"] = v
			} else if d := n.child("declaration"); d != nil && strings.HasPrefix(n.text(src), "export default") {
				exps["default"] = d // export default function mount(app) {}
			}
			if d := n.child("declaration"); d != nil {
				d.walk(func(c *node) bool {
					if c.kind == "variable_declarator" {
						if nm := c.child("name"); nm != nil && nm.kind == "identifier" {
							exps[nm.text(src)] = nm
						}
						return false
					}
					return c == d || c.kind == "lexical_declaration" || c.kind == "variable_declaration"
				})
			}
			for _, c := range n.namedChildren() {
				if c.kind != "export_clause" {
					continue
				}
				for _, sp := range c.namedChildren() {
					orig := sp.child("name")
					exported := orig.text(src)
					if al := sp.child("alias"); al != nil {
						exported = al.text(src)
					}
					exps[exported] = orig
				}
			}
		}
		return true
	})
}

// jsRouter records name = express() / express.Router() / Router().
func (g *graph) jsRouter(f *file, name string, v *node) {
	src := f.src
	if v.kind == "new_expression" {
		if c := v.child("constructor"); c != nil && strings.HasSuffix(c.text(src), "Router") {
			g.routers[routerID{f.rel, name}] = &router{framework: "express"}
		}
		return
	}
	if v.kind != "call_expression" {
		return
	}
	callee := v.child("function").text(src)
	switch {
	case callee == "express" || callee == "require('express')" || callee == `require("express")`:
		g.routers[routerID{f.rel, name}] = &router{framework: "express"}
	case strings.HasSuffix(callee, "Router") && (!strings.Contains(callee, "(") || strings.HasPrefix(callee, "require(")):
		g.routers[routerID{f.rel, name}] = &router{framework: "express"}
	}
}

// pyRouter records name = Flask(...) / Blueprint(...) / FastAPI(...) / APIRouter(...).
func (g *graph) pyRouter(f *file, name string, call *node) {
	src := f.src
	r := &router{}
	switch lastDotted(call.child("function").text(src)) {
	case "Flask":
		r.framework = "flask"
	case "Blueprint", "APIBlueprint":
		r.framework = "flask"
		if v := kwarg(call, "url_prefix", src); v != nil {
			r.prefix, _ = stringValue(v, src)
		}
	case "FastAPI":
		r.framework = "fastapi"
	case "APIRouter":
		r.framework = "fastapi"
		if v := kwarg(call, "prefix", src); v != nil {
			r.prefix, _ = stringValue(v, src)
		}
	default:
		return
	}
	if deps := kwarg(call, "dependencies", src); deps != nil && dependsAuth(deps, src) {
		r.auth = true
	}
	g.routers[routerID{f.rel, name}] = r
}

// dependsAuth reports whether n holds Depends(x) on an authentication
// dependency, or any Security(...).
func dependsAuth(n *node, src []byte) bool {
	found := false
	n.walk(func(c *node) bool {
		if found {
			return false
		}
		if c.kind == "call" {
			switch lastDotted(c.child("function").text(src)) {
			case "Security":
				found = true
			case "Depends":
				if a := firstArg(c); a != nil && routes.AuthMiddleware(calleeName(a, src)) {
					found = true
				}
			}
		}
		return true
	})
	return found
}

// pyImportFrom records from X import a, b as c.
func (g *graph) pyImportFrom(f *file, n *node, imps map[string]importRef) {
	src := f.src
	mod := n.child("module_name").text(src)
	for _, c := range n.childrenOf("name") {
		orig, local := c.text(src), c.text(src)
		if c.kind == "aliased_import" {
			orig, local = c.child("name").text(src), c.child("alias").text(src)
		}
		sub := mod + "." + orig
		if strings.HasSuffix(mod, ".") {
			sub = mod + orig
		}
		if t := g.pyModule(f.rel, sub); t != "" {
			imps[local] = importRef{file: t, module: true}
			continue
		}
		if t := g.pyModule(f.rel, mod); t != "" {
			imps[local] = importRef{file: t, name: orig}
		}
	}
}

// pyModule resolves a Python module name, relative ("..pkg.mod") or
// absolute, to a file of the project, or "".
func (g *graph) pyModule(from, mod string) string {
	dots := len(mod) - len(strings.TrimLeft(mod, "."))
	rest := strings.ReplaceAll(mod[dots:], ".", "/")
	var bases []string
	dir := path.Dir(from)
	if dots > 0 {
		for i := 1; i < dots; i++ {
			dir = path.Dir(dir)
		}
		bases = []string{dir}
	} else {
		for d := dir; ; d = path.Dir(d) {
			bases = append(bases, d)
			if d == "." || d == "/" || d == "" {
				break
			}
		}
	}
	for _, b := range bases {
		p := path.Join(b, rest)
		if rest == "" {
			p = b
		}
		for _, cand := range []string{p + ".py", path.Join(p, "__init__.py")} {
			if _, ok := g.p.byRel[cand]; ok {
				return cand
			}
		}
	}
	return ""
}

// jsModule resolves a relative require/import specifier to a file of the
// project, or "".
func (g *graph) jsModule(from, spec string) string {
	if !strings.HasPrefix(spec, ".") {
		return ""
	}
	p := path.Join(path.Dir(from), spec)
	stem := strings.TrimSuffix(p, path.Ext(p))
	cands := []string{p}
	for _, ext := range []string{".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx"} {
		cands = append(cands, p+ext, stem+ext, path.Join(p, "index"+ext))
	}
	for _, c := range cands {
		if _, ok := g.p.byRel[c]; ok {
			return c
		}
	}
	return ""
}

// resolveJS returns the router an expression of file f refers to.
func (g *graph) resolveJS(f string, n *node, depth int) (routerID, bool) {
	n = unparen(n)
	pf := g.p.byRel[f]
	if n == nil || pf == nil || depth > 20 {
		return routerID{}, false
	}
	src := pf.src
	switch n.kind {
	case "identifier", "shorthand_property_identifier":
		name := n.text(src)
		if _, ok := g.routers[routerID{f, name}]; ok {
			return routerID{f, name}, true
		}
		if id, ok := g.params[routerID{f, name}]; ok {
			return id, true
		}
		if ref, ok := g.imports[f][name]; ok {
			return g.exportOf(ref.file, ref.name, depth+1)
		}
	case "call_expression":
		if n.child("function").text(src) == "require" {
			spec, _ := stringValue(firstArg(n), src)
			if t := g.jsModule(f, spec); t != "" {
				return g.exportOf(t, "default", depth+1)
			}
		}
	case "member_expression":
		obj, prop := unparen(n.child("object")), n.child("property").text(src)
		if obj.kind == "identifier" {
			if ref, ok := g.imports[f][obj.text(src)]; ok && (ref.name == "default" || ref.name == "*") {
				return g.exportOf(ref.file, prop, depth+1)
			}
		}
		if obj.kind == "call_expression" && obj.child("function").text(src) == "require" {
			spec, _ := stringValue(firstArg(obj), src)
			if t := g.jsModule(f, spec); t != "" {
				return g.exportOf(t, prop, depth+1)
			}
		}
	}
	return routerID{}, false
}

func (g *graph) exportOf(file, name string, depth int) (routerID, bool) {
	e := g.exports[file][name]
	if e == nil {
		return routerID{}, false
	}
	return g.resolveJS(file, e, depth)
}

// resolvePy returns the router a Python expression of file f refers to.
func (g *graph) resolvePy(f string, n *node, depth int) (routerID, bool) {
	n = unparen(n)
	pf := g.p.byRel[f]
	if n == nil || pf == nil || depth > 20 {
		return routerID{}, false
	}
	src := pf.src
	switch n.kind {
	case "identifier":
		name := n.text(src)
		if _, ok := g.routers[routerID{f, name}]; ok {
			return routerID{f, name}, true
		}
		if id, ok := g.params[routerID{f, name}]; ok {
			return id, true
		}
		if ref, ok := g.imports[f][name]; ok && !ref.module {
			return g.pyName(ref.file, ref.name, depth+1)
		}
	case "attribute":
		obj, attr := n.child("object"), n.child("attribute").text(src)
		if ref, ok := g.imports[f][obj.text(src)]; ok && ref.module {
			return g.pyName(ref.file, attr, depth+1)
		}
	}
	return routerID{}, false
}

// pyName resolves a top-level name of a Python file, through re-imports.
func (g *graph) pyName(file, name string, depth int) (routerID, bool) {
	if _, ok := g.routers[routerID{file, name}]; ok {
		return routerID{file, name}, true
	}
	if ref, ok := g.imports[file][name]; ok && !ref.module && depth < 20 {
		return g.pyName(ref.file, ref.name, depth+1)
	}
	return routerID{}, false
}

// bindings binds the parameters of a function called with a router as
// argument: require('./routes')(app), setup(app), views.init_app(app).
func (g *graph) bindings(f *file) {
	f.root.walk(func(n *node) bool {
		if n.kind != "call_expression" && n.kind != "call" {
			return true
		}
		args := positional(n.child("arguments").namedChildren())
		var bound []int
		var ids []routerID
		for i, a := range args {
			var id routerID
			var ok bool
			if f.lang.python() {
				id, ok = g.resolvePy(f.rel, a, 0)
			} else {
				id, ok = g.resolveJS(f.rel, a, 0)
			}
			if ok {
				bound, ids = append(bound, i), append(ids, id)
			}
		}
		if len(bound) == 0 {
			return true
		}
		tf, fn := g.calledFunction(f, unparen(n.child("function")))
		if fn == nil {
			return true
		}
		params := funcParams(fn, g.p.byRel[tf].src)
		for k, i := range bound {
			if i < len(params) && params[i] != "" {
				if _, isRouter := g.routers[routerID{tf, params[i]}]; !isRouter {
					g.params[routerID{tf, params[i]}] = ids[k]
				}
			}
		}
		return true
	})
}

// calledFunction finds the definition of the function a callee names: in
// the same file, imported, or require('./x') itself.
func (g *graph) calledFunction(f *file, callee *node) (string, *node) {
	if callee == nil {
		return "", nil
	}
	src := f.src
	switch callee.kind {
	case "identifier":
		name := callee.text(src)
		if fn := topFunction(f, name); fn != nil {
			return f.rel, fn
		}
		if ref, ok := g.imports[f.rel][name]; ok && !ref.module {
			return g.exportedFunction(ref.file, ref.name)
		}
	case "call_expression": // require('./routes')(app)
		if callee.child("function").text(src) == "require" {
			spec, _ := stringValue(firstArg(callee), src)
			if t := g.jsModule(f.rel, spec); t != "" {
				return g.exportedFunction(t, "default")
			}
		}
	case "member_expression", "attribute":
		obj := callee.child("object")
		prop := callee.child("property")
		if prop == nil {
			prop = callee.child("attribute")
		}
		if ref, ok := g.imports[f.rel][obj.text(src)]; ok && (ref.module || ref.name == "default" || ref.name == "*") {
			return g.exportedFunction(ref.file, prop.text(src))
		}
	}
	return "", nil
}

// exportedFunction returns the function a file exports (JavaScript) or
// defines at top level (Python) under name.
func (g *graph) exportedFunction(file, name string) (string, *node) {
	tf := g.p.byRel[file]
	if tf == nil {
		return "", nil
	}
	if tf.lang.python() {
		return file, topFunction(tf, name)
	}
	e := unparen(g.exports[file][name])
	if e == nil {
		return "", nil
	}
	if isFunction(e) {
		return file, e
	}
	if e.kind == "identifier" || e.kind == "shorthand_property_identifier" {
		return file, topFunction(tf, e.text(tf.src))
	}
	return "", nil
}

// topFunction finds a function declared with name in f (function f() {},
// const f = () => {}, def f():).
func topFunction(f *file, name string) *node {
	var found *node
	f.root.walk(func(n *node) bool {
		if found != nil {
			return false
		}
		switch n.kind {
		case "function_declaration", "function_definition":
			if n.child("name").text(f.src) == name {
				found = n
			}
		case "variable_declarator":
			if v := unparen(n.child("value")); v != nil && isFunction(v) && n.child("name").text(f.src) == name {
				found = v
			}
		}
		return true
	})
	return found
}

// funcParams returns the parameter names of a JavaScript or Python function.
func funcParams(fn *node, src []byte) []string {
	if fn.kind != "function_definition" {
		return jsParams(fn, src)
	}
	var out []string
	for _, p := range fn.child("parameters").namedChildren() {
		name, _, _ := pyParam(p)
		out = append(out, name.text(src))
	}
	return out
}

var httpVerbs = set("get", "post", "put", "patch", "delete", "del", "all", "head", "options")

// registrations records the routes, mounts and guards of a file.
func (g *graph) registrations(f *file) {
	if f.lang.python() {
		g.pyRegistrations(f)
		return
	}
	src := f.src
	f.root.walk(func(n *node) bool {
		if n.kind != "call_expression" {
			return true
		}
		fn := unparen(n.child("function"))
		if fn == nil || fn.kind != "member_expression" {
			return true
		}
		verb := fn.child("property").text(src)
		obj := unparen(fn.child("object"))
		args := n.child("arguments").namedChildren()
		switch {
		case verb == "use":
			g.jsUse(f, n, obj, args)
		case httpVerbs[verb]:
			base, p, ok := g.jsRouteBase(f, obj)
			var handlers []*node
			if ok { // router.route('/x').get(h)
				handlers = args
			} else if id, isRouter := g.resolveJS(f.rel, obj, 0); isRouter && len(args) >= 2 {
				pv, lit := stringValue(args[0], src)
				if !lit {
					return true
				}
				base, p, ok, handlers = id, pv, true, args[1:]
			}
			if !ok || len(handlers) == 0 {
				return true
			}
			method := strings.ToUpper(verb)
			if method == "DEL" {
				method = "DELETE"
			}
			auth := false
			for _, h := range handlers[:len(handlers)-1] {
				if h.kind == "array" {
					for _, x := range h.namedChildren() {
						auth = auth || routes.AuthMiddleware(calleeName(x, src))
					}
				}
				auth = auth || routes.AuthMiddleware(calleeName(h, src))
			}
			prop := fn.child("property")
			g.routes = append(g.routes, localRoute{router: base, method: method, path: p,
				handler: handlerName(handlers[len(handlers)-1], src), file: f.rel, line: prop.line, auth: auth})
		}
		return true
	})
}

// jsRouteBase resolves the router and path of router.route(path)[.verb(...)...].
func (g *graph) jsRouteBase(f *file, n *node) (routerID, string, bool) {
	src := f.src
	for i := 0; i < 20 && n != nil && n.kind == "call_expression"; i++ {
		fn := unparen(n.child("function"))
		if fn == nil || fn.kind != "member_expression" {
			return routerID{}, "", false
		}
		prop := fn.child("property").text(src)
		if prop == "route" {
			p, ok := stringValue(firstArg(n), src)
			id, isRouter := g.resolveJS(f.rel, fn.child("object"), 0)
			return id, p, ok && isRouter
		}
		if !httpVerbs[prop] {
			return routerID{}, "", false
		}
		n = unparen(fn.child("object"))
	}
	return routerID{}, "", false
}

// jsUse records app.use([path,] ...middleware|router).
func (g *graph) jsUse(f *file, call, obj *node, args []*node) {
	src := f.src
	parent, ok := g.resolveJS(f.rel, obj, 0)
	if !ok || len(args) == 0 {
		return
	}
	prefix, hasPrefix := stringValue(args[0], src)
	if hasPrefix {
		args = args[1:]
	}
	auth := false
	mounted := false
	for _, a := range args {
		if child, isRouter := g.resolveJS(f.rel, a, 0); isRouter {
			g.mounts = append(g.mounts, mount{parent: parent, child: child, prefix: prefix, hasPrefix: hasPrefix,
				auth: auth, file: f.rel, line: call.line})
			mounted = true
			continue
		}
		if routes.AuthMiddleware(calleeName(a, src)) {
			auth = true
		}
	}
	if auth && !mounted && !hasPrefix {
		g.guards = append(g.guards, guard{router: parent, file: f.rel, line: call.line})
	}
}

// handlerName names a route handler: a function or method name, or "<anonymous>".
func handlerName(h *node, src []byte) string {
	h = unparen(h)
	switch h.kind {
	case "identifier", "member_expression", "attribute":
		return h.text(src)
	case "function_expression", "function", "function_declaration", "generator_function":
		if nm := h.child("name"); nm != nil {
			return nm.text(src)
		}
	case "call_expression", "call":
		// UserAPI.as_view('users'): the view class.
		if fn := unparen(h.child("function")); fn != nil && (fn.kind == "attribute" || fn.kind == "member_expression") &&
			strings.HasSuffix(fn.text(src), ".as_view") {
			return fn.child("object").text(src)
		}
		// asyncHandler(getUser): the wrapped function.
		if a := firstArg(h); a != nil {
			return handlerName(a, src)
		}
	}
	return "<anonymous>"
}

// pyRegistrations records decorated view functions, add_url_rule,
// register_blueprint, include_router and before_request guards.
func (g *graph) pyRegistrations(f *file) {
	src := f.src
	f.root.walk(func(n *node) bool {
		switch n.kind {
		case "decorated_definition":
			g.pyDecorated(f, n)
			return true
		case "call":
			fn := unparen(n.child("function"))
			if fn == nil || fn.kind != "attribute" {
				return true
			}
			attr := fn.child("attribute").text(src)
			parent, ok := g.resolvePy(f.rel, fn.child("object"), 0)
			if !ok {
				return true
			}
			switch attr {
			case "register_blueprint", "include_router":
				child, ok := g.resolvePy(f.rel, firstArg(n), 0)
				if !ok {
					return true
				}
				key := "url_prefix"
				if attr == "include_router" {
					key = "prefix"
				}
				m := mount{parent: parent, child: child, file: f.rel, line: n.line}
				if v := kwarg(n, key, src); v != nil {
					m.prefix, m.hasPrefix = stringValue(v, src)
				}
				if deps := kwarg(n, "dependencies", src); deps != nil {
					m.auth = dependsAuth(deps, src)
				}
				g.mounts = append(g.mounts, m)
			case "add_url_rule", "add_api_route":
				args := n.child("arguments").namedChildren()
				p, ok := stringValue(firstArg(n), src)
				if !ok {
					return true
				}
				// Flask: (rule, endpoint, view_func); FastAPI: (path, endpoint).
				key, at := "view_func", 2
				if attr == "add_api_route" {
					key, at = "endpoint", 1
				}
				var view *node
				if v := kwarg(n, key, src); v != nil {
					view = v
				} else if pos := positional(args); len(pos) > at {
					view = pos[at]
				}
				if view == nil {
					return true
				}
				for _, m := range pyMethods(kwarg(n, "methods", src), src) {
					g.routes = append(g.routes, localRoute{router: parent, method: m, path: p,
						handler: handlerName(view, src), file: f.rel, line: n.line})
				}
			}
		}
		return true
	})
}

func positional(args []*node) []*node {
	var out []*node
	for _, a := range args {
		if a.kind != "keyword_argument" {
			out = append(out, a)
		}
	}
	return out
}

// pyMethods returns the upper-cased strings of a methods=[...] list, or GET.
func pyMethods(list *node, src []byte) []string {
	var out []string
	if list != nil {
		for _, c := range list.namedChildren() {
			if s, ok := stringValue(c, src); ok {
				out = append(out, strings.ToUpper(s))
			}
		}
	}
	if len(out) == 0 {
		out = []string{"GET"}
	}
	return out
}

// pyDecorated records the routes of a decorated view function.
func (g *graph) pyDecorated(f *file, dd *node) {
	src := f.src
	def := dd.child("definition")
	if def == nil || def.kind != "function_definition" {
		return
	}
	name := def.child("name").text(src)
	type deco struct {
		id      routerID
		methods []string
		path    string
		line    int
		auth    bool
	}
	var decos []deco
	auth := false
	for _, d := range dd.namedChildren() {
		if d.kind != "decorator" {
			continue
		}
		var e *node
		for _, c := range d.namedChildren() {
			e = c
		}
		if e == nil {
			continue
		}
		if e.kind == "call" {
			fn := unparen(e.child("function"))
			if fn != nil && fn.kind == "attribute" {
				attr := fn.child("attribute").text(src)
				if id, ok := g.resolvePy(f.rel, fn.child("object"), 0); ok {
					switch {
					case attr == "route" || attr == "api_route":
						p, _ := stringValue(firstArg(e), src)
						decos = append(decos, deco{id, pyMethods(kwarg(e, "methods", src), src), p, e.line, depsOf(e, src)})
						continue
					case httpVerbs[attr] && attr != "all" && attr != "del":
						p, _ := stringValue(firstArg(e), src)
						decos = append(decos, deco{id, []string{strings.ToUpper(attr)}, p, e.line, depsOf(e, src)})
						continue
					}
				}
			}
		}
		// before_request guards the whole blueprint.
		if e.kind == "attribute" && e.child("attribute").text(src) == "before_request" {
			if id, ok := g.resolvePy(f.rel, e.child("object"), 0); ok && routes.AuthMiddleware(name) {
				g.guards = append(g.guards, guard{router: id, file: f.rel, line: 0})
			}
			continue
		}
		if routes.AuthMiddleware(calleeName(e, src)) {
			auth = true
		}
	}
	if len(decos) == 0 {
		return
	}
	// FastAPI: Depends(get_current_user) / Security(...) in a parameter.
	if ps := def.child("parameters"); ps != nil && dependsAuth(ps, src) {
		auth = true
	}
	for _, d := range decos {
		for _, m := range d.methods {
			g.routes = append(g.routes, localRoute{router: d.id, method: m, path: d.path, handler: name,
				file: f.rel, line: d.line, auth: auth || d.auth})
		}
	}
}

func depsOf(call *node, src []byte) bool {
	deps := kwarg(call, "dependencies", src)
	return deps != nil && dependsAuth(deps, src)
}

// guarded reports whether a guard on router r precedes line in file. A
// guard in another file (the app's setup, with routes added by a function
// it calls) is taken to precede.
func (g *graph) guarded(r routerID, file string, line int) bool {
	for _, gd := range g.guards {
		if gd.router == r && (gd.line == 0 || gd.file != file || gd.line < line) {
			return true
		}
	}
	return false
}

// joinPath joins a prefix and a path as the framework does.
func joinPath(framework, prefix, p string) string {
	if prefix == "" {
		return p
	}
	switch framework {
	case "express":
		prefix = strings.TrimRight(prefix, "/")
		if p == "" || p == "/" {
			if prefix == "" {
				return "/"
			}
			return prefix
		}
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return prefix + p
	case "flask":
		if p == "" {
			return prefix
		}
		return strings.TrimRight(prefix, "/") + "/" + strings.TrimLeft(p, "/")
	}
	return prefix + p // FastAPI concatenates
}

// resolve walks the mount graph from every router that is not mounted
// anywhere and returns the routes with their full paths.
func (g *graph) resolve() []routes.Route {
	isChild := map[routerID]bool{}
	for _, m := range g.mounts {
		isChild[m.child] = true
	}
	byRouter := map[routerID][]localRoute{}
	for _, r := range g.routes {
		byRouter[r.router] = append(byRouter[r.router], r)
	}
	var out []routes.Route
	var visit func(id routerID, prefix string, auth bool, depth int)
	visit = func(id routerID, prefix string, auth bool, depth int) {
		rt := g.routers[id]
		if rt == nil || depth > 16 {
			return
		}
		auth = auth || rt.auth
		for _, r := range byRouter[id] {
			a := auth || r.auth || g.guarded(id, r.file, r.line)
			out = append(out, routes.Route{Method: r.method, Path: cmp.Or(joinPath(rt.framework, prefix, r.path), "/"),
				Handler: r.handler, File: r.file, Line: r.line, Framework: rt.framework, Auth: &a})
		}
		for _, m := range g.mounts {
			if m.parent != id {
				continue
			}
			child := g.routers[m.child]
			if child == nil {
				continue
			}
			var p string
			switch child.framework {
			case "flask":
				own := child.prefix
				if m.hasPrefix {
					own = m.prefix
				}
				p = joinPath("flask", prefix, own)
				if prefix == "" {
					p = own
				}
			case "fastapi":
				p = prefix + m.prefix + child.prefix
			default:
				p = joinPath("express", prefix, m.prefix)
				if prefix == "" {
					p = m.prefix
				}
			}
			visit(m.child, p, auth || m.auth || g.guarded(id, m.file, m.line), depth+1)
		}
	}
	ids := make([]routerID, 0, len(g.routers))
	for id := range g.routers {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b routerID) int { return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.name, b.name)) })
	for _, id := range ids {
		if !isChild[id] {
			visit(id, g.routers[id].prefix, false, 0)
		}
	}
	slices.SortStableFunc(out, func(a, b routes.Route) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
	})
	return out
}
