package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/escarp/escarp"
)

// loader builds one API. It is not safe for concurrent use.
type loader struct {
	ctx  context.Context
	opts Options
	root *document
	docs map[string]*document
	// docErrs holds why a referenced document could not be loaded.
	docErrs map[string]error

	schemas map[string]*escarp.Schema     // referenced schemas by "location#pointer" of their definition
	aliases map[*yaml.Node]*escarp.Schema // schemas reached through YAML aliases
	v2, v32 bool

	// Swagger 2.0 document-level media types.
	consumes, produces []string

	warnings []escarp.Warning
	err      error // the first error; the walk goes on but the load fails
	budget   int   // nodes left for converting values (bounds alias bombs)

	aliasUses int // YAML aliases followed to schemas
	nest      int // path items being converted (callbacks nest them)
}

// fail records the first error.
func (l *loader) fail(err error) {
	if l.err == nil && err != nil {
		l.err = err
	}
}

// warn records a warning.
func (l *loader) warn(pos escarp.Position, format string, args ...any) {
	l.warnings = append(l.warnings, escarp.Warning{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

// maxNest bounds the nesting of path items through callbacks.
const maxNest = 8

// methods are the operation keys of a path item, lower case.
var methods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

func (l *loader) build(version string) (*escarp.API, error) {
	r := l.root.root
	l.budget = 4_000_000
	k, _ := get(r, "openapi")
	format := escarp.FormatOpenAPI
	if l.v2 {
		k, _ = get(r, "swagger")
		format = escarp.FormatSwagger
	}
	info := val(r, "info")
	api := &escarp.API{
		Title:       sval(info, "title"),
		Version:     sval(info, "version"),
		Description: sval(info, "description"),
		Format:      format,
		SpecVersion: version,
		Location:    l.root.loc,
		Operations:  []*escarp.Operation{},
		Schemas:     make(map[string]*escarp.Schema),
		Extensions:  l.extensions(l.root, r),
		Pos:         l.root.pos(k),
	}
	if c := val(info, "contact"); c != nil {
		api.Contact = &escarp.Contact{Name: sval(c, "name"), Email: sval(c, "email"), URL: sval(c, "url")}
	}
	if lic := val(info, "license"); lic != nil {
		api.License = sval(lic, "name")
		if api.License == "" {
			api.License = sval(lic, "identifier")
		}
	}
	for _, t := range items(val(r, "tags")) {
		api.Tags = append(api.Tags, &escarp.Tag{Name: sval(t, "name"), Description: sval(t, "description"), Pos: l.root.pos(t)})
	}

	// Named schemas first, so that every reference to them gets their name.
	schemasPtr := "/components/schemas"
	schemasNode := val(val(r, "components"), "schemas")
	if l.v2 {
		schemasPtr, schemasNode = "/definitions", val(r, "definitions")
	}
	each(schemasNode, func(k, v *yaml.Node) {
		name := k.Value
		t, err := l.follow(l.root, k, v, schemasPtr+"/"+esc(name))
		if err != nil {
			l.fail(err)
			return
		}
		comp := name
		if s := l.refSchema(t, "#"+schemasPtr+"/"+esc(name), comp, 0); s != nil {
			api.Schemas[name] = s
		}
	})

	if l.v2 {
		api.Servers = l.v2Servers(r)
		l.consumes, l.produces = strs(val(r, "consumes")), strs(val(r, "produces"))
		api.SecuritySchemes = l.v2SecuritySchemes(val(r, "securityDefinitions"))
	} else {
		api.Servers = l.servers(l.root, val(r, "servers"), "/servers")
		api.SecuritySchemes = l.securitySchemes(val(val(r, "components"), "securitySchemes"))
	}
	if k, v := get(r, "security"); k != nil {
		api.Security = l.security(v)
	}

	each(val(r, "paths"), func(k, v *yaml.Node) {
		if strings.HasPrefix(k.Value, "x-") {
			return
		}
		api.Operations = append(api.Operations, l.pathItem(l.root, k, v, "/paths/"+esc(k.Value), k.Value, api.Security)...)
	})
	each(val(r, "webhooks"), func(k, v *yaml.Node) {
		if strings.HasPrefix(k.Value, "x-") {
			return
		}
		api.Webhooks = append(api.Webhooks, l.pathItem(l.root, k, v, "/webhooks/"+esc(k.Value), k.Value, api.Security)...)
	})
	if l.err != nil {
		return nil, l.err
	}
	if err := l.ctx.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", l.root.loc, err)
	}
	return api, nil
}

// servers converts an OpenAPI 3 servers list.
func (l *loader) servers(d *document, n *yaml.Node, ptr string) []*escarp.Server {
	var out []*escarp.Server
	for i, s := range items(n) {
		out = append(out, &escarp.Server{URL: sval(s, "url"), Description: sval(s, "description"), Pos: d.pos(s), Pointer: fmt.Sprintf("%s/%d", ptr, i)})
	}
	return out
}

// v2Servers builds servers from Swagger's host, basePath and schemes.
func (l *loader) v2Servers(r *yaml.Node) []*escarp.Server {
	hk, hv := get(r, "host")
	bk, bv := get(r, "basePath")
	host, base := str(hv), str(bv)
	if host == "" && base == "" {
		return nil
	}
	at, ptr := hk, "/host"
	if hk == nil {
		at, ptr = bk, "/basePath"
	}
	if host == "" {
		return []*escarp.Server{{URL: base, Pos: l.root.pos(at), Pointer: ptr}}
	}
	schemes := strs(val(r, "schemes"))
	if len(schemes) == 0 {
		schemes = []string{"https"}
	}
	var out []*escarp.Server
	for _, s := range schemes {
		out = append(out, &escarp.Server{URL: strings.ToLower(s) + "://" + host + base, Pos: l.root.pos(at), Pointer: ptr})
	}
	return out
}

// security converts a list of security requirements. The result is never
// nil: a declared empty list is an empty slice.
func (l *loader) security(n *yaml.Node) []escarp.SecurityRequirement {
	out := []escarp.SecurityRequirement{}
	for _, req := range items(n) {
		r := escarp.SecurityRequirement{}
		each(req, func(k, v *yaml.Node) {
			scopes := strs(v)
			if scopes == nil {
				scopes = []string{}
			}
			r[k.Value] = scopes
		})
		out = append(out, r)
	}
	return out
}

// securitySchemes converts OpenAPI 3 components.securitySchemes.
func (l *loader) securitySchemes(n *yaml.Node) map[string]*escarp.SecurityScheme {
	if n == nil {
		return nil
	}
	out := make(map[string]*escarp.SecurityScheme)
	each(n, func(k, v *yaml.Node) {
		t, err := l.follow(l.root, k, v, "/components/securitySchemes/"+esc(k.Value))
		if err != nil {
			l.fail(err)
			return
		}
		s := t.node
		ss := &escarp.SecurityScheme{
			Name:             k.Value,
			Type:             sval(s, "type"),
			Description:      sval(s, "description"),
			Scheme:           strings.ToLower(sval(s, "scheme")),
			BearerFormat:     sval(s, "bearerFormat"),
			In:               sval(s, "in"),
			ParamName:        sval(s, "name"),
			OpenIDConnectURL: sval(s, "openIdConnectUrl"),
			Extensions:       l.extensions(t.doc, s),
			Pos:              t.pos(),
			Pointer:          t.ptr,
		}
		each(val(s, "flows"), func(fk, fv *yaml.Node) {
			if strings.HasPrefix(fk.Value, "x-") {
				return
			}
			ss.Flows = append(ss.Flows, &escarp.OAuthFlow{
				Type:             fk.Value,
				AuthorizationURL: sval(fv, "authorizationUrl"),
				TokenURL:         firstNonEmpty(sval(fv, "tokenUrl"), sval(fv, "deviceAuthorizationUrl")),
				RefreshURL:       sval(fv, "refreshUrl"),
				Scopes:           l.scopes(val(fv, "scopes")),
				Pos:              t.doc.pos(fk),
			})
		})
		out[k.Value] = ss
	})
	return out
}

// v2SecuritySchemes converts Swagger securityDefinitions, normalizing basic
// to http/basic and the OAuth flow names to OpenAPI 3's.
func (l *loader) v2SecuritySchemes(n *yaml.Node) map[string]*escarp.SecurityScheme {
	if n == nil {
		return nil
	}
	out := make(map[string]*escarp.SecurityScheme)
	each(n, func(k, v *yaml.Node) {
		t, err := l.follow(l.root, k, v, "/securityDefinitions/"+esc(k.Value))
		if err != nil {
			l.fail(err)
			return
		}
		s := t.node
		ss := &escarp.SecurityScheme{
			Name:        k.Value,
			Type:        sval(s, "type"),
			Description: sval(s, "description"),
			In:          sval(s, "in"),
			ParamName:   sval(s, "name"),
			Extensions:  l.extensions(t.doc, s),
			Pos:         t.pos(),
			Pointer:     t.ptr,
		}
		switch ss.Type {
		case "basic":
			ss.Type, ss.Scheme = escarp.SchemeHTTP, "basic"
		case "oauth2":
			flow := sval(s, "flow")
			switch flow {
			case "application":
				flow = "clientCredentials"
			case "accessCode":
				flow = "authorizationCode"
			}
			ss.Flows = []*escarp.OAuthFlow{{
				Type:             flow,
				AuthorizationURL: sval(s, "authorizationUrl"),
				TokenURL:         sval(s, "tokenUrl"),
				Scopes:           l.scopes(val(s, "scopes")),
				Pos:              t.pos(),
			}}
		}
		out[k.Value] = ss
	})
	return out
}

func (l *loader) scopes(n *yaml.Node) map[string]string {
	if n == nil {
		return nil
	}
	out := make(map[string]string)
	each(n, func(k, v *yaml.Node) {
		if !strings.HasPrefix(k.Value, "x-") {
			out[k.Value] = str(v)
		}
	})
	return out
}

// pathItem converts a path item (possibly a $ref) into its operations. path
// is the template (or the webhook name, or the callback expression).
func (l *loader) pathItem(d *document, k, n *yaml.Node, ptr, path string, global []escarp.SecurityRequirement) []*escarp.Operation {
	if err := l.ctx.Err(); err != nil {
		l.fail(err)
		return nil
	}
	if l.nest >= maxNest {
		l.fail(escarp.InvalidAt(d.pos(k), "callbacks nested more than %d deep (a reference cycle?)", maxNest))
		return nil
	}
	l.nest++
	defer func() { l.nest-- }()
	t, err := l.follow(d, k, n, ptr)
	if err != nil {
		l.fail(err)
		return nil
	}
	item := t.node
	common := l.parameters(t.doc, val(item, "parameters"), t.ptr+"/parameters")
	var servers []*escarp.Server
	if !l.v2 {
		servers = l.servers(t.doc, val(item, "servers"), t.ptr+"/servers")
	}
	var ops []*escarp.Operation
	each(item, func(mk, mv *yaml.Node) {
		m := mk.Value
		if methods[m] || l.v32 && m == "query" {
			ops = append(ops, l.operation(t.doc, mk, mv, t.ptr+"/"+esc(m), strings.ToUpper(m), path, common, servers, global))
		}
		if m == "additionalOperations" {
			each(mv, func(ak, av *yaml.Node) {
				ops = append(ops, l.operation(t.doc, ak, av, t.ptr+"/additionalOperations/"+esc(ak.Value), strings.ToUpper(ak.Value), path, common, servers, global))
			})
		}
	})
	// The item's own summary and description apply to operations without one.
	for _, op := range ops {
		if op.Summary == "" {
			op.Summary = sval(item, "summary")
		}
		if op.Description == "" {
			op.Description = sval(item, "description")
		}
	}
	return ops
}

// operation converts one operation.
func (l *loader) operation(d *document, k, n *yaml.Node, ptr, method, path string, common []*escarp.Parameter, servers []*escarp.Server, global []escarp.SecurityRequirement) *escarp.Operation {
	op := &escarp.Operation{
		ID:          sval(n, "operationId"),
		Method:      method,
		Path:        path,
		Summary:     sval(n, "summary"),
		Description: sval(n, "description"),
		Tags:        strs(val(n, "tags")),
		Deprecated:  bval(n, "deprecated"),
		Extensions:  l.extensions(d, n),
		Pos:         d.pos(k),
		Pointer:     ptr,
	}
	// Parameters: the operation's own override the path item's by in+name.
	own := l.parameters(d, val(n, "parameters"), ptr+"/parameters")
	var body, form []*escarp.Parameter
	for _, p := range append(append([]*escarp.Parameter(nil), common...), own...) {
		switch {
		case p.In == "body" && l.v2:
			body = append(body[:0], p)
			continue
		case p.In == "formData" && l.v2:
			form = upsert(form, p)
			continue
		}
		op.Parameters = upsert(op.Parameters, p)
	}
	if l.v2 {
		consumes := l.consumes
		if has(n, "consumes") {
			consumes = strs(val(n, "consumes"))
		}
		produces := l.produces
		if has(n, "produces") {
			produces = strs(val(n, "produces"))
		}
		op.RequestBody = l.v2Body(body, form, consumes)
		op.Responses = l.v2Responses(d, val(n, "responses"), ptr+"/responses", produces)
	} else {
		if bk, bv := get(n, "requestBody"); bk != nil {
			op.RequestBody = l.requestBody(d, bk, bv, ptr+"/requestBody")
		}
		op.Responses = l.responses(d, val(n, "responses"), ptr+"/responses")
		op.Servers = l.servers(d, val(n, "servers"), ptr+"/servers")
		if op.Servers == nil {
			op.Servers = servers
		}
		each(val(n, "callbacks"), func(ck, cv *yaml.Node) {
			if strings.HasPrefix(ck.Value, "x-") {
				return
			}
			ct, err := l.follow(d, ck, cv, ptr+"/callbacks/"+esc(ck.Value))
			if err != nil {
				l.fail(err)
				return
			}
			var cbOps []*escarp.Operation
			each(ct.node, func(ek, ev *yaml.Node) {
				if !strings.HasPrefix(ek.Value, "x-") {
					cbOps = append(cbOps, l.pathItem(ct.doc, ek, ev, ct.ptr+"/"+esc(ek.Value), ek.Value, global)...)
				}
			})
			if op.Callbacks == nil {
				op.Callbacks = make(map[string][]*escarp.Operation)
			}
			op.Callbacks[ck.Value] = cbOps
		})
	}
	if sk, sv := get(n, "security"); sk != nil {
		op.Security, op.SecurityDeclared = l.security(sv), true
	} else if global != nil {
		op.Security = append([]escarp.SecurityRequirement{}, global...)
	}
	return op
}

// upsert replaces the parameter with p's in and name, or appends p.
func upsert(ps []*escarp.Parameter, p *escarp.Parameter) []*escarp.Parameter {
	for i, q := range ps {
		if q.In == p.In && q.Name == p.Name {
			ps[i] = p
			return ps
		}
	}
	return append(ps, p)
}

// parameters converts a parameters list. Swagger 2.0 body and formData
// parameters come back with In "body" and "formData"; the caller turns them
// into a request body.
func (l *loader) parameters(d *document, n *yaml.Node, ptr string) []*escarp.Parameter {
	var out []*escarp.Parameter
	for i, item := range items(n) {
		t, err := l.follow(d, nil, item, fmt.Sprintf("%s/%d", ptr, i))
		if err != nil {
			l.fail(err)
			continue
		}
		out = append(out, l.parameter(t, sval(t.node, "name"), sval(t.node, "in")))
	}
	return out
}

// parameter converts a parameter or header definition.
func (l *loader) parameter(t target, name, in string) *escarp.Parameter {
	n := t.node
	p := &escarp.Parameter{
		Name:        name,
		In:          in,
		Description: sval(n, "description"),
		Required:    bval(n, "required"),
		Deprecated:  bval(n, "deprecated"),
		Style:       sval(n, "style"),
		Extensions:  l.extensions(t.doc, n),
		Pos:         t.pos(),
		Pointer:     t.ptr,
	}
	if v := val(n, "explode"); v != nil {
		if b, ok := boolOf(v); ok {
			p.Explode = &b
		}
	}
	if v := val(n, "example"); v != nil {
		p.Example = l.value(v)
	}
	p.Examples = l.examples(t.doc, val(n, "examples"), t.ptr+"/examples")
	switch {
	case l.v2 && in == "body":
		p.Schema = l.schemaAt(t.doc, n, "schema", t.ptr)
	case l.v2:
		// Swagger 2.0 non-body parameters carry their schema inline.
		p.Schema = l.inlineSchema(t.doc, t.key, n, t.ptr)
		switch sval(n, "collectionFormat") {
		case "csv":
			p.Style = "form"
			if in != "query" {
				p.Style = "simple"
			}
			f := false
			p.Explode = &f
		case "multi":
			p.Style = "form"
			e := true
			p.Explode = &e
		case "ssv":
			p.Style = "spaceDelimited"
		case "pipes":
			p.Style = "pipeDelimited"
		}
	default:
		if sk, sv := get(n, "schema"); sk != nil {
			p.Schema = l.schema(t.doc, sk, sv, t.ptr+"/schema", 0)
		} else {
			// A parameter described by content: take the first media type's schema.
			each(val(n, "content"), func(mk, mv *yaml.Node) {
				if p.Schema == nil {
					p.Schema = l.schemaAt(t.doc, mv, "schema", t.ptr+"/content/"+esc(mk.Value))
				}
			})
		}
	}
	return p
}

// examples collects the values of an examples map (OpenAPI 3 Example
// objects, possibly $refs) or list.
func (l *loader) examples(d *document, n *yaml.Node, ptr string) []any {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode {
		var out []any
		for _, c := range items(n) {
			out = append(out, l.value(c))
		}
		return out
	}
	var out []any
	each(n, func(k, v *yaml.Node) {
		t, err := l.follow(d, k, v, ptr+"/"+esc(k.Value))
		if err != nil {
			l.fail(err)
			return
		}
		switch {
		case has(t.node, "value"):
			out = append(out, l.value(val(t.node, "value")))
		case has(t.node, "dataValue"):
			out = append(out, l.value(val(t.node, "dataValue")))
		case has(t.node, "externalValue"):
			out = append(out, map[string]any{"externalValue": sval(t.node, "externalValue")})
		}
	})
	return out
}

// requestBody converts an OpenAPI 3 request body.
func (l *loader) requestBody(d *document, k, n *yaml.Node, ptr string) *escarp.RequestBody {
	t, err := l.follow(d, k, n, ptr)
	if err != nil {
		l.fail(err)
		return nil
	}
	return &escarp.RequestBody{
		Description: sval(t.node, "description"),
		Required:    bval(t.node, "required"),
		Content:     l.content(t.doc, val(t.node, "content"), t.ptr+"/content"),
		Pos:         t.pos(),
		Pointer:     t.ptr,
	}
}

// content converts a content map.
func (l *loader) content(d *document, n *yaml.Node, ptr string) []*escarp.MediaType {
	var out []*escarp.MediaType
	each(n, func(k, v *yaml.Node) {
		mptr := ptr + "/" + esc(k.Value)
		m := &escarp.MediaType{MediaType: k.Value, Pos: d.pos(k), Pointer: mptr}
		t, err := l.follow(d, k, v, mptr) // 3.2 allows media type $refs
		if err != nil {
			l.fail(err)
			return
		}
		if t.via != "" {
			m.Pos, m.Pointer = t.pos(), t.ptr
		}
		m.Schema = l.schemaAt(t.doc, t.node, "schema", t.ptr)
		if e := val(t.node, "example"); e != nil {
			m.Example = l.value(e)
		}
		m.Examples = l.examples(t.doc, val(t.node, "examples"), t.ptr+"/examples")
		out = append(out, m)
	})
	return out
}

// responses converts an OpenAPI 3 responses map.
func (l *loader) responses(d *document, n *yaml.Node, ptr string) []*escarp.Response {
	var out []*escarp.Response
	each(n, func(k, v *yaml.Node) {
		if strings.HasPrefix(k.Value, "x-") {
			return
		}
		t, err := l.follow(d, k, v, ptr+"/"+esc(k.Value))
		if err != nil {
			l.fail(err)
			return
		}
		r := &escarp.Response{
			Status:      k.Value,
			Description: sval(t.node, "description"),
			Content:     l.content(t.doc, val(t.node, "content"), t.ptr+"/content"),
			Pos:         t.pos(),
			Pointer:     t.ptr,
		}
		if t.via == "" {
			r.Pos = d.pos(k)
		}
		r.Headers = l.headers(t.doc, val(t.node, "headers"), t.ptr+"/headers")
		each(val(t.node, "links"), func(lk, lv *yaml.Node) {
			lt, err := l.follow(t.doc, lk, lv, t.ptr+"/links/"+esc(lk.Value))
			if err != nil {
				l.fail(err)
				return
			}
			link := &escarp.Link{
				Name:         lk.Value,
				OperationID:  sval(lt.node, "operationId"),
				OperationRef: sval(lt.node, "operationRef"),
				RequestBody:  l.text(val(lt.node, "requestBody")),
			}
			each(val(lt.node, "parameters"), func(pk, pv *yaml.Node) {
				if link.Parameters == nil {
					link.Parameters = make(map[string]string)
				}
				link.Parameters[pk.Value] = l.text(pv)
			})
			r.Links = append(r.Links, link)
		})
		out = append(out, r)
	})
	return out
}

// headers converts a response headers map.
func (l *loader) headers(d *document, n *yaml.Node, ptr string) []*escarp.Parameter {
	var out []*escarp.Parameter
	each(n, func(k, v *yaml.Node) {
		t, err := l.follow(d, k, v, ptr+"/"+esc(k.Value))
		if err != nil {
			l.fail(err)
			return
		}
		if l.v2 {
			h := &escarp.Parameter{Name: k.Value, In: "header", Description: sval(t.node, "description"),
				Schema: l.inlineSchema(t.doc, t.key, t.node, t.ptr), Extensions: l.extensions(t.doc, t.node), Pos: t.pos(), Pointer: t.ptr}
			out = append(out, h)
			return
		}
		out = append(out, l.parameter(t, k.Value, "header"))
	})
	return out
}

// v2Body builds a request body from Swagger 2.0 body or formData parameters.
func (l *loader) v2Body(body, form []*escarp.Parameter, consumes []string) *escarp.RequestBody {
	switch {
	case len(body) > 0:
		b := body[0]
		if len(consumes) == 0 {
			consumes = []string{"application/json"}
		}
		rb := &escarp.RequestBody{Description: b.Description, Required: b.Required, Pos: b.Pos, Pointer: b.Pointer}
		for _, ct := range consumes {
			rb.Content = append(rb.Content, &escarp.MediaType{MediaType: ct, Schema: b.Schema, Example: b.Example, Pos: b.Pos, Pointer: b.Pointer})
		}
		return rb
	case len(form) > 0:
		obj := &escarp.Schema{Type: []string{"object"}, Properties: make(map[string]*escarp.Schema), Pos: form[0].Pos, Pointer: form[0].Pointer}
		file := false
		rb := &escarp.RequestBody{Pos: form[0].Pos, Pointer: form[0].Pointer}
		for _, p := range form {
			obj.Properties[p.Name] = p.Schema
			obj.PropertyNames = append(obj.PropertyNames, p.Name)
			if p.Required {
				obj.Required = append(obj.Required, p.Name)
				rb.Required = true
			}
			if p.Schema != nil && p.Schema.HasType("file") {
				file = true
			}
		}
		var types []string
		for _, ct := range consumes {
			if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
				types = append(types, ct)
			}
		}
		if len(types) == 0 {
			types = []string{"application/x-www-form-urlencoded"}
			if file {
				types = []string{"multipart/form-data"}
			}
		}
		for _, ct := range types {
			rb.Content = append(rb.Content, &escarp.MediaType{MediaType: ct, Schema: obj, Pos: rb.Pos, Pointer: rb.Pointer})
		}
		return rb
	}
	return nil
}

// v2Responses converts a Swagger 2.0 responses map.
func (l *loader) v2Responses(d *document, n *yaml.Node, ptr string, produces []string) []*escarp.Response {
	var out []*escarp.Response
	each(n, func(k, v *yaml.Node) {
		if strings.HasPrefix(k.Value, "x-") {
			return
		}
		t, err := l.follow(d, k, v, ptr+"/"+esc(k.Value))
		if err != nil {
			l.fail(err)
			return
		}
		r := &escarp.Response{Status: k.Value, Description: sval(t.node, "description"), Pos: t.pos(), Pointer: t.ptr}
		if t.via == "" {
			r.Pos = d.pos(k)
		}
		if sk, sv := get(t.node, "schema"); sk != nil {
			s := l.schema(t.doc, sk, sv, t.ptr+"/schema", 0)
			types := produces
			if len(types) == 0 {
				types = []string{"application/json"}
			}
			examples := val(t.node, "examples")
			for _, ct := range types {
				m := &escarp.MediaType{MediaType: ct, Schema: s, Pos: t.doc.pos(sk), Pointer: t.ptr + "/schema"}
				if e := val(examples, ct); e != nil {
					m.Example = l.value(e)
				}
				r.Content = append(r.Content, m)
			}
		}
		r.Headers = l.headers(t.doc, val(t.node, "headers"), t.ptr+"/headers")
		out = append(out, r)
	})
	return out
}

// extensions returns the x- entries of mapping n, checking $refs inside them
// (an unresolvable one is a warning).
func (l *loader) extensions(d *document, n *yaml.Node) map[string]any {
	var out map[string]any
	each(n, func(k, v *yaml.Node) {
		if !strings.HasPrefix(k.Value, "x-") {
			return
		}
		if out == nil {
			out = make(map[string]any)
		}
		out[k.Value] = l.value(v)
		l.checkRefs(d, v, 0)
	})
	return out
}

// checkRefs warns about unresolvable $refs inside an extension value.
func (l *loader) checkRefs(d *document, n *yaml.Node, depth int) {
	n = deref(n)
	if n == nil || depth > 64 {
		return
	}
	if ref, rn, ok := refOf(n); ok {
		if _, err := l.follow(d, nil, n, ""); err != nil {
			// A $ref without a fragment may name any file (a code sample):
			// it resolves when the file can be read.
			file, frag, _ := strings.Cut(ref, "#")
			if frag == "" && file != "" {
				if loc, lerr := resolveLocation(d.loc, file); lerr == nil {
					if _, ferr := l.opts.fetch(l.ctx, loc); ferr == nil {
						return
					}
				}
			}
			l.warn(d.pos(rn), "unresolvable $ref %q in an extension", ref)
		}
		return
	}
	for _, c := range n.Content {
		l.checkRefs(d, c, depth+1)
	}
}

// value converts a node to plain Go values (map[string]any, []any, string,
// float64, int64, bool, nil), bounded by the loader's node budget.
func (l *loader) value(n *yaml.Node) any {
	return l.valueDepth(n, 0)
}

func (l *loader) valueDepth(n *yaml.Node, depth int) any {
	n = deref(n)
	if n == nil || depth > 128 || l.budget <= 0 {
		return nil
	}
	l.budget--
	switch n.Kind {
	case yaml.ScalarNode:
		return scalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, l.valueDepth(c, depth+1))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[deref(n.Content[i]).Value] = l.valueDepth(n.Content[i+1], depth+1)
		}
		return out
	}
	return nil
}

// scalar converts a scalar node by its resolved tag.
func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		b, _ := boolOf(n)
		return b
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	case "!!float":
		// Infinities and NaN stay strings: JSON cannot hold them.
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}

// text renders a node as a string: scalars as they are, structures as JSON.
func (l *loader) text(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	b, err := json.Marshal(l.value(n))
	if err != nil {
		return ""
	}
	return string(b)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
