//go:build cgo && !notreesitter

package treesitter

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
)

// chain is a taint path so far: the source, then each variable it went through.
type chain []escarp.Location

// Request properties that hold attacker-controlled data.
var (
	jsSourceProps = set("query", "params", "body", "headers", "cookies", "signedCookies", "files", "file",
		"url", "originalUrl", "path", "hostname", "ip")
	jsSourceCalls = set("get", "header", "param")
	pySourceAttrs = set("args", "form", "values", "json", "data", "headers", "cookies", "view_args", "files",
		"get_json", "get_data", "query_params", "path_params", "body", "stream", "url", "path", "full_path",
		"GET", "POST", "COOKIES", "META", "FILES") // the last: Django
	// sanitizers are functions whose result carries no injectable text.
	sanitizers = set("parseInt", "parseFloat", "Number", "Boolean", "isNaN", "isInteger", "escape", "escapeId",
		"escapeLiteral", "escapeIdentifier", "quote", "int", "float", "bool", "len", "abs", "round", "UUID",
		"length", "count", "hash", "sha256", "md5", "uuid4", "isdigit", "isalnum", "test", "includes", "has",
		"indexOf", "startsWith", "endsWith", "match", "fullmatch", "startswith", "endswith")
	jsSQLMethods = set("query", "execute", "raw", "whereRaw", "havingRaw", "orderByRaw", "joinRaw",
		"$queryRawUnsafe", "$executeRawUnsafe", "unsafe")
	pySQLMethods = set("execute", "executemany", "executescript", "exec_driver_sql", "raw")
	jsShellCalls = set("exec", "execSync")
	jsProcCalls  = set("spawn", "spawnSync", "execFile", "execFileSync", "fork")
	pyShellCalls = set("os.system", "os.popen", "asyncio.create_subprocess_shell", "subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput")
	pyProcCalls  = set("asyncio.create_subprocess_exec", "os.execv", "os.execvp", "os.spawnv", "os.spawnvp", "subprocess.run", "subprocess.call", "subprocess.Popen", "subprocess.check_output", "subprocess.check_call")
	jsRouteVerbs = set("get", "post", "put", "patch", "delete", "del", "all", "use", "head", "options")
	pyRouteDecos = set("route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket")
	// pyNonInput are FastAPI parameter types that the framework injects,
	// not the client.
	// pyScalar are parameter types FastAPI converts to non-text values.
	pyScalar = set("int", "float", "bool", "UUID", "uuid.UUID", "datetime", "date", "Decimal", "PositiveInt", "NonNegativeInt")
	// flaskConverter matches the typed variables of a Flask rule.
	flaskConverter = regexp.MustCompile(`<(?:int|float|uuid)(?:\([^)]*\))?:(\w+)>`)
	pyNonInput     = set("Request", "Response", "Session", "AsyncSession", "BackgroundTasks", "Connection", "WebSocket")
)

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// analyzer finds taint flows in one file.
type analyzer struct {
	f *file
	// JavaScript: names bound to the child_process module, and local names
	// of its functions (local → exported name).
	cpModules map[string]bool
	cpFuncs   map[string]string
	// Python: local module aliases (local → module) and imported names
	// (local → module.name).
	pyMods  map[string]string
	pyFuncs map[string]string

	findings []escarp.Finding
	seen     map[string]bool
}

// scope is the taint state of one function (with its nested functions).
type scope struct {
	vars     map[string]chain
	reqNames map[string]bool
}

func analyzeFile(f *file) []escarp.Finding {
	a := &analyzer{f: f, cpModules: map[string]bool{}, cpFuncs: map[string]string{},
		pyMods: map[string]string{}, pyFuncs: map[string]string{}, seen: map[string]bool{}}
	if f.lang.python() {
		a.pyImports()
	} else {
		a.jsImports()
	}
	// Each outermost function is one unit; module-level code is another.
	top := &scope{vars: map[string]chain{}, reqNames: a.defaultReqNames()}
	f.root.walk(func(n *node) bool {
		if isFunction(n) {
			a.unit(n)
			return false
		}
		a.visit(top, n)
		return true
	})
	return a.findings
}

func (a *analyzer) defaultReqNames() map[string]bool {
	if a.f.lang.python() {
		return set("request")
	}
	return set("req", "request")
}

func isFunction(n *node) bool {
	switch n.kind {
	case "function_declaration", "function_expression", "function", "arrow_function", "method_definition",
		"generator_function_declaration", "generator_function", "function_definition":
		return true
	}
	return false
}

// unit analyses one outermost function.
func (a *analyzer) unit(fn *node) {
	s := &scope{vars: map[string]chain{}, reqNames: a.defaultReqNames()}
	if a.f.lang.python() {
		a.pyParams(fn, s)
	} else if a.jsIsHandler(fn) {
		if ps := jsParams(fn, a.f.src); len(ps) > 0 && ps[0] != "" {
			s.reqNames[ps[0]] = true
		}
	}
	body := fn.child("body")
	if body == nil {
		return
	}
	body.walk(func(n *node) bool {
		// A handler nested in a factory (create_app, module.exports =
		// (app) => {...}) gets its request parameters too.
		if isFunction(n) {
			if a.f.lang.python() {
				a.pyParams(n, s)
			} else if a.jsIsHandler(n) {
				if ps := jsParams(n, a.f.src); len(ps) > 0 && ps[0] != "" {
					s.reqNames[ps[0]] = true
				}
			}
		}
		a.visit(s, n)
		return true
	})
}

// jsIsHandler reports whether fn is passed to a route or middleware
// registration (app.get(path, fn), router.use(fn)).
func (a *analyzer) jsIsHandler(fn *node) bool {
	p := fn.parent
	if p == nil || p.kind != "arguments" || p.parent == nil || p.parent.kind != "call_expression" {
		return false
	}
	callee := unparen(p.parent.child("function"))
	if callee == nil || callee.kind != "member_expression" {
		return false
	}
	return jsRouteVerbs[callee.child("property").text(a.f.src)]
}

// jsParams returns the parameter names of a JavaScript function ("" for a
// destructured one).
func jsParams(fn *node, src []byte) []string {
	ps := fn.child("parameters")
	if ps == nil {
		if p := fn.child("parameter"); p != nil {
			return []string{p.text(src)}
		}
		return nil
	}
	var out []string
	for _, p := range ps.namedChildren() {
		switch p.kind {
		case "identifier":
			out = append(out, p.text(src))
		case "required_parameter", "optional_parameter":
			if pat := p.child("pattern"); pat != nil && pat.kind == "identifier" {
				out = append(out, pat.text(src))
			} else {
				out = append(out, "")
			}
		default:
			out = append(out, "")
		}
	}
	return out
}

// pyParams taints the parameters of a route handler: Flask view arguments
// come from the URL, FastAPI parameters from the path, query or body,
// except what the framework injects (Depends, Request, sessions).
func (a *analyzer) pyParams(fn *node, s *scope) {
	dd := fn.parent
	if dd == nil || dd.kind != "decorated_definition" {
		return
	}
	route := false
	typed := map[string]bool{} // Flask <int:id>: converted, not text
	for _, d := range dd.childrenOf("") {
		if d.kind != "decorator" {
			continue
		}
		for _, c := range d.namedChildren() {
			if c.kind == "call" {
				if fnn := c.child("function"); fnn != nil && fnn.kind == "attribute" && pyRouteDecos[fnn.child("attribute").text(a.f.src)] {
					route = true
					p, _ := stringValue(firstArg(c), a.f.src)
					for _, m := range flaskConverter.FindAllStringSubmatch(p, -1) {
						typed[m[1]] = true
					}
				}
			}
		}
	}
	if !route {
		return
	}
	ps := fn.child("parameters")
	for _, p := range ps.namedChildren() {
		name, typ, def := pyParam(p)
		if name == nil {
			continue
		}
		n := name.text(a.f.src)
		if n == "self" || n == "cls" || typed[n] {
			continue
		}
		if def != nil && unparen(def).kind == "call" {
			callee := unparen(def).child("function").text(a.f.src)
			if callee == "Depends" || callee == "Security" || strings.HasSuffix(callee, ".Depends") {
				continue
			}
		}
		if typ != nil {
			t := typ.text(a.f.src)
			if pyScalar[t] {
				continue // FastAPI validates and converts it
			}
			if pyNonInput[lastDotted(t)] || strings.Contains(t, "Depends(") || strings.Contains(t, "Security(") {
				if lastDotted(t) == "Request" {
					s.reqNames[n] = true
				}
				continue
			}
		}
		s.vars[n] = chain{a.loc(name, fmt.Sprintf("request data: route handler parameter `%s`", n))}
	}
}

// pyParam splits a Python parameter into its name, type and default.
func pyParam(p *node) (name, typ, def *node) {
	switch p.kind {
	case "identifier":
		return p, nil, nil
	case "typed_parameter":
		for _, c := range p.namedChildren() {
			if c.kind == "identifier" {
				return c, p.child("type"), nil
			}
		}
	case "default_parameter", "typed_default_parameter":
		return p.child("name"), p.child("type"), p.child("value")
	}
	return nil, nil, nil
}

func lastDotted(s string) string {
	if i := strings.IndexAny(s, "[("); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// maxSteps bounds a flow: the source and the last steps are kept.
const maxSteps = 12

// extend returns a new chain of ch followed by step, at most maxSteps long.
func extend(ch chain, step escarp.Location) chain {
	if len(ch) >= maxSteps {
		out := make(chain, 0, maxSteps)
		out = append(out, ch[0])
		out = append(out, ch[len(ch)-maxSteps+2:]...)
		return append(out, step)
	}
	out := make(chain, 0, len(ch)+1)
	return append(append(out, ch...), step)
}

// loc returns the location of n with a flow message.
func (a *analyzer) loc(n *node, msg string) escarp.Location {
	return escarp.Location{File: a.f.rel, Line: n.line, Column: n.col,
		Snippet: redact.String(a.f.lineText(n.line)), Message: msg}
}

// visit updates the taint state at an assignment and checks a call for a sink.
func (a *analyzer) visit(s *scope, n *node) {
	switch n.kind {
	case "variable_declarator":
		a.assign(s, n.child("name"), n.child("value"))
	case "assignment_expression", "assignment", "augmented_assignment_expression", "augmented_assignment":
		a.assign(s, n.child("left"), n.child("right"))
	case "named_expression":
		a.assign(s, n.child("name"), n.child("value"))
	case "for_statement", "for_in_statement":
		if n.child("right") != nil {
			a.assign(s, n.child("left"), n.child("right"))
		}
	case "call_expression":
		a.jsSink(s, n)
	case "call":
		a.pySink(s, n)
	}
}

// assign taints the names bound by target when value is tainted.
func (a *analyzer) assign(s *scope, target, value *node) {
	if target == nil || value == nil {
		return
	}
	src := a.f.src
	v := unparen(value)
	// const { query, body } = req
	if target.kind == "object_pattern" && v.kind == "identifier" && s.reqNames[v.text(src)] {
		for _, c := range target.namedChildren() {
			key, bound := patternEntry(c)
			if key != nil && jsSourceProps[key.text(src)] {
				name := bound.text(src)
				s.vars[name] = chain{a.loc(c, fmt.Sprintf("request data: %s.%s", v.text(src), key.text(src)))}
			}
		}
		return
	}
	ch := a.taint(s, v)
	if ch == nil {
		return
	}
	for _, id := range boundNames(target) {
		name := id.text(src)
		if _, done := s.vars[name]; done {
			continue // keep the first path found
		}
		s.vars[name] = extend(ch, a.loc(id, fmt.Sprintf("flows into `%s`", name)))
	}
}

// patternEntry returns the key and the bound identifier of an object
// pattern entry.
func patternEntry(c *node) (key, bound *node) {
	switch c.kind {
	case "shorthand_property_identifier_pattern":
		return c, c
	case "pair_pattern":
		v := c.child("value")
		if v != nil && v.kind == "assignment_pattern" {
			v = v.child("left")
		}
		if v != nil && v.kind == "identifier" {
			return c.child("key"), v
		}
	case "object_assignment_pattern":
		if l := c.child("left"); l != nil && l.kind == "shorthand_property_identifier_pattern" {
			return l, l
		}
	}
	return nil, nil
}

// boundNames returns the identifiers an assignment target binds.
func boundNames(t *node) []*node {
	var out []*node
	t.walk(func(n *node) bool {
		switch n.kind {
		case "identifier", "shorthand_property_identifier_pattern":
			if n.field == "key" || n.field == "type" {
				return false
			}
			out = append(out, n)
			return false
		case "member_expression", "subscript_expression", "attribute", "subscript", "type_annotation", "type":
			return false
		case "pair_pattern":
			if v := n.child("value"); v != nil {
				out = append(out, boundNames(v)...)
			}
			return false
		}
		return true
	})
	return out
}

// taint returns the path by which expression n carries request data, or nil.
func (a *analyzer) taint(s *scope, n *node) chain {
	return a.taintDepth(s, n, 0)
}

func (a *analyzer) taintDepth(s *scope, n *node, depth int) chain {
	n = unparen(n)
	if n == nil || depth > 200 {
		return nil
	}
	src := a.f.src
	rec := func(c *node) chain { return a.taintDepth(s, c, depth+1) }
	anyOf := func(cs []*node) chain {
		for _, c := range cs {
			if ch := rec(c); ch != nil {
				return ch
			}
		}
		return nil
	}
	switch n.kind {
	case "identifier":
		return s.vars[n.text(src)]
	case "member_expression", "subscript_expression", "attribute", "subscript":
		if a.isSource(s, n) {
			return chain{a.loc(n, "request data: "+compact(n.text(src)))}
		}
		prop := n.child("property")
		if prop == nil {
			prop = n.child("attribute")
		}
		if prop != nil && sanitizers[prop.text(src)] {
			return nil
		}
		obj := n.child("object")
		if obj == nil {
			obj = n.child("value")
		}
		return rec(obj)
	case "call_expression", "call":
		fn := unparen(n.child("function"))
		if fn == nil {
			return nil
		}
		name := fn.text(src)
		var recv *node
		switch fn.kind {
		case "member_expression":
			recv, name = fn.child("object"), fn.child("property").text(src)
		case "attribute":
			recv, name = fn.child("object"), fn.child("attribute").text(src)
		}
		if sanitizers[name] || (recv != nil && (recv.text(src) == "Math" || recv.text(src) == "validator")) {
			return nil
		}
		if fn.kind == "member_expression" || fn.kind == "attribute" {
			if a.isSource(s, fn) || (recv != nil && recv.kind == "identifier" && s.reqNames[recv.text(src)] && (jsSourceCalls[name] || pySourceAttrs[name])) {
				return chain{a.loc(n, "request data: "+compact(n.text(src)))}
			}
			if jsSQLMethods[name] || pySQLMethods[name] {
				return nil // a query's result is not the request's text
			}
			if ch := rec(recv); ch != nil {
				return ch
			}
		}
		args := n.child("arguments")
		if args != nil && args.kind == "template_string" {
			return nil // sql`...${x}`: a tag builds a parameterized query
		}
		return anyOf(args.namedChildren())
	case "binary_expression":
		switch n.child("operator").text(src) {
		case "+", "||", "??", "&&":
			return anyOf([]*node{n.child("left"), n.child("right")})
		}
		return nil
	case "binary_operator":
		switch n.child("operator").text(src) {
		case "+", "%":
			return anyOf([]*node{n.child("left"), n.child("right")})
		}
		return nil
	case "boolean_operator":
		return anyOf([]*node{n.child("left"), n.child("right")})
	case "ternary_expression":
		return anyOf([]*node{n.child("consequence"), n.child("alternative")})
	case "conditional_expression":
		nc := n.namedChildren()
		if len(nc) == 3 {
			return anyOf([]*node{nc[0], nc[2]})
		}
		return nil
	case "template_string":
		return anyOf(n.childrenOf(""))
	case "template_substitution", "interpolation", "spread_element", "list_splat", "dictionary_splat", "keyword_argument", "pair", "format_expression":
		if v := n.child("value"); v != nil && (n.kind == "pair" || n.kind == "keyword_argument") {
			return rec(v)
		}
		if e := n.child("expression"); e != nil {
			return rec(e)
		}
		return anyOf(n.namedChildren())
	case "string", "concatenated_string":
		return anyOf(n.namedChildren())
	case "array", "list", "tuple", "set", "object", "dictionary", "expression_list", "arguments", "argument_list":
		return anyOf(n.namedChildren())
	}
	return nil
}

// isSource reports whether n reads request data: req.query..., request.args...
func (a *analyzer) isSource(s *scope, n *node) bool {
	src := a.f.src
	// Find the base identifier and the first property after it.
	var first string
	x := n
	for i := 0; i < 50 && x != nil; i++ {
		x = unparen(x)
		var obj, prop *node
		switch x.kind {
		case "member_expression":
			obj, prop = x.child("object"), x.child("property")
		case "attribute":
			obj, prop = x.child("object"), x.child("attribute")
		case "subscript_expression":
			obj = x.child("object")
		case "subscript":
			obj = x.child("value")
		case "call_expression", "call":
			obj = x.child("function")
		case "identifier":
			if !s.reqNames[x.text(src)] || first == "" {
				return false
			}
			if a.f.lang.python() {
				return pySourceAttrs[first]
			}
			return jsSourceProps[first]
		default:
			return false
		}
		if prop != nil {
			first = prop.text(src)
		} else if obj != nil && obj.kind == "identifier" && s.reqNames[obj.text(src)] {
			return false // req[...]: not a known property
		}
		x = obj
	}
	return false
}

func compact(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// firstArg returns the first argument of a call (positional), or nil.
func firstArg(call *node) *node {
	args := call.child("arguments")
	for _, c := range args.namedChildren() {
		if c.kind == "keyword_argument" {
			continue
		}
		return c
	}
	return nil
}

// kwarg returns the value of keyword argument name, or nil.
func kwarg(call *node, name string, src []byte) *node {
	for _, c := range call.child("arguments").namedChildren() {
		if c.kind == "keyword_argument" && c.child("name").text(src) == name {
			return c.child("value")
		}
	}
	return nil
}

// jsSink checks a JavaScript call for a SQL or command sink.
func (a *analyzer) jsSink(s *scope, call *node) {
	src := a.f.src
	fn := unparen(call.child("function"))
	if fn == nil {
		return
	}
	var name string
	var recv *node
	switch fn.kind {
	case "member_expression":
		recv, name = unparen(fn.child("object")), fn.child("property").text(src)
	case "identifier":
		name = fn.text(src)
	default:
		return
	}
	arg := firstArg(call)
	if arg == nil {
		return
	}
	// Command execution.
	cp := ""
	if recv == nil {
		cp = a.cpFuncs[name]
	} else if (recv.kind == "identifier" && a.cpModules[recv.text(src)]) || isRequireOf(recv, src, "child_process") {
		cp = name
	}
	switch {
	case jsShellCalls[cp]:
		if ch := a.taint(s, arg); ch != nil {
			a.report(RuleJSCmdi, call, ch, fmt.Sprintf("request data reaches the shell command run by `%s`", cp))
		}
		return
	case jsProcCalls[cp]:
		if ch := a.taint(s, arg); ch != nil {
			a.report(RuleJSCmdi, call, ch, fmt.Sprintf("request data chooses the program run by `%s`", cp))
			return
		}
		if jsShellOption(call, src) {
			if ch := a.taint(s, call.child("arguments")); ch != nil {
				a.report(RuleJSCmdi, call, ch, fmt.Sprintf("request data reaches the command line that `%s` runs through a shell (`shell: true`)", cp))
			}
		}
		return
	}
	// SQL.
	if recv == nil || !jsSQLMethods[name] || (recv.kind == "identifier" && s.reqNames[recv.text(src)]) {
		return
	}
	sql := unparen(arg)
	if sql.kind == "object" { // pool.query({text, values})
		sql = nil
		for _, p := range arg.namedChildren() {
			if p.kind == "pair" && (p.child("key").text(src) == "text" || p.child("key").text(src) == "sql") {
				sql = p.child("value")
			}
		}
		if sql == nil {
			return
		}
	}
	if _, lit := stringValue(sql, src); lit {
		return
	}
	if ch := a.taint(s, sql); ch != nil {
		a.report(RuleJSSQLi, call, ch, fmt.Sprintf("request data is built into the SQL text passed to `%s`", compact(fn.text(src))))
	}
}

// jsShellOption reports whether a call passes an options object with a
// truthy shell property.
func jsShellOption(call *node, src []byte) bool {
	for _, c := range call.child("arguments").namedChildren() {
		if c.kind != "object" {
			continue
		}
		for _, p := range c.namedChildren() {
			if p.kind == "pair" && p.child("key").text(src) == "shell" {
				v := p.child("value").text(src)
				return v != "false" && v != "undefined" && v != "null" && v != "0" && v != "''" && v != `""`
			}
		}
	}
	return false
}

// isRequireOf reports whether n is require('mod') or require('node:mod').
func isRequireOf(n *node, src []byte, mod string) bool {
	if n == nil || n.kind != "call_expression" || n.child("function").text(src) != "require" {
		return false
	}
	v, ok := stringValue(firstArg(n), src)
	return ok && (v == mod || v == "node:"+mod)
}

// jsImports records how the file names child_process and its functions.
func (a *analyzer) jsImports() {
	src := a.f.src
	a.f.root.walk(func(n *node) bool {
		switch n.kind {
		case "variable_declarator":
			name, v := n.child("name"), unparen(n.child("value"))
			if name == nil || v == nil {
				return true
			}
			if isRequireOf(v, src, "child_process") {
				if name.kind == "identifier" {
					a.cpModules[name.text(src)] = true
				} else if name.kind == "object_pattern" {
					for _, c := range name.namedChildren() {
						if key, bound := patternEntry(c); key != nil {
							a.cpFuncs[bound.text(src)] = key.text(src)
						}
					}
				}
			}
			// const run = promisify(exec) / util.promisify(cp.exec)
			if name.kind == "identifier" && v.kind == "call_expression" && strings.HasSuffix(v.child("function").text(src), "promisify") {
				if arg := unparen(firstArg(v)); arg != nil {
					switch {
					case arg.kind == "identifier" && a.cpFuncs[arg.text(src)] != "":
						a.cpFuncs[name.text(src)] = a.cpFuncs[arg.text(src)]
					case arg.kind == "member_expression" && a.cpModules[arg.child("object").text(src)]:
						a.cpFuncs[name.text(src)] = arg.child("property").text(src)
					}
				}
			}
		case "import_statement":
			v, ok := stringValue(n.child("source"), src)
			if !ok || (v != "child_process" && v != "node:child_process") {
				return false
			}
			n.walk(func(c *node) bool {
				switch c.kind {
				case "import_clause":
					for _, d := range c.namedChildren() {
						if d.kind == "identifier" {
							a.cpModules[d.text(src)] = true
						}
					}
				case "namespace_import":
					for _, d := range c.namedChildren() {
						a.cpModules[d.text(src)] = true
					}
					return false
				case "import_specifier":
					orig := c.child("name").text(src)
					local := orig
					if al := c.child("alias"); al != nil {
						local = al.text(src)
					}
					a.cpFuncs[local] = orig
					return false
				}
				return true
			})
			return false
		}
		return true
	})
}

// pyImports records module aliases and imported names.
func (a *analyzer) pyImports() {
	src := a.f.src
	a.f.root.walk(func(n *node) bool {
		switch n.kind {
		case "import_statement":
			for _, c := range n.childrenOf("name") {
				if c.kind == "aliased_import" {
					a.pyMods[c.child("alias").text(src)] = c.child("name").text(src)
				} else {
					mod := c.text(src)
					a.pyMods[strings.SplitN(mod, ".", 2)[0]] = strings.SplitN(mod, ".", 2)[0]
				}
			}
			return false
		case "import_from_statement":
			mod := n.child("module_name").text(src)
			for _, c := range n.childrenOf("name") {
				orig, local := c.text(src), c.text(src)
				if c.kind == "aliased_import" {
					orig, local = c.child("name").text(src), c.child("alias").text(src)
				}
				a.pyFuncs[local] = mod + "." + orig
			}
			return false
		case "function_definition", "class_definition":
			return true
		}
		return true
	})
}

// pyQualified returns the dotted name a Python callee refers to, through
// import aliases ("sp.run" → "subprocess.run", "system" → "os.system").
func (a *analyzer) pyQualified(fn *node) string {
	src := a.f.src
	t := fn.text(src)
	head, rest, dotted := strings.Cut(t, ".")
	if q, ok := a.pyFuncs[head]; ok {
		if dotted {
			return q + "." + rest
		}
		return q
	}
	if m, ok := a.pyMods[head]; ok {
		if dotted {
			return m + "." + rest
		}
		return m
	}
	return t
}

// pySink checks a Python call for a SQL, command or eval sink.
func (a *analyzer) pySink(s *scope, call *node) {
	src := a.f.src
	fn := unparen(call.child("function"))
	if fn == nil || (fn.kind != "identifier" && fn.kind != "attribute") {
		return
	}
	arg := firstArg(call)
	if arg == nil {
		return
	}
	q := a.pyQualified(fn)
	switch {
	case pyShellCalls[q]:
		if ch := a.taint(s, arg); ch != nil {
			a.report(RulePyCmdi, call, ch, fmt.Sprintf("request data reaches the shell command run by `%s`", q))
		}
		return
	case pyProcCalls[q]:
		shell := kwarg(call, "shell", src)
		if shell != nil && shell.text(src) != "False" && shell.text(src) != "None" && shell.text(src) != "0" {
			if ch := a.taint(s, arg); ch != nil {
				a.report(RulePyCmdi, call, ch, fmt.Sprintf("request data reaches the command that `%s` runs through a shell (`shell=True`)", q))
			}
			return
		}
		target := unparen(arg)
		if target.kind == "list" || target.kind == "tuple" {
			if els := target.namedChildren(); len(els) > 0 {
				target = els[0]
			} else {
				return
			}
		}
		if ch := a.taint(s, target); ch != nil {
			a.report(RulePyCmdi, call, ch, fmt.Sprintf("request data chooses the program run by `%s`", q))
		}
		return
	case fn.kind == "identifier" && (q == "eval" || q == "exec"):
		if ch := a.taint(s, arg); ch != nil {
			a.report(RulePyCmdi, call, ch, fmt.Sprintf("request data is evaluated as Python code by `%s`", q))
		}
		return
	}
	isText := q == "sqlalchemy.text" || q == "sqlalchemy.sql.text" || q == "sqlmodel.text" || strings.HasSuffix(q, "sqlalchemy.sql.expression.text")
	isExec := fn.kind == "attribute" && pySQLMethods[fn.child("attribute").text(src)]
	if !isText && !isExec {
		return
	}
	if isExec && s.reqNames[fn.child("object").text(src)] {
		return
	}
	if _, lit := stringValue(arg, src); lit {
		return
	}
	// execute(text(f"...")) is reported once, at text().
	if inner := unparen(arg); inner.kind == "call" && a.pyQualified(unparen(inner.child("function"))) != "" {
		iq := a.pyQualified(unparen(inner.child("function")))
		if iq == "sqlalchemy.text" || iq == "sqlalchemy.sql.text" || iq == "sqlmodel.text" {
			return
		}
	}
	if ch := a.taint(s, arg); ch != nil {
		a.report(RulePySQLi, call, ch, fmt.Sprintf("request data is built into the SQL text passed to `%s`", compact(fn.text(src))))
	}
}

// report adds a finding at the sink call, once per rule and line.
func (a *analyzer) report(rule string, call *node, ch chain, msg string) {
	key := fmt.Sprintf("%s:%d", rule, call.line)
	if a.seen[key] {
		return
	}
	a.seen[key] = true
	ri := ruleInfo(rule)
	sink := a.loc(call, "sink: "+msg)
	flow := extend(ch, sink)
	f := escarp.Finding{
		RuleID: rule, Title: ri.Title, Kind: escarp.KindSAST, Severity: ri.Severity,
		Confidence: escarp.ConfidenceHigh, OWASP: ri.OWASP, CWE: append([]string(nil), ri.CWE...),
		Message:     fmt.Sprintf("%s (%s, line %d)", msg, strings.TrimPrefix(ch[0].Message, "request data: "), ch[0].Line),
		Location:    escarp.Location{File: a.f.rel, Line: call.line, Column: call.col, EndLine: endLine(call, a.f.src), Snippet: sink.Snippet},
		Remediation: ri.Remediation, References: references[refKey(rule)],
		Flows: [][]escarp.Location{flow},
		Hash:  snippetHash(sink.Snippet),
	}
	f.SetFingerprint()
	a.findings = append(a.findings, f)
}

func refKey(rule string) string {
	if strings.Contains(rule, "SQLI") {
		return "sqli"
	}
	return "cmdi"
}

func endLine(n *node, src []byte) int {
	return n.line + strings.Count(n.text(src), "\n")
}

// snippetHash is the hex sha256 (first 16 bytes) of the whitespace-normalized snippet.
func snippetHash(s string) string {
	sum := sha256.Sum256([]byte(strings.Join(strings.Fields(s), " ")))
	return hex.EncodeToString(sum[:16])
}
