package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/value"
)

// maxCreateDepth bounds how many parents Prepare creates for one request.
const maxCreateDepth = 3

// learning is what the engine learnt about an operation's request body
// from its validation errors.
type learning struct {
	optional bool
	fields   map[string]any
	tried    map[string]int
}

// Prepare returns a valid request for op as identity; see [check.Session].
func (s *Session) Prepare(ctx context.Context, op *escarp.Operation, identity string) (*check.Request, error) {
	if op == nil {
		return nil, fmt.Errorf("no operation: %w", check.ErrNotPrepared)
	}
	if identity != "" && s.auths[identity] == nil {
		return nil, fmt.Errorf("identity %q: %w: %w", identity, errUnknownIdentity, check.ErrNotPrepared)
	}
	return s.prepare(ctx, op, identity, 0)
}

// owner is the identity whose resources a request uses: the identity
// itself, or the first working identity for anonymous requests (so that
// an anonymous probe targets a real object).
func (s *Session) owner(identity string) string {
	if identity != "" {
		return identity
	}
	for _, id := range s.cfg.Identities {
		if s.auths[id.Name] != nil {
			return id.Name
		}
	}
	return ""
}

func (s *Session) prepare(ctx context.Context, op *escarp.Operation, identity string, depth int) (*check.Request, error) {
	req := &check.Request{Method: op.Method, Query: url.Values{}, Header: http.Header{},
		Identity: identity, Op: op, Values: map[string]string{}}
	owner := s.owner(identity)
	tmpl := escarp.ParsePathTemplate(op.Path)
	for _, name := range tmpl.Params() {
		v, err := s.pathValue(ctx, op, name, owner, depth)
		if err != nil {
			return nil, err
		}
		req.Values[name] = v
	}
	req.Path, _ = tmpl.Fill(req.Values)
	opts := s.valueOptions(owner, op)
	for _, p := range op.Parameters {
		if !p.Required || p.In == "path" {
			continue
		}
		v := value.Valid(p.Schema, p.Name, opts)
		if p.Example != nil {
			v = p.Example
		}
		switch p.In {
		case "query":
			if arr, ok := v.([]any); ok {
				for _, x := range arr {
					req.Query.Add(p.Name, scalar(x))
				}
			} else {
				req.Query.Set(p.Name, scalar(v))
			}
		case "header":
			switch http.CanonicalHeaderKey(p.Name) {
			case "Authorization", "Cookie", "Content-Type", "Accept", "Content-Length", "Host":
			default:
				req.Header.Set(p.Name, scalar(v))
			}
		case "cookie":
			c := p.Name + "=" + scalar(v)
			if old := req.Header.Get("Cookie"); old != "" {
				c = old + "; " + c
			}
			req.Header.Set("Cookie", c)
		}
	}
	if op.RequestBody != nil && len(op.RequestBody.Content) > 0 {
		if err := s.body(req, op, opts); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// valueOptions returns generation options that fill id-like fields with
// real ids owner holds and the learnt values of op.
func (s *Session) valueOptions(owner string, op *escarp.Operation) value.Options {
	o := value.Options{URL: "http://127.0.0.1/"}
	if s.cb != nil {
		o.URL = s.cb.URL("escarp-data")
	}
	s.learnMu.Lock()
	if l := s.learned[op]; l != nil {
		o.Optional = l.optional
	}
	s.learnMu.Unlock()
	o.Fill = func(name string, sch *escarp.Schema) (any, bool) {
		if !idLike(name) {
			return nil, false
		}
		noun := nameNoun(name)
		if noun == "" {
			return nil, false
		}
		id := s.pool.ownedID(owner, noun)
		if id == "" {
			id = s.pool.listedID(owner, noun)
		}
		if id == "" && userNouns[noun] {
			id = s.selfID(owner, name)
		}
		if id == "" {
			return nil, false
		}
		return typed(id, sch), true
	}
	return o
}

// typed converts an id to the JSON type the schema wants.
func typed(id string, sch *escarp.Schema) any {
	if sch != nil && (sch.HasType("integer") || sch.HasType("number")) {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			return n
		}
	}
	return id
}

// selfID returns the identity's own user id learnt at login.
func (s *Session) selfID(identity, name string) string {
	a := s.auths[identity]
	if a == nil {
		return ""
	}
	if handleLike(name) {
		v, _ := a.fact(name, "username", "handle", "login", "user_name", "userName", "nickname", "name", "email")
		return v
	}
	v, _ := a.fact(name, "userId", "user_id", "uid", "id", "sub", "username", "login", "email")
	return v
}

// handleLike reports whether a parameter takes a name the user chose (a
// username, a handle, a login) rather than a generated id.
func handleLike(name string) bool {
	switch n := norm(name); n {
	case "handle", "username", "user", "login", "nick", "nickname", "screenname", "account", "member", "name", "owner":
		return true
	default:
		return strings.HasSuffix(n, "username") || strings.HasSuffix(n, "handle") || strings.HasSuffix(n, "login")
	}
}

// pathValue returns a value for path parameter name of op: an id owner
// owns (created when needed), an id seen in a list, the owner's own id,
// or a generated value for parameters that are not identifiers.
func (s *Session) pathValue(ctx context.Context, op *escarp.Operation, name, owner string, depth int) (string, error) {
	p := op.Param("path", name)
	var sch *escarp.Schema
	if p != nil {
		sch = p.Schema
	}
	noun := pathNoun(op.Path, name)
	if id := s.pool.ownedID(owner, noun); id != "" {
		return id, nil
	}
	if owner != "" && (userNouns[noun] || userNouns[nameNoun(name)] || userNouns[norm(name)]) {
		if id := s.selfID(owner, name); id != "" {
			return id, nil
		}
	}
	if depth < maxCreateDepth && noun != "" {
		if id := s.create(ctx, owner, noun, depth); id != "" {
			return id, nil
		}
	}
	if id := s.pool.listedID(owner, noun); id != "" {
		return id, nil
	}
	if id := s.pool.listedID("", noun); id != "" {
		return id, nil
	}
	if id := s.list(ctx, owner, noun); id != "" {
		return id, nil
	}
	if p != nil && p.Example != nil {
		return scalar(p.Example), nil
	}
	if sch != nil && (sch.Example != nil || len(sch.Enum) > 0 || len(sch.Examples) > 0 || sch.Default != nil) {
		return scalar(value.Valid(sch, name, value.Options{})), nil
	}
	if idLike(name) || s.plan.producers[noun] != nil || s.plan.lists[noun] != nil {
		return "", fmt.Errorf("%s: no %s id for %q: %w", op.Key(), noun, owner, check.ErrNotPrepared)
	}
	return scalar(value.Valid(sch, name, value.Options{})), nil
}

// create creates a resource of noun as identity with its producer and
// returns its id, or "".
func (s *Session) create(ctx context.Context, identity, noun string, depth int) string {
	prods := s.plan.producers[noun]
	if len(prods) == 0 {
		return ""
	}
	mu := s.pool.lock(identity, noun)
	mu.Lock()
	defer mu.Unlock()
	if id := s.pool.ownedID(identity, noun); id != "" {
		return id
	}
	for _, prod := range prods {
		if selfReferencing(prod, noun) {
			continue
		}
		for attempt := 0; attempt < 4; attempt++ {
			req, err := s.prepare(ctx, prod, identity, depth+1)
			if err != nil {
				break
			}
			resp, err := s.Do(ctx, req)
			if err != nil {
				return ""
			}
			if s.Usable(resp) {
				if id := s.pool.ownedID(identity, noun); id != "" {
					return id
				}
				if id := s.list(ctx, identity, noun); id != "" {
					return id
				}
				break
			}
			if resp.Status != http.StatusBadRequest && resp.Status != http.StatusUnprocessableEntity {
				break
			}
			if !s.learn(prod, req, resp) {
				break
			}
		}
	}
	return ""
}

func selfReferencing(op *escarp.Operation, noun string) bool {
	for _, name := range escarp.ParsePathTemplate(op.Path).Params() {
		if pathNoun(op.Path, name) == noun {
			return true
		}
	}
	return false
}

// list reads noun's collection as identity and returns the first id seen.
func (s *Session) list(ctx context.Context, identity, noun string) string {
	for _, op := range s.plan.lists[noun] {
		if strings.Contains(op.Path, "{") {
			continue
		}
		req := &check.Request{Method: "GET", Path: op.Path, Identity: identity, Op: op, Query: url.Values{}}
		resp, err := s.Do(ctx, req)
		if err != nil || !s.Usable(resp) {
			continue
		}
		if id := s.pool.listedID(identity, noun); id != "" {
			return id
		}
	}
	return ""
}

// observe learns from every response: ids of created and listed resources,
// deletions.
func (s *Session) observe(req *check.Request, method string, u *url.URL, resp *check.Response) {
	if !s.Usable(resp) {
		return
	}
	owner := s.owner(req.Identity)
	switch method {
	case http.MethodDelete:
		s.pool.forget(u.Path)
		return
	case http.MethodPost:
		op := req.Op
		if op == nil {
			return
		}
		noun := collectionNoun(op.Path)
		if noun == "" {
			return
		}
		id := s.createdID(op, resp, noun)
		if id == "" {
			id = s.bodyName(op, req.Body)
		}
		if id == "" {
			return
		}
		// Only requests as the identity itself make the resource its own;
		// anonymous creations are kept under "" for anonymous scans.
		s.pool.addOwned(req.Identity, noun, id)
		c := created{identity: owner, noun: noun, id: id}
		if del := s.plan.deleters[op.Path]; del != nil {
			c.deletePath = strings.TrimRight(req.Path, "/") + "/" + url.PathEscape(id)
		}
		s.pool.addCreated(c)
	case http.MethodGet:
		op := req.Op
		if op == nil || resp.Truncated {
			return
		}
		noun := collectionNoun(op.Path)
		if noun == "" {
			return
		}
		var doc any
		if json.Unmarshal(resp.Body, &doc) != nil {
			return
		}
		if ids := listIDs(doc, noun); len(ids) > 0 {
			s.pool.addListed(req.Identity, noun, ids)
		}
	}
}

// createdID extracts the id of the resource a producer created: from
// OpenAPI links, the Location header, or the response body.
func (s *Session) createdID(op *escarp.Operation, resp *check.Response, noun string) string {
	var doc any
	if !resp.Truncated {
		_ = json.Unmarshal(resp.Body, &doc)
	}
	for _, r := range op.Responses {
		if r.Status != strconv.Itoa(resp.Status) && !strings.EqualFold(r.Status, "2XX") {
			continue
		}
		for _, l := range r.Links {
			for _, expr := range l.Parameters {
				if ptr, ok := strings.CutPrefix(expr, "$response.body#"); ok {
					if v, ok := pointer(doc, ptr); ok {
						if id := idString(v); id != "" {
							return id
						}
					}
				}
				if h, ok := strings.CutPrefix(expr, "$response.header."); ok {
					if v := resp.Header.Get(h); v != "" {
						_, last := splitLast(v)
						return last
					}
				}
			}
		}
	}
	if id := objectID(doc, noun); id != "" {
		return id
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			if _, last := splitLast(u.Path); last != "" {
				return last
			}
		}
	}
	return ""
}

// body fills req's body from op's request body schema.
func (s *Session) body(req *check.Request, op *escarp.Operation, opts value.Options) error {
	rb := op.RequestBody
	media := rb.Content[0]
	for _, want := range []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"} {
		if m := rb.Media(want); m != nil {
			media = m
			break
		}
	}
	if media == nil {
		return nil
	}
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(media.MediaType, ";", 2)[0]))
	if strings.HasSuffix(mt, "+json") {
		mt = "application/json"
	}
	var v any
	switch {
	case media.Example != nil:
		v = media.Example
	case len(media.Examples) > 0:
		v = media.Examples[0]
	default:
		v = value.Valid(media.Schema, "", opts)
	}
	s.learnMu.Lock()
	if l := s.learned[op]; l != nil {
		if m, ok := v.(map[string]any); ok {
			for k, x := range l.fields {
				m[k] = x
			}
		}
	}
	s.learnMu.Unlock()
	if m, ok := v.(map[string]any); ok && op.Method == http.MethodPost {
		s.uniqueName(m, op, req.Identity)
	}
	switch mt {
	case "application/json":
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: encoding body: %v: %w", op.Key(), err, check.ErrNotPrepared)
		}
		req.Body = b
		req.Header.Set("Content-Type", "application/json")
	case "application/x-www-form-urlencoded":
		f := url.Values{}
		if m, ok := v.(map[string]any); ok {
			for _, k := range sortedKeys(m) {
				f.Set(k, scalar(m[k]))
			}
		}
		req.Body = []byte(f.Encode())
		req.Header.Set("Content-Type", mt)
	case "multipart/form-data":
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.SetBoundary("escarp-boundary-7d4a9b2e")
		m, _ := v.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		files := fileFields(media.Schema)
		for k := range files {
			if _, ok := m[k]; !ok {
				m[k] = ""
			}
		}
		for _, k := range sortedKeys(m) {
			if files[k] {
				// Swagger 2.0 type: file and OpenAPI format: binary go as
				// a file part with a filename, as a browser sends them.
				h := textproto.MIMEHeader{}
				h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="escarp.png"`, k))
				h.Set("Content-Type", "image/png")
				if pw, err := w.CreatePart(h); err == nil {
					_, _ = pw.Write(tinyPNG)
				}
				continue
			}
			_ = w.WriteField(k, scalar(m[k]))
		}
		_ = w.Close()
		req.Body = buf.Bytes()
		req.Header.Set("Content-Type", w.FormDataContentType())
	default:
		if str, ok := v.(string); ok {
			req.Body = []byte(str)
		} else {
			b, _ := json.Marshal(v)
			req.Body = b
		}
		req.Header.Set("Content-Type", media.MediaType)
	}
	return nil
}

// uniqueName gives the body member that names the created item (the
// collection's item parameter, "thing_title" for "/things/{thing_title}")
// a value unique to this identity and request, so that each identity's
// objects have their own names and a read of another identity's object
// means something.
func (s *Session) uniqueName(body map[string]any, op *escarp.Operation, identity string) {
	param := s.plan.items[op.Path]
	if param == "" {
		return
	}
	for k, v := range body {
		if norm(k) != norm(param) {
			continue
		}
		if _, isStr := v.(string); !isStr {
			return
		}
		n := s.uniq.Add(1)
		who := identity
		if who == "" {
			who = "anon"
		}
		who = strings.ToLower(nonAlnum.ReplaceAllString(who, ""))
		if len(who) > 10 {
			who = who[:10]
		}
		body[k] = fmt.Sprintf("escarp-%s-%d", who, n)
		return
	}
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// bodyName returns the value a creation's body gave the member that names
// the item, or "".
func (s *Session) bodyName(op *escarp.Operation, body []byte) string {
	param := s.plan.items[op.Path]
	if param == "" || len(body) == 0 {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	for k, v := range m {
		if norm(k) == norm(param) {
			return idString(v)
		}
	}
	return ""
}

// tinyPNG is a valid 1×1 PNG, the file escarp uploads.
var tinyPNG = func() []byte {
	var b bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	_ = png.Encode(&b, img)
	return b.Bytes()
}()

// fileFields returns the properties of a multipart schema that are files:
// Swagger 2.0 type: file, or a string with format binary.
func fileFields(sch *escarp.Schema) map[string]bool {
	out := map[string]bool{}
	if sch == nil {
		return out
	}
	for name, ps := range sch.Properties {
		if ps == nil {
			continue
		}
		if ps.HasType("file") || (ps.HasType("string") && (ps.Format == "binary")) {
			out[name] = true
		}
		if ps.Items != nil && (ps.Items.HasType("file") || ps.Items.Format == "binary") {
			out[name] = true
		}
	}
	return out
}

// scalar formats a generated value for a path, query or header.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool, int, int64:
		return fmt.Sprint(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

var wordRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_.\-]*`)

// learn adjusts op's body after a 400 or 422: a field the error names gets
// another valid value (or is added when missing); when no field is named,
// optional fields are included. It reports whether anything changed.
func (s *Session) learn(op *escarp.Operation, req *check.Request, resp *check.Response) bool {
	if op.RequestBody == nil {
		return false
	}
	var sch *escarp.Schema
	if m := op.RequestBody.Media("application/json"); m != nil {
		sch = m.Schema
	} else if len(op.RequestBody.Content) > 0 {
		sch = op.RequestBody.Content[0].Schema
	}
	if sch == nil {
		return false
	}
	words := map[string]bool{}
	for _, w := range wordRE.FindAllString(string(resp.Body), 200) {
		words[norm(w)] = true
		if i := strings.LastIndexAny(w, "."); i >= 0 {
			words[norm(w[i+1:])] = true
		}
	}
	var sent map[string]any
	_ = json.Unmarshal(req.Body, &sent)
	s.learnMu.Lock()
	defer s.learnMu.Unlock()
	l := s.learned[op]
	if l == nil {
		l = &learning{fields: map[string]any{}, tried: map[string]int{}}
		s.learned[op] = l
	}
	changed := false
	props := sch.SortedPropertyNames()
	for _, name := range props {
		if !words[norm(name)] {
			continue
		}
		ps := sch.Properties[name]
		if ps == nil || ps.ReadOnly {
			continue
		}
		cands := alternatives(ps, name)
		i := l.tried[name]
		if _, present := sent[name]; !present && i == 0 {
			l.fields[name] = value.Valid(ps, name, value.Options{})
			l.tried[name] = 1
			changed = true
			continue
		}
		if i < len(cands) {
			l.fields[name] = cands[i]
			l.tried[name] = i + 1
			changed = true
		}
	}
	if !changed && !l.optional {
		l.optional = true
		changed = true
	}
	return changed
}

// alternatives returns other values to try for a field the target
// rejected.
func alternatives(s *escarp.Schema, name string) []any {
	out := append([]any(nil), s.Enum...)
	for _, v := range value.Variants(s, name, value.Options{}) {
		if v.Valid {
			out = append(out, v.Value)
		}
	}
	switch {
	case s.HasType("integer"):
		out = append(out, int64(1), int64(10), int64(100))
	case s.HasType("number"):
		out = append(out, 1.0, 10.0)
	case s.HasType("string") || len(s.Type) == 0:
		out = append(out, "escarp-"+strings.ToLower(name), "escarp@example.com", "2024-01-02", "1", "Escarp Test")
	}
	if len(out) > 8 {
		out = out[:8]
	}
	return out
}
