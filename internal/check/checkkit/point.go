package checkkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// Where a [Point] sits in a request.
const (
	InQuery  = "query"
	InPath   = "path"
	InHeader = "header"
	InBody   = "body" // a JSON body member, Name is a JSON pointer
	InForm   = "form" // an application/x-www-form-urlencoded field
)

// maxBodyDepth bounds how deep JSON bodies are searched for points.
const maxBodyDepth = 4

// Point is one place of a prepared request where a check can put a value:
// a query, path or header parameter, a JSON body member or a form field.
type Point struct {
	In   string
	Name string // parameter name, or the JSON pointer of a body member
	// Schema is the declared schema of the value, when known.
	Schema *escarp.Schema
	// Value is the prepared (valid) value in its string form.
	Value string
	// Kind is the JSON kind of the prepared value: "string", "number",
	// "boolean" (body members; parameters are "string").
	Kind string
}

// Param returns the finding location form of the point: "query:id",
// "body:/name".
func (pt Point) Param() string { return pt.In + ":" + pt.Name }

// Leaf returns the last name of the point: the parameter name, or the last
// token of a body pointer.
func (pt Point) Leaf() string {
	if pt.In != InBody {
		return pt.Name
	}
	i := strings.LastIndexByte(pt.Name, '/')
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(pt.Name[i+1:])
}

// Points returns the points of req, a request prepared for op: its path
// and query parameters, declared string headers, and the members of a JSON
// or form body, in a stable order.
func Points(op *escarp.Operation, req *check.Request) []Point {
	var pts []Point
	if op != nil {
		for _, p := range op.Parameters {
			switch p.In {
			case InPath:
				if v, ok := req.Values[p.Name]; ok {
					pts = append(pts, Point{In: InPath, Name: p.Name, Schema: p.Schema, Value: v, Kind: "string"})
				}
			case InHeader:
				if v := req.Header.Get(p.Name); v != "" && !skipHeader(p.Name) {
					pts = append(pts, Point{In: InHeader, Name: p.Name, Schema: p.Schema, Value: v, Kind: "string"})
				}
			}
		}
	}
	names := make([]string, 0, len(req.Query))
	for k := range req.Query {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		var s *escarp.Schema
		if op != nil {
			if p := op.Param(InQuery, k); p != nil {
				s = p.Schema
			}
		}
		pts = append(pts, Point{In: InQuery, Name: k, Schema: s, Value: req.Query.Get(k), Kind: "string"})
	}
	switch mediaType(req) {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(req.Body))
		if err == nil {
			keys := slices.Sorted(maps.Keys(form))
			s := bodySchema(op, "application/x-www-form-urlencoded")
			for _, k := range keys {
				pts = append(pts, Point{In: InForm, Name: k, Schema: prop(s, k), Value: form.Get(k), Kind: "string"})
			}
		}
	case "json":
		var doc any
		if err := json.Unmarshal(req.Body, &doc); err == nil {
			walkJSON(doc, "", bodySchema(op, "application/json"), 0, &pts)
		}
	}
	return pts
}

func skipHeader(name string) bool {
	n := strings.ToLower(name)
	return n == "authorization" || n == "cookie" || n == "content-type" || n == "accept"
}

// mediaType returns "json" for JSON bodies, else the request's media type.
func mediaType(req *check.Request) string {
	if len(req.Body) == 0 {
		return ""
	}
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return "json"
	}
	if mt == "" && json.Valid(req.Body) {
		return "json"
	}
	return mt
}

func bodySchema(op *escarp.Operation, mt string) *escarp.Schema {
	if op == nil || op.RequestBody == nil {
		return nil
	}
	if m := op.RequestBody.Media(mt); m != nil {
		return m.Schema
	}
	for _, m := range op.RequestBody.Content {
		if strings.Contains(m.MediaType, "json") && mt == "application/json" {
			return m.Schema
		}
	}
	return nil
}

func prop(s *escarp.Schema, name string) *escarp.Schema {
	if s == nil {
		return nil
	}
	if p := s.Properties[name]; p != nil {
		return p
	}
	for _, sub := range s.AllOf {
		if p := prop(sub, name); p != nil {
			return p
		}
	}
	return nil
}

func walkJSON(v any, ptr string, s *escarp.Schema, depth int, pts *[]Point) {
	if depth > maxBodyDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			walkJSON(x[k], ptr+"/"+escarp.EscapePointer(k), prop(s, k), depth+1, pts)
		}
	case []any:
		if len(x) > 0 {
			var items *escarp.Schema
			if s != nil {
				items = s.Items
			}
			walkJSON(x[0], ptr+"/0", items, depth+1, pts)
		}
	case string:
		*pts = append(*pts, Point{In: InBody, Name: ptr, Schema: s, Value: x, Kind: "string"})
	case float64:
		*pts = append(*pts, Point{In: InBody, Name: ptr, Schema: s, Value: strconv.FormatFloat(x, 'f', -1, 64), Kind: "number"})
	case bool:
		*pts = append(*pts, Point{In: InBody, Name: ptr, Schema: s, Value: strconv.FormatBool(x), Kind: "boolean"})
	}
}

// With returns a copy of req with the point's value replaced by v. v is a
// string for parameters and form fields; for JSON body members it may be
// any JSON value (an operator object for NoSQL probes).
func (pt Point) With(req *check.Request, v any) *check.Request {
	r := req.Clone()
	str := func() string {
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	switch pt.In {
	case InQuery:
		r.Query.Set(pt.Name, str())
	case InHeader:
		r.Header.Set(pt.Name, str())
	case InPath:
		r.Values[pt.Name] = str()
		r.Path = fillPath(req, pt.Name, str())
	case InForm:
		form, _ := url.ParseQuery(string(req.Body))
		form.Set(pt.Name, str())
		r.Body = []byte(form.Encode())
	case InBody:
		var doc any
		if err := json.Unmarshal(req.Body, &doc); err != nil {
			return r
		}
		doc = setPointer(doc, pt.Name, v)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err == nil {
			r.Body = bytes.TrimRight(buf.Bytes(), "\n")
		}
	}
	return r
}

// fillPath rebuilds req's concrete path with the path parameter name set
// to v (escaped), from the operation's template and the other values.
func fillPath(req *check.Request, name, v string) string {
	if req.Op == nil {
		return req.Path
	}
	tmpl := escarp.ParsePathTemplate(req.Op.Path)
	if old, ok := req.Values[name]; ok && old != "" {
		// Replace the segment holding the old value: keeps a base path the
		// template does not have.
		segs := strings.Split(strings.TrimSuffix(req.Path, "/"), "/")
		tsegs := tmpl.Segments()
		if off := len(segs) - len(tsegs); off >= 0 {
			for i, t := range tsegs {
				if t.Param == name && (segs[off+i] == old || segs[off+i] == url.PathEscape(old)) {
					segs[off+i] = url.PathEscape(v)
					return strings.Join(segs, "/") + req.Path[len(strings.TrimSuffix(req.Path, "/")):]
				}
			}
		}
	}
	vals := make(map[string]string, len(req.Values)+1)
	for k, x := range req.Values {
		vals[k] = x
	}
	vals[name] = v
	if p, ok := tmpl.Fill(vals); ok {
		return p
	}
	return req.Path
}

func setPointer(doc any, ptr string, v any) any {
	if ptr == "" {
		return v
	}
	toks := strings.Split(ptr[1:], "/")
	for i, t := range toks {
		toks[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(t)
	}
	var set func(cur any, toks []string) any
	set = func(cur any, toks []string) any {
		if len(toks) == 0 {
			return v
		}
		switch x := cur.(type) {
		case map[string]any:
			x[toks[0]] = set(x[toks[0]], toks[1:])
			return x
		case []any:
			i, err := strconv.Atoi(toks[0])
			if err != nil || i < 0 || i >= len(x) {
				return x
			}
			x[i] = set(x[i], toks[1:])
			return x
		}
		return cur
	}
	return set(doc, toks)
}

// Describe returns a short human form of the point: "query parameter q",
// "body member /name".
func (pt Point) Describe() string {
	switch pt.In {
	case InBody:
		return fmt.Sprintf("body member %s", pt.Name)
	case InForm:
		return fmt.Sprintf("form field %s", pt.Name)
	}
	return fmt.Sprintf("%s parameter %s", pt.In, pt.Name)
}

// maxURLPoints bounds the URL-shaped points [URLPoints] returns.
const maxURLPoints = 8

var urlNames = regexp.MustCompile(`(?i)(url|uri|callback|webhook|hook|image|avatar|icon|logo|link|redirect|feed|endpoint|target|host|href|src|source|fetch|proxy|dest|remote|site|domain|server)`)

// URLPoints returns the points of req whose schema, name or value says
// they hold a URL.
func URLPoints(op *escarp.Operation, req *check.Request) []Point {
	var out []Point
	for _, pt := range Points(op, req) {
		if pt.Kind != "string" {
			continue
		}
		f := ""
		if pt.Schema != nil {
			f = strings.ToLower(pt.Schema.Format)
		}
		v := strings.ToLower(pt.Value)
		if f == "uri" || f == "url" || f == "uri-reference" || f == "iri" ||
			strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") || urlNames.MatchString(pt.Leaf()) {
			out = append(out, pt)
		}
		if len(out) >= maxURLPoints {
			break
		}
	}
	return out
}
