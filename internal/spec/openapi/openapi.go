package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/yamllimit"
)

// Options configure a load.
type Options struct {
	// Fetch reads a document reached through a $ref, given its resolved
	// location (a file path or an http(s) URL). nil reads files from the
	// local file system and refuses remote references.
	Fetch func(ctx context.Context, location string) ([]byte, error)
	// MaxDocuments bounds how many documents $refs may pull in (default 1000).
	MaxDocuments int
}

func (o Options) maxDocuments() int {
	if o.MaxDocuments > 0 {
		return o.MaxDocuments
	}
	return 1000
}

// Document is a loaded OpenAPI or Swagger document: the normalized model and
// what the audit needs beyond it.
type Document struct {
	// API is the normalized model.
	API *escarp.API
	// Warnings are problems that did not stop the load.
	Warnings []escarp.Warning
	// Location is the root document's location as given to [Parse].
	Location string
	// Bytes is the root document as read.
	Bytes []byte
	// Root is the root document's top YAML node (a mapping), with lines and
	// columns. It must not be modified.
	Root *yaml.Node
	// Version is the declared spec version ("3.1.0", "2.0").
	Version string

	info *datamodel.SpecInfo
	keys *keyIndex
}

// Lookup returns the node at a JSON pointer in the root document and its
// position (the key's for a map entry). ok is false when the pointer does not
// resolve.
func (d *Document) Lookup(pointer string) (node *yaml.Node, pos escarp.Position, ok bool) {
	k, n, err := lookupIn(d.keys, d.Root, pointer)
	if err != nil {
		return nil, escarp.Position{File: d.Location}, false
	}
	at := n
	if k != nil {
		at = k
	}
	if at == nil {
		return n, escarp.Position{File: d.Location}, true
	}
	return n, escarp.Position{File: d.Location, Line: at.Line, Column: at.Column}, true
}

// Load parses data, the document at location, into the normalized model.
// See [Parse].
func Load(ctx context.Context, location string, data []byte, opts Options) (*escarp.API, []escarp.Warning, error) {
	d, err := Parse(ctx, location, data, opts)
	if err != nil {
		return nil, nil, err
	}
	return d.API, d.Warnings, nil
}

// Parse parses data, the OpenAPI 3.x or Swagger 2.0 document at location (a
// file path or a URL that relative $refs resolve against), and builds the
// normalized model. Errors are [escarp.Error]s of kind Invalid with the file
// and line of the problem.
func Parse(ctx context.Context, location string, data []byte, opts Options) (*Document, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' && !json.Valid(t) {
		// The YAML parser accepts what JSON does not (trailing commas).
		return nil, parseError(location, data, errors.New("invalid JSON"))
	}
	info, err := datamodel.ExtractSpecInfoWithConfig(data, &datamodel.DocumentConfiguration{}) // the JSON view is built lazily, for the schema check only
	if info == nil || info.RootNode == nil {
		// libopenapi returns the parsed tree with the errors of its own
		// document checks, which are made below with positions.
		if err == nil {
			err = errors.New("empty document")
		}
		return nil, parseError(location, data, err)
	}
	if err := yamllimit.CheckPB(location, info.RootNode); err != nil {
		return nil, err
	}
	root := deref(info.RootNode)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, escarp.InvalidAt(escarp.Position{File: location, Line: 1}, "not an OpenAPI document: the top level is not a mapping")
	}
	var version string
	var v2 bool
	switch {
	case has(root, "openapi"):
		version = sval(root, "openapi")
	case has(root, "swagger"):
		version, v2 = sval(root, "swagger"), true
	default:
		return nil, escarp.InvalidAt(escarp.Position{File: location, Line: 1}, "not an OpenAPI or Swagger document: no top-level openapi or swagger key")
	}
	if v2 && !strings.HasPrefix(version, "2") || !v2 && !strings.HasPrefix(version, "3") {
		k, _ := get(root, map[bool]string{true: "swagger", false: "openapi"}[v2])
		return nil, escarp.InvalidAt(escarp.Position{File: location, Line: k.Line, Column: k.Column}, "unsupported version %q", version)
	}
	rd := &document{loc: location, data: data, root: root, keys: &keyIndex{}}
	l := &loader{
		ctx:     ctx,
		opts:    opts,
		root:    rd,
		docs:    map[string]*document{location: rd},
		docErrs: make(map[string]error),
		schemas: make(map[string]*escarp.Schema),
		aliases: make(map[*yaml.Node]*escarp.Schema),
		v2:      v2,
		v32:     strings.HasPrefix(version, "3.2"),
	}
	api, err := l.build(version)
	if err != nil {
		return nil, err
	}
	return &Document{API: api, Warnings: l.warnings, Location: location, Bytes: data, Root: root, Version: version, info: info, keys: rd.keys}, nil
}

var (
	yamlLine = regexp.MustCompile(`(?:line |L)(\d+)(?::(\d+)|\.C(\d+))?`)
)

// parseError turns a parser error into an Invalid error with the file and
// line of the problem.
func parseError(loc string, data []byte, err error) error {
	pos := escarp.Position{File: loc, Line: 1}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		// JSON: the standard decoder reports an offset; turn it into a line.
		var v any
		if jerr := json.Unmarshal(data, &v); jerr != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			off := int64(-1)
			if errors.As(jerr, &se) {
				off = se.Offset
			} else if errors.As(jerr, &te) {
				off = te.Offset
			}
			if off >= 0 {
				pos.Line, pos.Column = lineCol(data, off)
				return escarp.InvalidAt(pos, "cannot parse JSON: %s", strings.TrimPrefix(jerr.Error(), "json: "))
			}
			return escarp.InvalidAt(pos, "cannot parse JSON: %s", jerr.Error())
		}
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "unable to parse specification: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		if c := m[2] + m[3]; c != "" {
			pos.Column, _ = strconv.Atoi(c)
		}
	}
	return escarp.InvalidAt(pos, "cannot parse document: %s", msg)
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	off = max(0, min(off, int64(len(data))))
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}
