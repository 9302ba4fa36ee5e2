package coderoutes

import (
	"go/ast"
	"strings"

	"github.com/escarp/escarp/internal/inventory/routes"
)

// The frameworks, as reported in routes.Route.Framework.
const (
	fwHTTP    = "net/http"
	fwGin     = "gin"
	fwEcho    = "echo"
	fwChi     = "chi"
	fwGorilla = "gorilla/mux"
	fwFiber   = "fiber"
)

// frameworkOf maps an import path to its framework, or "".
func frameworkOf(ip string) string {
	switch trimMajor(ip) {
	case "net/http":
		return fwHTTP
	case "github.com/gin-gonic/gin":
		return fwGin
	case "github.com/labstack/echo":
		return fwEcho
	case "github.com/go-chi/chi":
		return fwChi
	case "github.com/gorilla/mux":
		return fwGorilla
	case "github.com/gofiber/fiber":
		return fwFiber
	}
	return ""
}

// trimMajor drops a /vN major version suffix from an import path.
func trimMajor(ip string) string {
	if i := strings.LastIndexByte(ip, '/'); i > 0 && isVersionSuffix(ip[i+1:]) {
		return ip[:i]
	}
	return ip
}

// handlerFuncs are framework functions that return a handler of their
// own (named after the function, whatever their arguments).
var handlerFuncs = map[string]map[string]bool{
	fwHTTP: {"FileServer": true, "FileServerFS": true, "NotFoundHandler": true, "RedirectHandler": true},
}

// routerTypes are each framework's router, group and sub-router types.
var routerTypes = map[string]map[string]bool{
	fwHTTP:    {"ServeMux": true},
	fwGin:     {"Engine": true, "RouterGroup": true, "IRouter": true, "IRoutes": true},
	fwEcho:    {"Echo": true, "Group": true},
	fwChi:     {"Router": true, "Mux": true},
	fwGorilla: {"Router": true},
	fwFiber:   {"App": true, "Router": true, "Group": true},
}

// constructors are each framework's functions that make a new router.
var constructors = map[string]map[string]bool{
	fwHTTP:    {"NewServeMux": true},
	fwGin:     {"New": true, "Default": true},
	fwEcho:    {"New": true},
	fwChi:     {"NewRouter": true, "NewMux": true},
	fwGorilla: {"NewRouter": true},
	fwFiber:   {"New": true},
}

// passThrough are framework functions whose result is their handler
// argument (conversions and adapters).
var passThrough = map[string]map[string]bool{
	fwHTTP: {"HandlerFunc": true, "TimeoutHandler": true, "MaxBytesHandler": true, "AllowQuerySemicolons": true},
	fwGin:  {"WrapH": true, "WrapF": true},
	fwEcho: {"WrapHandler": true},
}

// isAuth is [routes.AuthMiddleware] with a cache: the same names come back often.
func (in *interp) isAuth(name string) bool {
	if name == "" {
		return false
	}
	b, ok := in.authNames[name]
	if !ok {
		b = routes.AuthMiddleware(name)
		in.authNames[name] = b
	}
	return b
}

// anyAuth reports whether one of the middleware values is authentication.
func (in *interp) anyAuth(vs []value) bool {
	for _, v := range vs {
		if v.auth || in.isAuth(v.fn) || in.isAuth(v.text) || in.isAuth(v.vname) {
			return true
		}
	}
	return false
}

// pkgCall evaluates pkg.F(args) for an imported package.
func (in *interp) pkgCall(fr *frame, e *env, call *ast.CallExpr, ip, alias, sel string) ([]value, bool) {
	fw := frameworkOf(ip)
	if fw != "" {
		if constructors[fw][sel] {
			in.args(fr, e, call.Args)
			return []value{{r: &router{fw: fw}, text: alias + "." + sel}}, true
		}
		if handlerFuncs[fw][sel] {
			in.args(fr, e, call.Args)
			return []value{{fn: importName(ip, "") + "." + sel, text: alias + "." + sel}}, true
		}
		if passThrough[fw][sel] && len(call.Args) > 0 {
			args := in.args(fr, e, call.Args)
			return []value{args[0]}, true
		}
		if fw == fwHTTP {
			switch sel {
			case "HandleFunc", "Handle":
				return []value{in.routerCall(fr, e, call, in.defaultMux(fwHTTP), &ast.Ident{Name: sel, NamePos: call.Fun.(*ast.SelectorExpr).Sel.Pos()})}, true
			case "StripPrefix":
				args := in.args(fr, e, call.Args)
				if len(args) == 2 {
					v := args[1]
					if args[0].str != nil {
						v.strip = *args[0].str
					}
					return []value{v}, true
				}
			}
		}
	}
	if ip == "fmt" && sel == "Sprintf" {
		s, _ := in.strExpr(fr, e, call)
		return []value{{str: &s}}, true
	}
	if q := in.idx.pkgByImport(ip); q != nil {
		args := in.args(fr, e, call.Args)
		if fi := q.funcs[sel]; fi != nil {
			return in.wrap(fi.name, in.call(fi, nil, args), args), true
		}
		if _, ok := q.fields[sel]; ok && len(args) == 1 { // a conversion
			return args, true
		}
		return in.unknownCall(q.name+"."+sel, args), false
	}
	args := in.args(fr, e, call.Args)
	return in.unknownCall(importName(ip, alias)+"."+sel, args), false
}

// strExpr renders a path expression: literals, constants, concatenation
// and fmt.Sprintf are resolved; anything else becomes a {name} segment and
// dynamic is true.
func (in *interp) strExpr(fr *frame, e *env, x ast.Expr) (s string, dynamic bool) {
	x = unparen(x)
	switch t := x.(type) {
	case *ast.BinaryExpr:
		if t.Op.String() == "+" {
			a, da := in.strExpr(fr, e, t.X)
			b, db := in.strExpr(fr, e, t.Y)
			return a + b, da || db
		}
	case *ast.CallExpr:
		if se, ok := t.Fun.(*ast.SelectorExpr); ok {
			if id, ok := se.X.(*ast.Ident); ok && fr.file.imports[id.Name] == "fmt" && se.Sel.Name == "Sprintf" && len(t.Args) > 0 {
				return in.sprintf(fr, e, t.Args)
			}
		}
	}
	v := in.eval(fr, e, x)
	if v.str != nil {
		return *v.str, false
	}
	return "{" + dynName(x) + "}", true
}

// sprintf renders fmt.Sprintf(format, args...) with %s, %d and %v.
func (in *interp) sprintf(fr *frame, e *env, args []ast.Expr) (string, bool) {
	format, dyn := in.strExpr(fr, e, args[0])
	if dyn {
		return format, true
	}
	var b strings.Builder
	k := 1
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		if format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		if k < len(args) {
			s, d := in.strExpr(fr, e, args[k])
			b.WriteString(s)
			dyn = dyn || d
		} else {
			b.WriteString("{arg}")
			dyn = true
		}
		k++
	}
	return b.String(), dyn
}

// dynName names an unresolved path expression.
func dynName(x ast.Expr) string {
	t := exprText(x)
	var b strings.Builder
	for _, r := range t {
		if r == '_' || r == '.' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "dynamic"
	}
	return b.String()
}

// httpMethods are the methods gin and echo name in upper case, and chi
// and fiber in title case.
var httpMethods = map[string]string{
	"GET": "GET", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE", "HEAD": "HEAD",
	"OPTIONS": "OPTIONS", "CONNECT": "CONNECT", "TRACE": "TRACE",
	"Get": "GET", "Post": "POST", "Put": "PUT", "Patch": "PATCH", "Delete": "DELETE", "Head": "HEAD",
	"Options": "OPTIONS", "Connect": "CONNECT", "Trace": "TRACE",
}

// routerCall evaluates r.Sel(args) on a router.
func (in *interp) routerCall(fr *frame, e *env, call *ast.CallExpr, r *router, sel *ast.Ident) value {
	name := sel.Name
	pos := in.idx.fset.Position(sel.Pos())
	a := call.Args
	// newRoute records a route with handlers in the framework's order.
	newRoute := func(methods []string, pathArg ast.Expr, handlers []ast.Expr, handlerFirst bool) value {
		var paths []string
		dyn := false
		if pathArg != nil {
			var v value
			if id, ok := unparen(pathArg).(*ast.Ident); ok {
				v = in.eval(fr, e, id) // a loop variable over a list of paths
			}
			if len(v.strs) > 0 {
				paths = v.strs
			} else {
				s, d := in.strExpr(fr, e, pathArg)
				paths, dyn = []string{s}, d
			}
		} else {
			paths = []string{""}
		}
		hv := in.args(fr, e, handlers)
		var h value
		var mws []value
		if len(hv) > 0 {
			if handlerFirst {
				h, mws = hv[0], hv[1:]
			} else {
				h, mws = hv[len(hv)-1], hv[:len(hv)-1]
			}
		}
		if h.r != nil {
			// A router as the handler: its routes are served below this
			// path (gorilla/mux Handle(p, sub), chi Handle(p, sub)).
			if h.r != r {
				in.mount(h.r, r, h.strip, h.auth || in.anyAuth(mws))
			}
			return value{}
		}
		var first *route
		for _, p := range paths {
			rt := &route{r: r, methods: methods, path: p, handler: handlerName(h), auth: r.auth || h.auth || in.anyAuth(mws),
				file: pos.Filename, line: pos.Line, fw: r.fw, complete: len(hv) > 0, dynamic: dyn}
			in.routes = append(in.routes, rt)
			if first == nil {
				first = rt
			}
		}
		return value{rt: first}
	}
	child := func(prefixArg ast.Expr, mws []ast.Expr) *router {
		c := &router{fw: r.fw, parent: r, auth: r.auth}
		if prefixArg != nil {
			c.prefix, c.dynamic = in.strExpr(fr, e, prefixArg)
		}
		if in.anyAuth(in.args(fr, e, mws)) {
			c.auth = true
		}
		return c
	}
	methodList := func(x ast.Expr) []string {
		v := in.eval(fr, e, x)
		if v.str != nil {
			return []string{strings.ToUpper(*v.str)}
		}
		if len(v.strs) > 0 {
			out := make([]string, len(v.strs))
			for i, s := range v.strs {
				out[i] = strings.ToUpper(s)
			}
			return out
		}
		if id, ok := unparen(x).(*ast.SelectorExpr); ok && strings.HasPrefix(id.Sel.Name, "Method") {
			return []string{strings.ToUpper(strings.TrimPrefix(id.Sel.Name, "Method"))}
		}
		return []string{"ANY"}
	}
	switch r.fw {
	case fwHTTP:
		switch name {
		case "HandleFunc", "Handle":
			if len(a) < 2 {
				break
			}
			pat, dyn := in.strExpr(fr, e, a[0])
			method, p := splitPattern(pat)
			h := in.eval(fr, e, a[1])
			if h.r != nil && h.r != r {
				in.mount(h.r, r, h.strip, h.auth)
				return value{}
			}
			var ms []string
			if method != "" {
				ms = []string{method}
			}
			rt := &route{r: r, methods: ms, path: p, handler: handlerName(h), auth: h.auth, file: pos.Filename, line: pos.Line,
				fw: r.fw, complete: true, dynamic: dyn}
			in.routes = append(in.routes, rt)
		}
		return value{}
	case fwGin:
		if m, ok := httpMethods[name]; ok && m == name && len(a) >= 1 {
			return newRoute([]string{m}, a[0], a[1:], false)
		}
		switch name {
		case "Any":
			if len(a) >= 1 {
				return newRoute(nil, a[0], a[1:], false)
			}
		case "Handle":
			if len(a) >= 2 {
				return newRoute(methodList(a[0]), a[1], a[2:], false)
			}
		case "Match":
			if len(a) >= 2 {
				return newRoute(methodList(a[0]), a[1], a[2:], false)
			}
		case "Group":
			if len(a) >= 1 {
				return value{r: child(a[0], a[1:])}
			}
		case "Use":
			if in.anyAuth(in.args(fr, e, a)) {
				r.auth = true
			}
			return value{r: r}
		case "Static", "StaticFS":
			if len(a) >= 1 {
				return in.staticRoute(fr, e, r, a[0], "/*filepath", "gin."+name, pos.Filename, pos.Line)
			}
		case "StaticFile", "StaticFileFS":
			if len(a) >= 1 {
				return in.staticRoute(fr, e, r, a[0], "", "gin."+name, pos.Filename, pos.Line)
			}
		case "Handler":
			return value{r: r}
		}
	case fwEcho:
		if m, ok := httpMethods[name]; ok && m == name && len(a) >= 1 {
			return newRoute([]string{m}, a[0], a[1:], true)
		}
		switch name {
		case "Any":
			if len(a) >= 1 {
				return newRoute(nil, a[0], a[1:], true)
			}
		case "Match", "Add":
			if len(a) >= 2 {
				return newRoute(methodList(a[0]), a[1], a[2:], true)
			}
		case "Group":
			if len(a) >= 1 {
				c := child(a[0], a[1:])
				return value{r: c}
			}
		case "Host":
			return value{r: child(nil, a[min(1, len(a)):])}
		case "Use", "Pre":
			if in.anyAuth(in.args(fr, e, a)) {
				if r.parent == nil {
					r.lazy = true // echo's root middleware runs for every route
				} else {
					r.auth = true
				}
			}
			return value{}
		case "Static":
			if len(a) >= 1 {
				return in.staticRoute(fr, e, r, a[0], "/*", "echo.Static", pos.Filename, pos.Line)
			}
		case "File":
			if len(a) >= 1 {
				return in.staticRoute(fr, e, r, a[0], "", "echo.File", pos.Filename, pos.Line)
			}
		}
	case fwChi:
		if m, ok := httpMethods[name]; ok && m != name && len(a) >= 2 {
			return newRoute([]string{m}, a[0], a[1:2], true)
		}
		switch name {
		case "Method", "MethodFunc":
			if len(a) >= 3 {
				return newRoute(methodList(a[0]), a[1], a[2:3], true)
			}
		case "Handle", "HandleFunc":
			if len(a) >= 2 {
				return newRoute(nil, a[0], a[1:2], true)
			}
		case "Route":
			if len(a) >= 1 {
				c := child(a[0], nil)
				if len(a) >= 2 {
					in.invoke(in.eval(fr, e, a[1]), []value{{r: c}})
				}
				return value{r: c}
			}
		case "Group":
			c := child(nil, nil)
			if len(a) >= 1 {
				in.invoke(in.eval(fr, e, a[0]), []value{{r: c}})
			}
			return value{r: c}
		case "With":
			return value{r: child(nil, a)}
		case "Use":
			if in.anyAuth(in.args(fr, e, a)) {
				r.auth = true
			}
			return value{}
		case "Mount":
			if len(a) >= 2 {
				h := in.eval(fr, e, a[1])
				if h.r != nil && h.r != r {
					p, dyn := in.strExpr(fr, e, a[0])
					in.mount(h.r, r, p, h.auth)
					h.r.dynamic = h.r.dynamic || dyn
					return value{}
				}
				if h.r != nil {
					return value{} // a router mounted on itself
				}
				p, dyn := in.strExpr(fr, e, a[0])
				rt := &route{r: r, path: strings.TrimSuffix(p, "/") + "/*", handler: handlerName(h), auth: r.auth || h.auth,
					file: pos.Filename, line: pos.Line, fw: r.fw, complete: true, dynamic: dyn}
				in.routes = append(in.routes, rt)
			}
			return value{}
		}
	case fwGorilla:
		switch name {
		case "HandleFunc", "Handle":
			if len(a) >= 2 {
				return newRoute(nil, a[0], a[1:2], true)
			}
		case "Path", "PathPrefix", "Methods", "Host", "Schemes", "Headers", "Queries", "MatcherFunc", "Name", "NewRoute", "HeadersRegexp":
			rt := &route{r: r, file: pos.Filename, line: pos.Line, fw: r.fw}
			in.routes = append(in.routes, rt)
			return in.routeCall(fr, e, call, rt, sel)
		case "Use":
			if in.anyAuth(in.args(fr, e, a)) {
				r.lazy = true // gorilla/mux middleware runs for every matched route
			}
			return value{}
		}
	case fwFiber:
		if m, ok := httpMethods[name]; ok && m != name && len(a) >= 1 {
			return newRoute([]string{m}, a[0], a[1:], false)
		}
		switch name {
		case "All":
			if len(a) >= 1 {
				return newRoute(nil, a[0], a[1:], false)
			}
		case "Add":
			if len(a) >= 2 {
				return newRoute(methodList(a[0]), a[1], a[2:], false)
			}
		case "Group":
			if len(a) >= 1 {
				return value{r: child(a[0], a[1:])}
			}
		case "Route":
			if len(a) >= 1 {
				c := child(a[0], nil)
				if len(a) >= 2 {
					in.invoke(in.eval(fr, e, a[1]), []value{{r: c}})
				}
				return value{r: c}
			}
		case "Mount", "Use":
			args := in.args(fr, e, a)
			prefix := ""
			if len(args) > 0 && args[0].str != nil {
				prefix = *args[0].str
				args = args[1:]
			}
			for _, v := range args {
				if v.r != nil && v.r != r {
					in.mount(v.r, r, prefix, false)
					return value{}
				}
			}
			if in.anyAuth(args) {
				if prefix == "" {
					r.auth = true
				} else {
					// Middleware on a path prefix: a group of its own.
					in.prefixAuth(r, prefix)
				}
			}
			return value{r: r}
		case "Static":
			if len(a) >= 1 {
				return in.staticRoute(fr, e, r, a[0], "/*", "fiber.Static", pos.Filename, pos.Line)
			}
		}
	}
	in.args(fr, e, a)
	return value{text: exprText(call)}
}

// prefixAuth records fiber's app.Use("/prefix", auth): later routes under
// the prefix are guarded. It is approximated by a guarded child router the
// later routes cannot see, so it is only noted when it matters.
func (in *interp) prefixAuth(r *router, prefix string) {
	in.prefixed = append(in.prefixed, prefixGuard{r: r, prefix: prefix, after: len(in.routes)})
}

// prefixGuard is authentication middleware on a path prefix of a router.
type prefixGuard struct {
	r      *router
	prefix string
	after  int // applies to routes recorded after this many
}

// staticRoute records a static file route (GET).
func (in *interp) staticRoute(fr *frame, e *env, r *router, pathArg ast.Expr, suffix, handler, file string, line int) value {
	p, dyn := in.strExpr(fr, e, pathArg)
	if suffix != "" {
		p = strings.TrimSuffix(p, "/") + suffix
	}
	rt := &route{r: r, methods: []string{"GET"}, path: p, handler: handler, auth: r.auth, file: file, line: line,
		fw: r.fw, complete: true, dynamic: dyn}
	in.routes = append(in.routes, rt)
	return value{rt: rt}
}

// mount attaches sub under parent at prefix.
func (in *interp) mount(sub, parent *router, prefix string, auth bool) {
	for p, i := parent, 0; p != nil && i < 64; p, i = p.parent, i+1 {
		if p == sub {
			return // a cycle
		}
	}
	if sub.parent != nil {
		return // already mounted: keep the first
	}
	sub.parent, sub.prefix, sub.mounted = parent, prefix, true
	if auth {
		sub.lazy = true
	}
}

// routeCall evaluates rt.Sel(args) on a gorilla/mux route.
func (in *interp) routeCall(fr *frame, e *env, call *ast.CallExpr, rt *route, sel *ast.Ident) value {
	a := call.Args
	switch sel.Name {
	case "Methods":
		for _, v := range in.args(fr, e, a) {
			if v.str != nil {
				rt.methods = append(rt.methods, strings.ToUpper(*v.str))
			}
		}
	case "Path", "PathPrefix":
		if len(a) >= 1 {
			rt.path, rt.dynamic = in.strExpr(fr, e, a[0])
		}
	case "HandlerFunc", "Handler":
		if len(a) >= 1 {
			h := in.eval(fr, e, a[0])
			if h.r != nil && h.r != rt.r {
				// PathPrefix("/api").Handler(sub): a mount.
				in.mount(h.r, rt.r, h.strip, h.auth)
				rt.sub = true
				return value{rt: rt}
			}
			rt.handler, rt.auth, rt.complete = handlerName(h), rt.auth || h.auth, true
		}
	case "Subrouter":
		rt.sub = true
		return value{r: &router{fw: rt.r.fw, parent: rt.r, prefix: rt.path, dynamic: rt.dynamic}}
	default:
		in.args(fr, e, a)
	}
	return value{rt: rt}
}

// handlerName names a handler value.
func handlerName(h value) string {
	switch {
	case h.obj != nil:
		if h.obj.p.funcs[h.obj.typ+".ServeHTTP"] != nil {
			return h.obj.p.funcs[h.obj.typ+".ServeHTTP"].name
		}
		return h.obj.p.name + "." + h.obj.typ
	case h.fn != "":
		return h.fn
	case h.lit != nil:
		return h.lit.name
	case h.text != "":
		return h.text
	}
	return ""
}

// splitPattern splits a net/http pattern "[METHOD ][HOST]/[PATH]" into
// its method and path; the host is dropped.
func splitPattern(pat string) (method, p string) {
	pat = strings.TrimSpace(pat)
	if i := strings.IndexAny(pat, " \t"); i >= 0 {
		method, pat = strings.ToUpper(pat[:i]), strings.TrimSpace(pat[i:])
	}
	if i := strings.IndexByte(pat, '/'); i > 0 && !strings.ContainsAny(pat[:i], "{}") {
		pat = pat[i:] // a host pattern: example.com/path
	}
	return method, pat
}
