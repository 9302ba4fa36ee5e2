// Package spec loads API descriptions of any supported format into the
// normalized [escarp.API] model: OpenAPI 3.0, 3.1 and 3.2 and Swagger 2.0
// (JSON or YAML), Postman Collection v2.1 and HAR 1.2 recordings.
//
// [Load] reads a file path or an http(s) URL (with a timeout and a size
// cap), [Detect] recognises the format from the content, and [LoadBytes]
// dispatches to the loader of that format: [openapi], [postman] or [har].
// Errors are [escarp.Error]s: Invalid (exit 2) with the file and line for
// unreadable or unparseable input.
package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/netedge"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/spec/har"
	"github.com/escarp/escarp/internal/spec/openapi"
	"github.com/escarp/escarp/internal/spec/postman"
)

// Defaults for [Options].
const (
	DefaultTimeout  = 30 * time.Second
	DefaultMaxBytes = 64 << 20
)

// Options configure a load. The zero value is ready to use.
type Options struct {
	// Client fetches http(s) locations; nil sends through a network edge
	// ([netedge.Edge]) open to any origin, with Timeout and MaxBytes, that
	// does not follow redirects.
	Client *http.Client
	// Timeout bounds each fetch of a URL (default [DefaultTimeout]).
	Timeout time.Duration
	// MaxBytes caps the size of each document read (default [DefaultMaxBytes]).
	MaxBytes int64
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

// Load reads the API description at location, a file path or an http(s)
// URL, and converts it into the normalized model. Relative $refs resolve
// against location.
func Load(ctx context.Context, location string, opts Options) (*escarp.API, []escarp.Warning, error) {
	data, err := opts.read(ctx, location)
	if err != nil {
		return nil, nil, err
	}
	return LoadBytes(ctx, location, data, opts)
}

// LoadBytes converts data, the content of the document called name (a path
// or URL, used in positions and to resolve relative $refs), into the
// normalized model.
func LoadBytes(ctx context.Context, name string, data []byte, opts Options) (*escarp.API, []escarp.Warning, error) {
	switch f := Detect(data); f {
	case escarp.FormatOpenAPI, escarp.FormatSwagger:
		return openapi.Load(ctx, name, data, openapi.Options{Fetch: opts.read})
	case escarp.FormatPostman:
		return postman.Load(ctx, name, data)
	case escarp.FormatHAR:
		return har.Load(ctx, name, data)
	default:
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, nil, escarp.InvalidAt(escarp.Position{File: name}, "empty document")
		}
		return nil, nil, escarp.InvalidAt(escarp.Position{File: name, Line: 1}, "unrecognised API description: not OpenAPI, Swagger, Postman Collection v2.1 or HAR")
	}
}

// ParseOpenAPI is [LoadBytes] for OpenAPI and Swagger documents that also
// keeps what the audit needs (root node, bytes, schema validation): see
// [openapi.Document].
func ParseOpenAPI(ctx context.Context, name string, data []byte, opts Options) (*openapi.Document, error) {
	return openapi.Parse(ctx, name, data, openapi.Options{Fetch: opts.read})
}

// Read returns the bytes at location (a file path or an http(s) URL) with
// the timeout and size cap of opts. Errors are Invalid: the input cannot be
// read.
func (o Options) Read(ctx context.Context, location string) ([]byte, error) {
	return o.read(ctx, location)
}

func (o Options) read(ctx context.Context, location string) ([]byte, error) {
	if isURL(location) {
		return o.fetch(ctx, location)
	}
	f, err := os.Open(location)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &escarp.Error{Op: "spec.Load", Kind: escarp.Invalid, Pos: escarp.Position{File: location}, Message: "no such file", Err: err}
		}
		return nil, &escarp.Error{Op: "spec.Load", Kind: escarp.Invalid, Pos: escarp.Position{File: location}, Message: "cannot read file", Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, o.maxBytes()+1))
	if err != nil {
		return nil, &escarp.Error{Op: "spec.Load", Kind: escarp.Invalid, Pos: escarp.Position{File: location}, Message: "cannot read file", Err: err}
	}
	if int64(len(data)) > o.maxBytes() {
		return nil, &escarp.Error{Op: "spec.Load", Kind: escarp.Invalid, Pos: escarp.Position{File: location}, Message: fmt.Sprintf("larger than %d bytes", o.maxBytes())}
	}
	return data, nil
}

func (o Options) fetch(ctx context.Context, location string) ([]byte, error) {
	if o.Client != nil {
		// The edge bounds its own requests (and says so when they time out).
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout())
		defer cancel()
	}
	fail := func(msg string, err error) error {
		return &escarp.Error{Op: "spec.Load", Kind: escarp.Invalid, Pos: escarp.Position{File: location}, Message: msg, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, location, nil)
	if err != nil {
		return nil, fail("bad URL", err)
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, text/yaml;q=0.8, */*;q=0.5")
	c := o.Client
	if c == nil {
		edge := netedge.New(netedge.Config{AnyOrigin: true, EnvProxy: true, Timeout: o.timeout(),
			MaxBody: o.maxBytes(), Retries: 1, UserAgent: "escarp", TimeoutHint: "the fetch timeout"})
		defer edge.Close()
		c = edge.Client()
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fail("cannot fetch", err)
	}
	defer resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
		return nil, fail(fmt.Sprintf("cannot fetch: HTTP %s to %s (redirects are not followed: load that URL)", resp.Status, redact.RawURL(loc)), nil)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fail(fmt.Sprintf("cannot fetch: HTTP %s", resp.Status), nil)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, o.maxBytes()+1))
	if err != nil {
		return nil, fail("cannot fetch", err)
	}
	if int64(len(data)) > o.maxBytes() || netedge.Truncated(resp.Body) {
		return nil, fail(fmt.Sprintf("larger than %d bytes", o.maxBytes()), nil)
	}
	return data, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// Detect returns the format of an API description from its content: one of
// [escarp.FormatOpenAPI], [escarp.FormatSwagger], [escarp.FormatPostman],
// [escarp.FormatHAR], or "" when it is none of them.
func Detect(data []byte) (format string) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\xef\xbb\xbf"))
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return detectJSON(trimmed)
	}
	return detectYAML(data)
}

// detectJSON reads the top-level keys of a JSON object.
func detectJSON(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	var info, item bool
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		key, _ := t.(string)
		switch key {
		case "openapi":
			return escarp.FormatOpenAPI
		case "swagger":
			return escarp.FormatSwagger
		case "log":
			var log struct {
				Entries json.RawMessage `json:"entries"`
				Version string          `json:"version"`
			}
			if err := dec.Decode(&log); err == nil && (log.Entries != nil || log.Version != "") {
				return escarp.FormatHAR
			}
			continue
		case "info":
			var i struct {
				Schema     string `json:"schema"`
				PostmanID  string `json:"_postman_id"`
				PostmanID2 string `json:"postman_id"`
			}
			if err := dec.Decode(&i); err == nil && (strings.Contains(i.Schema, "postman") || i.PostmanID != "" || i.PostmanID2 != "") {
				info = true
			}
			continue
		case "item":
			item = true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			break
		}
	}
	if info || item && bytes.Contains(data, []byte("postman")) {
		return escarp.FormatPostman
	}
	return ""
}

// detectYAML looks for a top-level openapi or swagger key: first at column
// 0 of a line (cheap, and the common layout), then by parsing the document,
// which finds top-level keys wherever the mapping is indented.
func detectYAML(data []byte) string {
	if f := detectYAMLLines(data); f != "" {
		return f
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return ""
	}
	root := &doc
	for root != nil && (root.Kind == yaml.DocumentNode && len(root.Content) > 0 || root.Kind == yaml.AliasNode) {
		if root.Kind == yaml.AliasNode {
			root = root.Alias
		} else {
			root = root.Content[0]
		}
	}
	if root == nil || root.Kind != yaml.MappingNode {
		return ""
	}
	var info, item bool
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "openapi":
			return escarp.FormatOpenAPI
		case "swagger":
			return escarp.FormatSwagger
		case "info":
			info = true
		case "item":
			item = true
		}
	}
	if info && item {
		return escarp.FormatPostman
	}
	return ""
}

// detectYAMLLines looks for openapi: or swagger: at the start of a line.
func detectYAMLLines(data []byte) string {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		for _, k := range []struct{ key, format string }{
			{"openapi", escarp.FormatOpenAPI}, {"swagger", escarp.FormatSwagger},
		} {
			for _, p := range []string{k.key + ":", `"` + k.key + `":`, `'` + k.key + `':`} {
				if bytes.HasPrefix(line, []byte(p)) {
					return k.format
				}
			}
		}
	}
	return ""
}
