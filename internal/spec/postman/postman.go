// Package postman loads Postman Collection v2.1 (and v2.0) documents into
// the normalized [escarp.API] model.
//
// Every request of the collection, in folders at any depth, becomes an
// operation. Its URL's path becomes a template: ":id" path variables and
// "{{var}}" collection variables become "{id}" and "{var}" with a path
// parameter each; the host part becomes a server (a "{{baseUrl}}" host is
// replaced by the collection variable's value when it has one). Query
// parameters, headers, bodies (raw JSON, XML or text, urlencoded, form-data)
// and auth (inherited from folders and the collection, as Postman does) are
// converted; auth types become security schemes named after their type
// ("bearer", "basic", "apikey", "oauth2", ...). Folder names become tags.
//
// The collection is parsed with a YAML parser (JSON is YAML), so every
// element is positioned at the line of its item, and its pointer leads into
// the collection ("/item/0/item/2/request").
package postman

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/sensitive"
	"github.com/escarp/escarp/internal/yamllimit"
)

// loader builds one API.
type loader struct {
	ctx      context.Context
	name     string
	api      *escarp.API
	vars     map[string]string
	servers  map[string]bool
	warnings []escarp.Warning
	seenOps  map[string]int
}

func (l *loader) pos(n *yaml.Node) escarp.Position {
	if n == nil {
		return escarp.Position{File: l.name}
	}
	return escarp.Position{File: l.name, Line: n.Line, Column: n.Column}
}

// Load converts data, the Postman collection called name, into an API. A
// document that cannot be parsed is an Invalid error with file and line.
func Load(ctx context.Context, name string, data []byte) (*escarp.API, []escarp.Warning, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' && !json.Valid(t) {
		return nil, nil, parseError(name, data, errors.New("invalid JSON"))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, parseError(name, data, err)
	}
	if err := yamllimit.CheckPB(name, &doc); err != nil {
		return nil, nil, err
	}
	root := deref(&doc)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, nil, escarp.InvalidAt(escarp.Position{File: name, Line: 1}, "not a Postman collection: the top level is not an object")
	}
	info := val(root, "info")
	if info == nil || !has(root, "item") {
		return nil, nil, escarp.InvalidAt(escarp.Position{File: name, Line: 1}, "not a Postman collection: no info or item")
	}
	version := "2.1.0"
	if s := sval(info, "schema"); strings.Contains(s, "v2.0.0") {
		version = "2.0.0"
	}
	ik, _ := get(root, "info")
	l := &loader{ctx: ctx, name: name, vars: make(map[string]string), servers: make(map[string]bool), seenOps: make(map[string]int)}
	l.api = &escarp.API{
		Title:       sval(info, "name"),
		Version:     sval(val(info, "version"), ""),
		Description: description(val(info, "description")),
		Format:      escarp.FormatPostman,
		SpecVersion: version,
		Location:    name,
		Operations:  []*escarp.Operation{},
		Pos:         l.pos(ik),
	}
	if v := val(info, "version"); v != nil && v.Kind == yaml.ScalarNode {
		l.api.Version = v.Value
	}
	for _, v := range items(val(root, "variable")) {
		key := firstNonEmpty(sval(v, "key"), sval(v, "id"))
		if key != "" {
			l.vars[key] = sval(v, "value")
		}
	}
	// Collection-level auth is the document's security.
	var sec []escarp.SecurityRequirement
	if ak, av := get(root, "auth"); ak != nil {
		sec = l.auth(av, "/auth")
		l.api.Security = sec
	}
	l.folder(val(root, "item"), "/item", nil, sec)
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", name, err)
	}
	return l.api, l.warnings, nil
}

// folder converts the items of a folder (or of the collection).
func (l *loader) folder(n *yaml.Node, ptr string, tags []string, sec []escarp.SecurityRequirement) {
	for i, it := range items(n) {
		if l.ctx.Err() != nil {
			return
		}
		iptr := ptr + "/" + strconv.Itoa(i)
		switch {
		case has(it, "item"): // a folder
			fsec := sec
			if ak, av := get(it, "auth"); ak != nil {
				fsec = l.auth(av, iptr+"/auth")
			}
			name := sval(it, "name")
			ftags := tags
			if len(tags) == 0 && name != "" {
				ftags = []string{name} // top-level folders are the tags
				l.addTag(name, description(val(it, "description")), it)
			}
			l.folder(val(it, "item"), iptr+"/item", ftags, fsec)
		case has(it, "request"):
			l.request(it, iptr, tags, sec)
		}
	}
}

func (l *loader) addTag(name, desc string, n *yaml.Node) {
	for _, t := range l.api.Tags {
		if t.Name == name {
			return
		}
	}
	l.api.Tags = append(l.api.Tags, &escarp.Tag{Name: name, Description: desc, Pos: l.pos(n)})
}

var (
	varRe   = regexp.MustCompile(`^\{\{([^{}]+)\}\}$`)
	anyVar  = regexp.MustCompile(`\{\{([^{}]+)\}\}`)
	colonRe = regexp.MustCompile(`^:([A-Za-z_][A-Za-z0-9_.-]*)$`)
)

// request converts one request item into an operation.
func (l *loader) request(it *yaml.Node, ptr string, tags []string, sec []escarp.SecurityRequirement) {
	rk, req := get(it, "request")
	rptr := ptr + "/request"
	op := &escarp.Operation{
		Summary: sval(it, "name"),
		Tags:    tags,
		Pos:     l.pos(it),
		Pointer: ptr,
	}
	_ = rk
	if req.Kind == yaml.ScalarNode { // a request given as a bare URL string
		op.Method = "GET"
		l.url(op, req, rptr)
	} else {
		op.Method = strings.ToUpper(firstNonEmpty(sval(req, "method"), "GET"))
		op.Description = description(val(req, "description"))
		if uk, uv := get(req, "url"); uk != nil {
			l.url(op, uv, rptr+"/url")
		}
		for i, h := range items(val(req, "header")) {
			name := sval(h, "key")
			if name == "" || bval(h, "disabled") {
				continue
			}
			switch strings.ToLower(name) {
			case "authorization", "cookie", "content-type":
				continue // covered by auth and the body
			}
			if op.Param("header", name) == nil {
				op.Parameters = append(op.Parameters, &escarp.Parameter{Name: name, In: "header", Description: description(val(h, "description")),
					Example: exampleString(name, sval(h, "value")), Schema: &escarp.Schema{Type: []string{"string"}, Pos: l.pos(h), Pointer: fmt.Sprintf("%s/header/%d", rptr, i)},
					Pos: l.pos(h), Pointer: fmt.Sprintf("%s/header/%d", rptr, i)})
			}
		}
		if bk, bv := get(req, "body"); bk != nil {
			op.RequestBody = l.body(bv, req, rptr+"/body")
		}
		op.Security = sec
		if ak, av := get(req, "auth"); ak != nil {
			op.Security, op.SecurityDeclared = l.auth(av, rptr+"/auth"), true
		}
	}
	for i, r := range items(val(it, "response")) {
		code := sval(r, "code")
		if code == "" {
			continue
		}
		resp := op.Response(code)
		if resp == nil {
			resp = &escarp.Response{Status: code, Description: sval(r, "status"), Pos: l.pos(r), Pointer: fmt.Sprintf("%s/response/%d", ptr, i)}
			op.Responses = append(op.Responses, resp)
		}
		mt := ""
		for _, h := range items(val(r, "header")) {
			if strings.EqualFold(sval(h, "key"), "content-type") {
				mt = mediaType(sval(h, "value"))
			}
		}
		body := redact.Body(sval(r, "body"))
		if mt == "" && sval(r, "_postman_previewlanguage") == "json" {
			mt = "application/json"
		}
		if mt != "" && resp.Media(mt) == nil {
			m := &escarp.MediaType{MediaType: mt, Pos: l.pos(r), Pointer: fmt.Sprintf("%s/response/%d/body", ptr, i)}
			if v, ok := jsonValue(mt, body); ok {
				m.Example, m.Schema = v, escarp.InferSchema(v, m.Pos, m.Pointer)
			}
			resp.Content = append(resp.Content, m)
		}
	}
	key := op.Key()
	if n := l.seenOps[key]; n > 0 {
		l.warnings = append(l.warnings, escarp.Warning{Pos: op.Pos, Message: fmt.Sprintf("%s appears more than once: requests merged into the first", key)})
		first := l.api.Operations[n-1]
		for _, p := range op.Parameters {
			if first.Param(p.In, p.Name) == nil {
				first.Parameters = append(first.Parameters, p)
			}
		}
		if first.RequestBody == nil {
			first.RequestBody = op.RequestBody
		}
		return
	}
	l.api.Operations = append(l.api.Operations, op)
	l.seenOps[key] = len(l.api.Operations)
}

// url sets the operation's path (a template), path and query parameters,
// and records the server.
func (l *loader) url(op *escarp.Operation, u *yaml.Node, ptr string) {
	var raw, host string
	var segs []string
	var query []*yaml.Node
	vars := map[string]*yaml.Node{}
	if u.Kind == yaml.ScalarNode {
		raw = u.Value
		host, segs = splitRaw(raw)
	} else {
		raw = sval(u, "raw")
		hn := val(u, "host")
		if hn != nil && hn.Kind == yaml.SequenceNode {
			host = strings.Join(strs(hn), ".")
		} else {
			host = str(hn)
		}
		if proto := sval(u, "protocol"); proto != "" && host != "" {
			host = proto + "://" + host
		}
		if port := sval(u, "port"); port != "" && host != "" {
			host += ":" + port
		}
		pn := val(u, "path")
		switch {
		case pn != nil && pn.Kind == yaml.SequenceNode:
			for _, s := range items(pn) {
				if s.Kind == yaml.ScalarNode {
					segs = append(segs, s.Value)
				} else {
					segs = append(segs, sval(s, "value")) // v2.0 path segment objects
				}
			}
		case pn != nil:
			segs = strings.Split(strings.Trim(str(pn), "/"), "/")
		default:
			if raw != "" {
				host, segs = splitRaw(raw)
			}
		}
		query = items(val(u, "query"))
		for _, v := range items(val(u, "variable")) {
			vars[firstNonEmpty(sval(v, "key"), sval(v, "id"))] = v
		}
	}
	if host != "" {
		server := l.expand(host)
		if !strings.Contains(server, "://") && !strings.HasPrefix(server, "{{") {
			server = "https://" + server
		}
		if !l.servers[server] {
			l.servers[server] = true
			l.api.Servers = append(l.api.Servers, &escarp.Server{URL: server, Pos: l.pos(u), Pointer: ptr})
		}
	}
	var out []string
	for _, s := range segs {
		if s == "" {
			continue
		}
		name := ""
		if m := colonRe.FindStringSubmatch(s); m != nil {
			name = m[1]
		} else if m := varRe.FindStringSubmatch(s); m != nil {
			name = m[1]
		}
		if name == "" {
			out = append(out, s)
			continue
		}
		out = append(out, "{"+name+"}")
		p := &escarp.Parameter{Name: name, In: "path", Required: true, Schema: &escarp.Schema{Type: []string{"string"}, Pos: l.pos(u), Pointer: ptr}, Pos: l.pos(u), Pointer: ptr}
		if v, ok := vars[name]; ok {
			p.Description = description(val(v, "description"))
			p.Example = exampleString(name, sval(v, "value"))
			p.Pos, p.Schema.Pos = l.pos(v), l.pos(v)
		}
		if op.Param("path", name) == nil {
			op.Parameters = append(op.Parameters, p)
		}
	}
	op.Path = "/" + strings.Join(out, "/")
	for i, q := range query {
		name := sval(q, "key")
		if name == "" || op.Param("query", name) != nil {
			continue
		}
		qptr := fmt.Sprintf("%s/query/%d", ptr, i)
		op.Parameters = append(op.Parameters, &escarp.Parameter{Name: name, In: "query", Description: description(val(q, "description")),
			Example: exampleString(name, sval(q, "value")), Schema: &escarp.Schema{Type: []string{"string"}, Pos: l.pos(q), Pointer: qptr},
			Pos: l.pos(q), Pointer: qptr})
	}
}

// splitRaw splits a raw URL ("{{baseUrl}}/users/:id?x=1") into its host
// part and path segments.
func splitRaw(raw string) (host string, segs []string) {
	raw, _, _ = strings.Cut(raw, "?")
	raw, _, _ = strings.Cut(raw, "#")
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		j := strings.IndexByte(rest[i+3:], '/')
		if j < 0 {
			return rest, nil
		}
		host, rest = rest[:i+3+j], rest[i+3+j:]
	} else if !strings.HasPrefix(rest, "/") {
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return rest, nil
		}
		host, rest = rest[:j], rest[j:]
	}
	return host, strings.Split(strings.Trim(rest, "/"), "/")
}

// expand replaces {{var}} with collection variable values where known.
func (l *loader) expand(s string) string {
	return anyVar.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := l.vars[m[2:len(m)-2]]; ok && v != "" {
			return v
		}
		return m
	})
}

// body converts a request body.
func (l *loader) body(b, req *yaml.Node, ptr string) *escarp.RequestBody {
	mode := sval(b, "mode")
	if mode == "" || bval(b, "disabled") {
		return nil
	}
	rb := &escarp.RequestBody{Pos: l.pos(b), Pointer: ptr}
	ctHeader := ""
	for _, h := range items(val(req, "header")) {
		if strings.EqualFold(sval(h, "key"), "content-type") && !bval(h, "disabled") {
			ctHeader = mediaType(sval(h, "value"))
		}
	}
	m := &escarp.MediaType{Pos: l.pos(b), Pointer: ptr}
	switch mode {
	case "raw":
		lang := sval(val(val(b, "options"), "raw"), "language")
		m.MediaType = firstNonEmpty(ctHeader, map[string]string{"json": "application/json", "xml": "application/xml",
			"html": "text/html", "javascript": "application/javascript", "text": "text/plain"}[lang], "text/plain")
		raw := redact.Body(sval(b, "raw"))
		if v, ok := jsonValue(m.MediaType, raw); ok {
			m.Example, m.Schema = v, escarp.InferSchema(v, m.Pos, ptr+"/raw")
		} else if raw != "" {
			m.Example = raw
		}
	case "urlencoded", "formdata":
		m.MediaType = "application/x-www-form-urlencoded"
		if mode == "formdata" {
			m.MediaType = "multipart/form-data"
		}
		s := &escarp.Schema{Type: []string{"object"}, Properties: map[string]*escarp.Schema{}, Pos: l.pos(b), Pointer: ptr + "/" + mode}
		example := map[string]any{}
		for i, f := range items(val(b, mode)) {
			key := sval(f, "key")
			if key == "" || bval(f, "disabled") {
				continue
			}
			fs := &escarp.Schema{Type: []string{"string"}, Description: description(val(f, "description")), Pos: l.pos(f), Pointer: fmt.Sprintf("%s/%s/%d", ptr, mode, i)}
			if sval(f, "type") == "file" {
				fs.Format = "binary"
			} else if ex := exampleString(key, sval(f, "value")); ex != nil {
				example[key] = ex
			}
			if _, dup := s.Properties[key]; !dup {
				s.PropertyNames = append(s.PropertyNames, key)
			}
			s.Properties[key] = fs
		}
		m.Schema, m.Example = s, example
	case "file":
		m.MediaType = firstNonEmpty(ctHeader, "application/octet-stream")
		m.Schema = &escarp.Schema{Type: []string{"string"}, Format: "binary", Pos: l.pos(b), Pointer: ptr}
	case "graphql":
		m.MediaType = "application/json"
		gq := val(b, "graphql")
		m.Example = map[string]any{"query": sval(gq, "query")}
		m.Schema = &escarp.Schema{Type: []string{"object"}, Properties: map[string]*escarp.Schema{
			"query": {Type: []string{"string"}, Pos: l.pos(b)}, "variables": {Type: []string{"object"}, Pos: l.pos(b)}},
			PropertyNames: []string{"query", "variables"}, Required: []string{"query"}, Pos: l.pos(b), Pointer: ptr + "/graphql"}
	default:
		l.warnings = append(l.warnings, escarp.Warning{Pos: l.pos(b), Message: fmt.Sprintf("body mode %q not understood: ignored", mode)})
		return nil
	}
	rb.Content = []*escarp.MediaType{m}
	return rb
}

// auth converts a Postman auth object into a security requirement,
// declaring its scheme. "noauth" is a declared empty requirement.
func (l *loader) auth(a *yaml.Node, ptr string) []escarp.SecurityRequirement {
	typ := sval(a, "type")
	if typ == "" || typ == "noauth" {
		return []escarp.SecurityRequirement{}
	}
	attrs := map[string]string{}
	for _, kv := range items(val(a, typ)) {
		attrs[sval(kv, "key")] = str(val(kv, "value"))
	}
	if n := val(a, typ); n != nil && n.Kind == yaml.MappingNode { // v2.0: an object of attributes
		each(n, func(k, v *yaml.Node) { attrs[k.Value] = str(v) })
	}
	ss := &escarp.SecurityScheme{Name: typ, Type: escarp.SchemeHTTP, Pos: l.pos(a), Pointer: ptr}
	var scopes []string
	switch typ {
	case "bearer":
		ss.Scheme = "bearer"
	case "jwt":
		ss.Scheme, ss.BearerFormat = "bearer", "JWT"
	case "basic", "digest", "ntlm", "hawk", "edgegrid", "akamai":
		ss.Scheme = typ
	case "apikey":
		ss.Type, ss.In, ss.ParamName = escarp.SchemeAPIKey, firstNonEmpty(attrs["in"], "header"), firstNonEmpty(attrs["key"], "x-api-key")
		ss.Name = "apikey-" + ss.ParamName
	case "oauth2":
		ss.Type = escarp.SchemeOAuth2
		flow := map[string]string{"authorization_code": "authorizationCode", "authorization_code_with_pkce": "authorizationCode",
			"client_credentials": "clientCredentials", "password_credentials": "password", "implicit": "implicit"}[attrs["grant_type"]]
		if flow == "" {
			flow = "authorizationCode"
		}
		f := &escarp.OAuthFlow{Type: flow, AuthorizationURL: attrs["authUrl"], TokenURL: attrs["accessTokenUrl"], Pos: l.pos(a)}
		if sc := strings.Fields(attrs["scope"]); len(sc) > 0 {
			f.Scopes = map[string]string{}
			for _, s := range sc {
				f.Scopes[s] = ""
			}
			scopes = sc
		}
		ss.Flows = []*escarp.OAuthFlow{f}
		if existing := l.api.SecuritySchemes[ss.Name]; existing != nil && len(existing.Flows) > 0 && existing.Flows[0].TokenURL != f.TokenURL {
			ss.Name = fmt.Sprintf("oauth2-%d", len(l.api.SecuritySchemes))
		}
	default: // awsv4, oauth1, asap, ...
		ss.Scheme = typ
	}
	if l.api.SecuritySchemes == nil {
		l.api.SecuritySchemes = make(map[string]*escarp.SecurityScheme)
	}
	if _, ok := l.api.SecuritySchemes[ss.Name]; !ok {
		l.api.SecuritySchemes[ss.Name] = ss
	}
	if scopes == nil {
		scopes = []string{}
	}
	return []escarp.SecurityRequirement{{ss.Name: scopes}}
}

// exampleString returns an example value: nil when empty or only a
// {{variable}}, masked when the name says it holds a secret.
func exampleString(name, s string) any {
	if s == "" || varRe.MatchString(s) {
		return nil
	}
	if sensitive.Name(name) {
		return redact.Mask
	}
	return redact.String(s)
}

// description reads a Postman description: a string or {content: ...}.
func description(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return ""
	}
	if n.Kind == yaml.MappingNode {
		return sval(n, "content")
	}
	return str(n)
}

func mediaType(mt string) string {
	return strings.ToLower(strings.TrimSpace(strings.SplitN(mt, ";", 2)[0]))
}

// jsonValue decodes body when the media type is JSON. Postman {{vars}} in
// the body are replaced by strings so that templates still decode.
func jsonValue(mt, body string) (any, bool) {
	if !strings.Contains(mt, "json") || strings.TrimSpace(body) == "" {
		return nil, false
	}
	var v any
	if err := json.Unmarshal([]byte(body), &v); err == nil {
		return v, true
	}
	quoted := anyVar.ReplaceAllStringFunc(body, func(m string) string { return `"` + m + `"` })
	quoted = strings.ReplaceAll(quoted, `""{{`, `"{{`)
	quoted = strings.ReplaceAll(quoted, `}}""`, `}}"`)
	if err := json.Unmarshal([]byte(quoted), &v); err == nil {
		return v, true
	}
	return nil, false
}
