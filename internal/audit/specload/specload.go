// Package specload reads an API description into an [audit.Input]: the
// model, the raw OpenAPI document for rules that look beyond it, and the
// loader's schema and $ref problems. It is kept out of the audit contract
// so that the rule packages, which see only [audit.Pass], never link the
// OpenAPI parser.
package specload

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/pb33f/go-yaml"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/spec/openapi"
)

// Load reads the API description at location (a file path or an http(s)
// URL) into an Input ready for [audit.RunInput]: the model, the raw document for
// rules that look beyond it, and the loader's schema violations
// (ESC-SPEC-001). Unreadable or unparseable input is an *escarp.Error of
// Kind Invalid with file and line (exit 2).
func Load(ctx context.Context, location string) (audit.Input, []escarp.Warning, error) {
	if strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://") {
		api, warns, err := spec.Load(ctx, location, spec.Options{})
		if err != nil {
			return audit.Input{}, nil, err
		}
		return audit.Input{API: api, Spec: location}, warns, nil
	}
	data, err := os.ReadFile(location)
	if err != nil {
		msg := "reading the spec"
		if errors.Is(err, fs.ErrNotExist) {
			msg = "the spec does not exist"
		}
		return audit.Input{}, nil, &escarp.Error{Op: "specload.Load", Kind: escarp.Invalid,
			Pos: escarp.Position{File: location}, Message: msg, Err: err}
	}
	return LoadBytes(ctx, location, data)
}

// LoadBytes is [Load] for a document already read; name is its location
// (used in positions and to resolve relative $refs).
func LoadBytes(ctx context.Context, name string, data []byte) (audit.Input, []escarp.Warning, error) {
	switch spec.Detect(data) {
	case escarp.FormatOpenAPI, escarp.FormatSwagger:
	default:
		api, warns, err := spec.LoadBytes(ctx, name, data, spec.Options{})
		if err != nil {
			return audit.Input{}, nil, err
		}
		return audit.Input{API: api, Spec: name}, warns, nil
	}
	doc, err := openapi.Parse(ctx, name, data, openapi.Options{})
	if err != nil {
		return audit.Input{}, nil, err
	}
	in := audit.Input{API: doc.API, Spec: name, Raw: rawDoc{doc}}
	in.Problems = schemaProblems(ctx, doc)
	var warns []escarp.Warning
	for _, w := range doc.Warnings {
		if strings.Contains(w.Message, "unresolvable $ref") {
			in.Problems = append(in.Problems, audit.Problem{Kind: audit.ProblemRef, Pos: w.Pos, Message: w.Message,
				Extension: strings.Contains(w.Message, "extension")})
			continue
		}
		warns = append(warns, w)
	}
	return in, warns, nil
}

// rawDoc reads the root document of a loaded OpenAPI document.
type rawDoc struct{ d *openapi.Document }

// Value implements [audit.Raw].
func (r rawDoc) Value(pointer string) (any, escarp.Position, bool) {
	n, pos, ok := r.d.Lookup(pointer)
	if !ok || n == nil {
		return nil, pos, false
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, pos, false
	}
	return v, pos, true
}

// Pos implements [audit.Raw].
func (r rawDoc) Pos(pointer string) (escarp.Position, bool) {
	_, pos, ok := r.d.Lookup(pointer)
	return pos, ok
}

// Keys implements [audit.Raw].
func (r rawDoc) Keys(pointer string) []audit.Key {
	n, _, ok := r.d.Lookup(pointer)
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if !ok || n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	keys := make([]audit.Key, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		keys = append(keys, audit.Key{Name: k.Value, Pos: escarp.Position{File: r.d.Location, Line: k.Line, Column: k.Column}})
	}
	return keys
}
