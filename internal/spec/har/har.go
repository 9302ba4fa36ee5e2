// Package har reads HAR 1.2 recordings (HTTP Archive, as browsers and
// proxies export them).
//
// [Read] streams the entries of a recording as redacted [escarp.Exchange]s,
// for every consumer of recorded traffic (inventory, monitoring). [Load]
// turns a recording into an [escarp.API]: one operation per method and path
// template, where path segments that look like identifiers (numbers, UUIDs,
// long hexadecimal strings) become parameters ({id}, {id2}, ...), and the
// recorded exchanges are kept, redacted, as the operation's Examples.
// Secrets (Authorization, cookies, API keys, tokens, passwords in headers,
// URLs and bodies) are redacted with internal/redact before anything leaves
// this package.
package har

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/sensitive"
)

// MaxBody is the longest request or response body kept in an exchange;
// longer ones are cut.
const MaxBody = 64 << 10

// entry is the part of a HAR entry escarp uses.
type entry struct {
	StartedDateTime string  `json:"startedDateTime"`
	Time            float64 `json:"time"`
	ServerIPAddress string  `json:"serverIPAddress"`
	Request         struct {
		Method      string      `json:"method"`
		URL         string      `json:"url"`
		HTTPVersion string      `json:"httpVersion"`
		Headers     []nameValue `json:"headers"`
		QueryString []nameValue `json:"queryString"`
		PostData    *struct {
			MimeType string      `json:"mimeType"`
			Text     string      `json:"text"`
			Params   []nameValue `json:"params"`
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status  int         `json:"status"`
		Headers []nameValue `json:"headers"`
		Content struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// recording is a decoded HAR log.
type recording struct {
	version, creator string
	entries          []entry
	offsets          []int64 // byte offset of each entry
}

// decode streams a HAR document. Each entry is handed to fn with its byte
// offset as soon as it is decoded.
func decode(r io.Reader, fn func(off int64, e *entry) error) (version, creator string, err error) {
	dec := json.NewDecoder(r)
	offErr := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &offsetError{off: se.Offset, err: err}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &offsetError{off: te.Offset, err: err}
		}
		return &offsetError{off: dec.InputOffset(), err: err}
	}
	if err := expect(dec, '{'); err != nil {
		return "", "", offErr(err)
	}
	sawLog := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return "", "", offErr(err)
		}
		if key != "log" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", "", offErr(err)
			}
			continue
		}
		sawLog = true
		if err := expect(dec, '{'); err != nil {
			return "", "", offErr(err)
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return "", "", offErr(err)
			}
			switch k {
			case "version":
				if err := dec.Decode(&version); err != nil {
					return "", "", offErr(err)
				}
			case "creator":
				var c struct {
					Name    string `json:"name"`
					Version string `json:"version"`
				}
				if err := dec.Decode(&c); err != nil {
					return "", "", offErr(err)
				}
				creator = strings.TrimSpace(c.Name + " " + c.Version)
			case "entries":
				if err := expect(dec, '['); err != nil {
					return "", "", offErr(err)
				}
				for i := 0; dec.More(); i++ {
					off := dec.InputOffset()
					var e entry
					if err := dec.Decode(&e); err != nil {
						var te *json.UnmarshalTypeError
						if errors.As(err, &te) {
							// Say which entry and field in words, at the field.
							return "", "", &offsetError{off: off + max(te.Offset-1, 0), err: fieldTypeError(i, te)}
						}
						return "", "", &offsetError{off: off, err: fmt.Errorf("entry %d: %w", i+1, err)}
					}
					if err := fn(off, &e); err != nil {
						return "", "", err
					}
				}
				if _, err := dec.Token(); err != nil {
					return "", "", offErr(err)
				}
			default:
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return "", "", offErr(err)
				}
			}
		}
		if _, err := dec.Token(); err != nil {
			return "", "", offErr(err)
		}
	}
	if !sawLog {
		return "", "", &offsetError{off: 0, err: errors.New("not a HAR file: no log")}
	}
	return version, creator, nil
}

func expect(dec *json.Decoder, d json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t != d {
		return fmt.Errorf("expected %q, found %v", string(d), t)
	}
	return nil
}

// fieldTypeError describes a field of entry i (0-based) whose JSON value
// has the wrong type: "entry 2 (log.entries[1]): response.status is a
// string, want a number".
func fieldTypeError(i int, te *json.UnmarshalTypeError) error {
	field := te.Field
	if field == "" {
		field = "the entry"
	}
	return fmt.Errorf("entry %d (log.entries[%d]): %s is %s, want %s", i+1, i, field, jsonKind(te.Value), goKind(te.Type))
}

// jsonKind names a JSON value kind as UnmarshalTypeError.Value gives it.
func jsonKind(v string) string {
	switch {
	case v == "string":
		return "a string"
	case v == "bool":
		return "true or false"
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case strings.HasPrefix(v, "number"):
		return "a number"
	}
	return v
}

// goKind names what a Go type expects of JSON.
func goKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// offsetError is a decoding error at a byte offset.
type offsetError struct {
	off int64
	err error
}

func (e *offsetError) Error() string { return fmt.Sprintf("offset %d: %v", e.off, e.err) }
func (e *offsetError) Unwrap() error { return e.err }

// Read decodes a HAR 1.2 document from r into redacted exchanges, in
// recording order. Bodies longer than [MaxBody] are cut; binary
// (base64-encoded, non-text) response bodies are dropped.
func Read(r io.Reader) ([]escarp.Exchange, error) {
	var out []escarp.Exchange
	_, _, err := decode(r, func(_ int64, e *entry) error {
		out = append(out, exchange(e))
		return nil
	})
	if err != nil {
		return nil, escarp.Errorf(escarp.Invalid, "read HAR: %w", err)
	}
	return out, nil
}

// exchange converts and redacts one entry.
func exchange(e *entry) escarp.Exchange {
	x := escarp.Exchange{
		Method:         strings.ToUpper(e.Request.Method),
		URL:            redact.RawURL(e.Request.URL),
		RequestHeader:  headers(e.Request.Headers),
		Status:         e.Response.Status,
		ResponseHeader: headers(e.Response.Headers),
		ClientIP:       "",
		Time:           e.StartedDateTime,
		Duration:       e.Time,
	}
	if pd := e.Request.PostData; pd != nil {
		body := pd.Text
		if body == "" && len(pd.Params) > 0 {
			v := url.Values{}
			for _, p := range pd.Params {
				v.Add(p.Name, p.Value)
			}
			body = v.Encode()
		}
		x.RequestBody = redact.Body(cut(body))
	}
	c := e.Response.Content
	text := c.Text
	if strings.EqualFold(c.Encoding, "base64") {
		if b, err := base64.StdEncoding.DecodeString(text); err == nil && utf8.Valid(b) && textual(c.MimeType) {
			text = string(b)
		} else {
			text = ""
		}
	}
	x.ResponseBody = redact.Body(cut(text))
	return x
}

func headers(nv []nameValue) map[string][]string {
	if len(nv) == 0 {
		return nil
	}
	h := http.Header{}
	for _, p := range nv {
		if strings.HasPrefix(p.Name, ":") { // HTTP/2 pseudo-headers
			continue
		}
		h.Add(p.Name, p.Value)
	}
	return redact.Header(h)
}

func cut(s string) string {
	if len(s) <= MaxBody {
		return s
	}
	s = s[:MaxBody]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func textual(mime string) bool {
	mime = strings.ToLower(mime)
	return strings.HasPrefix(mime, "text/") || strings.Contains(mime, "json") || strings.Contains(mime, "xml") ||
		strings.Contains(mime, "javascript") || strings.Contains(mime, "x-www-form-urlencoded")
}

// Load converts the HAR recording data, the file called name, into an API:
// one operation per method and path template, with the exchanges as
// Examples. A recording that cannot be decoded is an Invalid error with the
// line of the problem.
func Load(ctx context.Context, name string, data []byte) (*escarp.API, []escarp.Warning, error) {
	if !json.Valid(data) {
		var v json.RawMessage
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset-1)
			return nil, nil, escarp.InvalidAt(escarp.Position{File: name, Line: line, Column: col}, "cannot read HAR: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return nil, nil, escarp.InvalidAt(escarp.Position{File: name, Line: 1}, "cannot read HAR: invalid JSON")
	}
	var rec recording
	version, creator, err := decode(bytes.NewReader(data), func(off int64, e *entry) error {
		rec.entries = append(rec.entries, *e)
		rec.offsets = append(rec.offsets, off)
		return ctx.Err()
	})
	if err != nil {
		var oe *offsetError
		if errors.As(err, &oe) {
			line, col := lineCol(data, oe.off)
			return nil, nil, escarp.InvalidAt(escarp.Position{File: name, Line: line, Column: col}, "cannot read HAR: %w", oe.err)
		}
		return nil, nil, err
	}
	rec.version, rec.creator = version, creator
	return build(name, data, &rec)
}

// build groups the entries into operations.
func build(name string, data []byte, rec *recording) (*escarp.API, []escarp.Warning, error) {
	api := &escarp.API{
		Title:       "HAR recording",
		Format:      escarp.FormatHAR,
		SpecVersion: rec.version,
		Location:    name,
		Operations:  []*escarp.Operation{},
		Pos:         escarp.Position{File: name, Line: 1, Column: 1},
	}
	if rec.creator != "" {
		api.Description = "Recorded with " + rec.creator
	}
	var warnings []escarp.Warning
	ops := make(map[string]*escarp.Operation)
	origins := make(map[string]bool)
	authed := make(map[*escarp.Operation][]string)
	anonymous := make(map[*escarp.Operation]bool)
	for i := range rec.entries {
		e := &rec.entries[i]
		line, col := lineCol(data, rec.offsets[i])
		pos := escarp.Position{File: name, Line: line, Column: col}
		u, err := url.Parse(e.Request.URL)
		if err != nil || u.Host == "" || e.Request.Method == "" {
			warnings = append(warnings, escarp.Warning{Pos: pos, Message: fmt.Sprintf("entry %d: no usable method and absolute URL: skipped", i)})
			continue
		}
		origin := strings.ToLower(u.Scheme + "://" + u.Host)
		if !origins[origin] {
			origins[origin] = true
			api.Servers = append(api.Servers, &escarp.Server{URL: origin, Pos: pos, Pointer: fmt.Sprintf("/log/entries/%d/request/url", i)})
		}
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		pt := escarp.InferPathTemplate(path)
		tmpl, params := pt.String(), pt.Params()
		method := strings.ToUpper(e.Request.Method)
		key := method + " " + tmpl
		op := ops[key]
		if op == nil {
			op = &escarp.Operation{Method: method, Path: tmpl, Pos: pos, Pointer: fmt.Sprintf("/log/entries/%d", i)}
			for _, p := range params {
				op.Parameters = append(op.Parameters, &escarp.Parameter{Name: p, In: "path", Required: true,
					Schema: &escarp.Schema{Type: []string{"string"}, Pos: pos}, Pos: pos, Pointer: fmt.Sprintf("/log/entries/%d/request/url", i)})
			}
			ops[key] = op
			api.Operations = append(api.Operations, op)
		}
		x := exchange(e)
		op.Examples = append(op.Examples, &x)
		if name, scheme := credentials(e, pos, i); name != "" {
			if api.SecuritySchemes == nil {
				api.SecuritySchemes = make(map[string]*escarp.SecurityScheme)
			}
			if api.SecuritySchemes[name] == nil {
				api.SecuritySchemes[name] = scheme
			}
			authed[op] = appendOnce(authed[op], name)
		} else {
			anonymous[op] = true
		}
		for name := range u.Query() {
			if op.Param("query", name) == nil {
				op.Parameters = append(op.Parameters, &escarp.Parameter{Name: name, In: "query",
					Schema: &escarp.Schema{Type: []string{"string"}, Pos: pos}, Pos: pos, Pointer: fmt.Sprintf("/log/entries/%d/request/queryString", i)})
			}
		}
		if pd := e.Request.PostData; pd != nil && (pd.Text != "" || len(pd.Params) > 0) {
			if op.RequestBody == nil {
				op.RequestBody = &escarp.RequestBody{Pos: pos, Pointer: fmt.Sprintf("/log/entries/%d/request/postData", i)}
			}
			mt := mediaType(pd.MimeType)
			if op.RequestBody.Media(mt) == nil {
				m := &escarp.MediaType{MediaType: mt, Pos: pos, Pointer: fmt.Sprintf("/log/entries/%d/request/postData", i)}
				if v, ok := jsonValue(mt, x.RequestBody); ok {
					m.Example = v
					m.Schema = escarp.InferSchema(v, pos, "")
				}
				op.RequestBody.Content = append(op.RequestBody.Content, m)
			}
		}
		status := strconv.Itoa(e.Response.Status)
		if e.Response.Status > 0 {
			r := op.Response(status)
			if r == nil {
				r = &escarp.Response{Status: status, Pos: pos, Pointer: fmt.Sprintf("/log/entries/%d/response", i)}
				op.Responses = append(op.Responses, r)
			}
			if mt := mediaType(e.Response.Content.MimeType); mt != "" && r.Media(mt) == nil {
				m := &escarp.MediaType{MediaType: mt, Pos: pos, Pointer: fmt.Sprintf("/log/entries/%d/response/content", i)}
				if v, ok := jsonValue(mt, x.ResponseBody); ok {
					m.Example = v
					m.Schema = escarp.InferSchema(v, pos, "")
				}
				r.Content = append(r.Content, m)
			}
		}
	}
	// The credentials seen become the operations' security: required when
	// every exchange carried them, optional when some did not.
	for _, op := range api.Operations {
		names := authed[op]
		if len(names) == 0 {
			continue
		}
		for _, n := range names {
			op.Security = append(op.Security, escarp.SecurityRequirement{n: {}})
		}
		if anonymous[op] {
			op.Security = append(op.Security, escarp.SecurityRequirement{})
		}
	}
	for _, op := range api.Operations {
		sort.SliceStable(op.Responses, func(i, j int) bool { return op.Responses[i].Status < op.Responses[j].Status })
	}
	return api, warnings, nil
}

// credentials names the credentials an entry's request carried, as a
// security scheme: the Authorization scheme ("bearer", "basic"), an API key
// header, or a session cookie. It returns "" when there were none.
func credentials(e *entry, pos escarp.Position, i int) (string, *escarp.SecurityScheme) {
	ptr := fmt.Sprintf("/log/entries/%d/request/headers", i)
	for _, h := range e.Request.Headers {
		name := strings.ToLower(h.Name)
		switch {
		case name == "authorization":
			scheme, _, _ := strings.Cut(strings.TrimSpace(h.Value), " ")
			scheme = strings.ToLower(scheme)
			if scheme == "" {
				continue
			}
			return scheme, &escarp.SecurityScheme{Name: scheme, Type: escarp.SchemeHTTP, Scheme: scheme, Pos: pos, Pointer: ptr}
		case name == "cookie" || strings.HasPrefix(name, ":"):
		case sensitive.Name(name):
			return "header:" + name, &escarp.SecurityScheme{Name: "header:" + name, Type: escarp.SchemeAPIKey, In: "header", ParamName: h.Name, Pos: pos, Pointer: ptr}
		}
	}
	for _, h := range e.Request.Headers {
		if strings.EqualFold(h.Name, "cookie") {
			for _, c := range strings.Split(h.Value, ";") {
				name, _, _ := strings.Cut(strings.TrimSpace(c), "=")
				if sensitive.Name(name) || strings.Contains(strings.ToLower(name), "sid") {
					return "cookie:" + name, &escarp.SecurityScheme{Name: "cookie:" + name, Type: escarp.SchemeAPIKey, In: "cookie", ParamName: name, Pos: pos, Pointer: ptr}
				}
			}
		}
	}
	return "", nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func mediaType(mt string) string {
	mt = strings.TrimSpace(strings.SplitN(mt, ";", 2)[0])
	return strings.ToLower(mt)
}

// jsonValue decodes body when the media type is JSON.
func jsonValue(mt, body string) (any, bool) {
	if !strings.Contains(mt, "json") || body == "" {
		return nil, false
	}
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return nil, false
	}
	return v, true
}

// lineCol converts a byte offset into a 1-based line and column, skipping
// the white space the decoder's offset may point before.
func lineCol(data []byte, off int64) (line, col int) {
	off = max(0, min(off, int64(len(data))))
	for off < int64(len(data)) && (data[off] == ' ' || data[off] == '\n' || data[off] == '\r' || data[off] == '\t' || data[off] == ',') {
		off++
	}
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}
