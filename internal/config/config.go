// Package config loads escarp.yaml: it expands ${VAR} references, keeps
// each top-level section as a YAML node, and lets each component decode
// its own section into the Config struct it owns.
//
// The file's JSON Schema is escarp.ConfigSchema (docs/escarp.schema.json).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/yamllimit"
)

// DefaultName is the config file looked for in the working directory.
const DefaultName = "escarp.yaml"

// File is a loaded escarp.yaml.
type File struct {
	// Path is the file read; empty when there is none. Dir is where local
	// state (.escarp/) lives: the file's directory, or the working directory.
	Path string
	Dir  string
	// Target and Spec are the two top-level scalars most commands use.
	Target string
	Spec   string
	// sections holds every top-level key's node after ${VAR} expansion.
	sections map[string]*yaml.Node
	// root is the document's top-level mapping (nil for an empty file);
	// Validate maps schema violations back to its nodes' lines.
	root *yaml.Node
}

// Empty returns a File with no settings, rooted at dir.
func Empty(dir string) *File {
	return &File{Dir: dir, sections: map[string]*yaml.Node{}}
}

// Load reads the config at path. getenv resolves ${VAR} references (an
// unset variable is an error naming it; $${ is a literal ${).
func Load(path string, getenv func(string) (string, bool)) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &escarp.Error{Op: "config.Load", Kind: escarp.Invalid,
				Message: fmt.Sprintf("config file %s does not exist", path)}
		}
		return nil, &escarp.Error{Op: "config.Load", Kind: escarp.Invalid, Message: "reading config", Err: err}
	}
	f, err := Parse(path, data, getenv)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err == nil {
		f.Dir = filepath.Dir(abs)
	}
	return f, nil
}

// Parse parses config data read from path (used in messages).
func Parse(path string, data []byte, getenv func(string) (string, bool)) (*File, error) {
	f, err := parse(path, data, getenv, nil)
	if err != nil {
		return nil, err
	}
	if err := f.Section("target", &f.Target); err != nil {
		return nil, err
	}
	if err := f.Section("spec", &f.Spec); err != nil {
		return nil, err
	}
	return f, nil
}

// parse reads the YAML document, expands ${VAR} references and indexes the
// top-level sections. With errs nil it stops at the first unset variable;
// otherwise it appends every expansion error to *errs and carries on.
func parse(path string, data []byte, getenv func(string) (string, bool), errs *[]error) (*File, error) {
	f := &File{Path: path, Dir: filepath.Dir(path), sections: map[string]*yaml.Node{}}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err.Error() == "EOF" {
			return f, nil
		}
		return nil, yamlError(path, err)
	}
	if err := yamllimit.Check(path, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return f, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, escarp.InvalidAt(escarp.Position{File: path, Line: root.Line, Column: root.Column},
			"the config must be a mapping of sections (target, spec, identities, scan, ...)")
	}
	if err := expand(path, root, getenv, errs, ""); err != nil {
		return nil, err
	}
	f.root = root
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if _, dup := f.sections[key.Value]; dup {
			return nil, escarp.InvalidAt(escarp.Position{File: path, Line: key.Line, Column: key.Column},
				"duplicate key %q", key.Value)
		}
		f.sections[key.Value] = val
	}
	return f, nil
}

// Keys returns the top-level keys present.
func (f *File) Keys() []string {
	keys := make([]string, 0, len(f.sections))
	for k := range f.sections {
		keys = append(keys, k)
	}
	return keys
}

// Has reports whether the top-level key is present.
func (f *File) Has(key string) bool {
	_, ok := f.sections[key]
	return ok
}

// Section decodes the top-level key into v, rejecting unknown fields. A
// missing key leaves v unchanged. Errors name the file, line and field.
func (f *File) Section(key string, v any) error {
	n, ok := f.sections[key]
	if !ok {
		return nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return &escarp.Error{Op: "config.Section", Kind: escarp.Invalid, Message: key, Err: err}
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			// Lines in te are relative to the re-encoded section.
			line, msg := relLine(te.Errors[0])
			return escarp.InvalidAt(escarp.Position{File: f.Path, Line: n.Line + line - 1},
				"%s: %s", key, msg)
		}
		return escarp.InvalidAt(escarp.Position{File: f.Path, Line: n.Line, Column: n.Column}, "%s: %v", key, err)
	}
	return nil
}

// Node returns the raw node of a top-level key, or nil.
func (f *File) Node(key string) *yaml.Node { return f.sections[key] }

func relLine(msg string) (int, string) {
	var line int
	if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
		_, rest, _ := strings.Cut(msg, ": ")
		return line, rest
	}
	return 1, msg
}

func yamlError(path string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	var line int
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
		_, rest, _ := strings.Cut(msg, ": ")
		return escarp.InvalidAt(escarp.Position{File: path, Line: line}, "%s", rest)
	}
	return escarp.InvalidAt(escarp.Position{File: path}, "%s", msg)
}

// expand replaces ${VAR} in every scalar of n; field is n's YAML path for
// messages ("identities[0].headers.Authorization"). A plain (unquoted)
// scalar takes the type of what it expands to, as if the value had been
// written there ("rate: ${RATE}" is a number when RATE=10); a quoted one
// stays a string. With errs non-nil, errors are collected, not returned.
func expand(path string, n *yaml.Node, getenv func(string) (string, bool), errs *[]error, field string) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return nil
		}
		v, err := Expand(n.Value, getenv)
		if err != nil {
			pos := escarp.Position{File: path, Line: n.Line, Column: n.Column}
			if field != "" {
				err = escarp.InvalidAt(pos, "%s: %v", field, err)
			} else {
				err = escarp.InvalidAt(pos, "%v", err)
			}
			if errs == nil {
				return err
			}
			*errs = append(*errs, err)
			return nil
		}
		n.Value = v
		if n.Style == 0 && n.Tag == "!!str" {
			n.Tag = ""
		}
		return nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := expand(path, n.Content[i], getenv, errs, field); err != nil {
				return err
			}
			child := n.Content[i].Value
			if field != "" {
				child = field + "." + child
			}
			if err := expand(path, n.Content[i+1], getenv, errs, child); err != nil {
				return err
			}
		}
		return nil
	}
	for i, c := range n.Content {
		child := field
		if n.Kind == yaml.SequenceNode {
			child = fmt.Sprintf("%s[%d]", field, i)
		}
		if err := expand(path, c, getenv, errs, child); err != nil {
			return err
		}
	}
	return nil
}

// Expand replaces ${VAR} references in s using getenv. "$${" stands for a
// literal "${". An unset variable is an error naming it.
func Expand(s string, getenv func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated ${ in %q", s)
		}
		name := s[i+2 : i+end]
		if name == "" {
			return "", fmt.Errorf("empty ${} reference")
		}
		v, ok := getenv(name)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+end+1:]
	}
}
