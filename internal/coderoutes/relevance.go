package coderoutes

import (
	"go/ast"
)

// relevance marks the functions worth interpreting, so that a large tree
// costs little more than parsing it:
//
//   - relevant: the function refers to a router (a framework's router
//     constructor or type, net/http's default mux functions, a struct field
//     or package variable of a router type), or refers to a relevant function, directly or through a chain
//     (methods are matched by name);
//   - useful: not relevant, but returns a string or a struct of the tree,
//     which callers may need for a path or a handler's name. It is
//     interpreted when called, never as an entry point.
func (in *interp) relevance() {
	// users maps a function, or a method name ("m:Name"), to the functions
	// that refer to it.
	users := map[any][]*funcInfo{}
	methodNames := map[string]int{}
	for _, p := range in.idx.pkgs {
		for _, fi := range p.funcs {
			if fi.decl.Recv != nil {
				methodNames["m:"+fi.decl.Name.Name]++
			}
		}
	}
	var queue []any
	mark := func(fi *funcInfo) {
		if fi.relevant {
			return
		}
		fi.relevant = true
		queue = append(queue, fi)
		if fi.decl.Recv != nil {
			queue = append(queue, "m:"+fi.decl.Name.Name)
		}
	}
	for _, p := range in.idx.pkgs {
		routerFields := map[string]bool{}
		for _, fields := range p.fields {
			for name, t := range fields {
				if in.routerTypeAny(p, t) != "" {
					routerFields[name] = true
				}
			}
		}
		routerVars := map[string]bool{}
		for name, vs := range p.values {
			if (vs.typ != nil && in.mentionsFramework(vs.file, vs.typ)) || (vs.init != nil && in.mentionsFramework(vs.file, vs.init)) {
				routerVars[name] = true
			}
		}
		for _, fl := range p.files {
			for _, d := range fl.ast.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				fi := in.funcOf(p, fd)
				if fi == nil {
					continue
				}
				fi.useful = returnsUseful(in, fl, fd)
				direct := false
				ast.Inspect(fd, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.SelectorExpr:
						if id, ok := n.X.(*ast.Ident); ok {
							if ip, ok := fl.imports[id.Name]; ok {
								if fw := frameworkOf(ip); fw != "" {
									direct = direct || routerIdent(fw, n.Sel.Name)
								} else if q := in.idx.pkgByImport(ip); q != nil {
									if g := q.funcs[n.Sel.Name]; g != nil {
										users[g] = append(users[g], fi)
									}
									if q.values[n.Sel.Name].file != nil && in.pkgVarIsRouter(q, n.Sel.Name) {
										direct = true
									}
								}
								return false
							}
						}
						if routerFields[n.Sel.Name] {
							direct = true
						}
						k := "m:" + n.Sel.Name
						users[k] = append(users[k], fi)
					case *ast.Ident:
						if g := p.funcs[n.Name]; g != nil && g != fi {
							users[g] = append(users[g], fi)
						}
						if routerVars[n.Name] {
							direct = true
						}
					}
					return true
				})
				if direct {
					mark(fi)
				}
			}
		}
	}
	for i := 0; i < len(queue); i++ {
		if name, ok := queue[i].(string); ok && methodNames[name] > maxSameName {
			continue // too common a method name to say who calls what
		}
		for _, u := range users[queue[i]] {
			mark(u)
		}
	}
}

// maxSameName is how many methods may share a name for a call by that
// name to count as a call of each. A relevant method reached otherwise is
// still interpreted on its own, with fresh routers.
const maxSameName = 2

// routerIdent reports whether a framework identifier makes, names or
// fills a router: constructors, router types, net/http's default mux
// functions. Handler types (gin.Context, http.Request) do not count.
func routerIdent(fw, name string) bool {
	if constructors[fw][name] || routerTypes[fw][name] {
		return true
	}
	if fw == fwHTTP {
		switch name {
		case "HandleFunc", "Handle", "DefaultServeMux", "StripPrefix":
			return true
		}
	}
	return false
}

// funcOf finds the funcInfo of a declaration.
func (in *interp) funcOf(p *pkg, fd *ast.FuncDecl) *funcInfo {
	k := fd.Name.Name
	if fd.Recv != nil && len(fd.Recv.List) > 0 {
		tn, _ := recvType(fd.Recv.List[0].Type)
		k = tn + "." + k
	}
	if fi := p.funcs[k]; fi != nil && fi.decl == fd {
		return fi
	}
	for _, fi := range p.funcs { // init functions and duplicates
		if fi.decl == fd {
			return fi
		}
	}
	return nil
}

// mentionsFramework reports whether x refers to a framework package.
func (in *interp) mentionsFramework(fl *file, x ast.Node) bool {
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		if se, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := se.X.(*ast.Ident); ok {
				if fw := frameworkOf(fl.imports[id.Name]); fw != "" && routerIdent(fw, se.Sel.Name) {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// pkgVarIsRouter reports whether the package variable name of q is
// declared or initialised with a framework type or call.
func (in *interp) pkgVarIsRouter(q *pkg, name string) bool {
	vs := q.values[name]
	return (vs.typ != nil && in.mentionsFramework(vs.file, vs.typ)) || (vs.init != nil && in.mentionsFramework(vs.file, vs.init))
}

// returnsUseful reports whether a function returns a string or a struct
// type of the tree.
func returnsUseful(in *interp, fl *file, fd *ast.FuncDecl) bool {
	if fd.Type.Results == nil {
		return false
	}
	for _, r := range fd.Type.Results.List {
		if id, ok := r.Type.(*ast.Ident); ok && id.Name == "string" {
			return true
		}
		if in.objectType(fl, r.Type) != nil {
			return true
		}
	}
	return false
}
