package openapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel"

	"github.com/escarp/escarp"
)

// SchemaError is one violation of the official OpenAPI (or Swagger 2.0) JSON
// Schema by the document.
type SchemaError struct {
	// Pointer is the JSON pointer of the offending node in the root document
	// ("" for the document itself).
	Pointer string `json:"pointer"`
	// Pos is the position of the offending node (its key for a map entry).
	Pos escarp.Position `json:"pos"`
	// Message says what is wrong ("missing property 'info'").
	Message string `json:"message"`
	// Keyword is the JSON Schema keyword that failed ("required", "type",
	// "additionalProperties"), or "" when unknown.
	Keyword string `json:"keyword,omitempty"`
}

// String formats the error as "file:line:col: pointer: message".
func (e SchemaError) String() string {
	return fmt.Sprintf("%s: %s: %s", e.Pos, e.Pointer, e.Message)
}

// SchemaErrors validates the root document of d against the JSON Schema of
// its OpenAPI version (2.0, 3.0, 3.1 or 3.2), using libopenapi-validator,
// and returns the violations sorted by position, one per pointer and
// message. A valid document returns none. The error is non-nil only when the
// validation itself could not run (ctx done, the schema not available).
//
// Referenced files are not validated: only the root document is.
func SchemaErrors(ctx context.Context, d *Document) ([]SchemaError, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var doc libopenapi.Document
	if d.info != nil && d.info.RootNode != nil {
		// The tree Parse already holds: parsing the bytes again would
		// double the peak memory of an audit. Its JSON view is built here,
		// on first use, and dropped once validated.
		doc = infoDocument{info: d.info}
		//lint:ignore SA1019 dropping the cached JSON view is the point: the fields have no setter
		defer func() { d.info.SpecJSON, d.info.SpecJSONBytes = nil, nil }()
	} else {
		cfg := datamodel.NewDocumentConfiguration()
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		cfg.BypassDocumentCheck = true
		var err error
		if doc, err = libopenapi.NewDocumentWithConfiguration(d.Bytes, cfg); err != nil {
			return nil, fmt.Errorf("schema check of %s: %w", d.Location, err)
		}
	}
	if doc.GetSpecInfo() == nil || doc.GetSpecInfo().APISchema == "" {
		return nil, fmt.Errorf("schema check of %s: no OpenAPI schema for version %q", d.Location, d.Version)
	}
	_, verrs := schema_validation.ValidateOpenAPIDocumentWithPrecompiled(doc, compiled.get(doc.GetSpecInfo().APISchema))
	seen := make(map[string]bool)
	var out []SchemaError
	add := func(e SchemaError) {
		k := e.Pointer + "\x00" + e.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	for _, ve := range verrs {
		if len(ve.SchemaValidationErrors) == 0 {
			pos := escarp.Position{File: d.Location, Line: max(ve.SpecLine, 1), Column: ve.SpecCol}
			add(SchemaError{Pos: pos, Message: strings.TrimSpace(ve.Message + ": " + ve.Reason)})
			continue
		}
		for _, f := range ve.SchemaValidationErrors {
			ptr := ""
			for _, seg := range f.InstancePath {
				ptr += "/" + seg // already escaped
			}
			_, pos, ok := d.Lookup(ptr)
			if !ok || pos.Line == 0 {
				pos = escarp.Position{File: d.Location, Line: max(f.Line, 1), Column: f.Column}
			}
			kw := f.KeywordLocation
			if i := strings.LastIndexByte(kw, '/'); i >= 0 {
				kw = kw[i+1:]
			}
			add(SchemaError{Pointer: ptr, Pos: pos, Message: f.Reason, Keyword: kw})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pos.Line != out[j].Pos.Line {
			return out[i].Pos.Line < out[j].Pos.Line
		}
		return out[i].Pos.Column < out[j].Pos.Column
	})
	return out, nil
}

// infoDocument hands libopenapi-validator the spec info of a parsed
// document: GetSpecInfo is the only method document validation calls.
type infoDocument struct {
	libopenapi.Document
	info *datamodel.SpecInfo
}

// GetSpecInfo implements libopenapi.Document.
func (d infoDocument) GetSpecInfo() *datamodel.SpecInfo { return d.info }

// compiled caches the compiled OpenAPI meta-schemas by their source: the
// validator would otherwise compile one for every document.
var compiled = newSchemaCache(helpers.NewCompiledSchema)

// schemaCache memoizes a schema compiler by source text.
type schemaCache[S any] struct {
	compile func(name string, src []byte, o *config.ValidationOptions) (S, error)
	mu      sync.Mutex
	m       map[string]S
}

func newSchemaCache[S any](compile func(string, []byte, *config.ValidationOptions) (S, error)) *schemaCache[S] {
	return &schemaCache[S]{compile: compile, m: map[string]S{}}
}

// get returns the compiled schema for src, or the zero S (the validator
// then compiles it and reports the failure) when it does not compile.
func (c *schemaCache[S]) get(src string) S {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[src]; ok {
		return s
	}
	s, err := c.compile("schema", []byte(src), config.NewValidationOptions())
	if err != nil {
		var zero S
		return zero
	}
	c.m[src] = s
	return s
}
