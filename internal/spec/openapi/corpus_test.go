package openapi

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/go-yaml"
	yaml3 "go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
)

// corpusDir returns ../shared/corpus/openapi relative to the repository
// root, or skips the test when it is absent.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "corpus", "openapi")
			if _, err := os.Stat(filepath.Join(c, "MANIFEST.tsv")); err != nil {
				tb.Skipf("shared corpus not found at %s: skipping", c)
			}
			return c
		}
		dir = filepath.Dir(dir)
	}
	tb.Skip("repository root (go.mod) not found: skipping")
	return ""
}

type corpusEntry struct {
	file  string
	paths int
}

func readManifest(tb testing.TB, dir string) []corpusEntry {
	tb.Helper()
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 || cols[0] == "file" {
			continue
		}
		n, err := strconv.Atoi(cols[4])
		if err != nil {
			tb.Fatalf("MANIFEST.tsv: bad path count %q", cols[4])
		}
		out = append(out, corpusEntry{file: cols[0], paths: n})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// countOperations counts method keys under paths with an independent YAML
// decoder, skipping path items that are $refs (counted in refs).
func countOperations(tb testing.TB, data []byte) (paths, ops, refs int) {
	tb.Helper()
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths" json:"paths"`
	}
	var err error
	if d := strings.TrimSpace(string(data)); strings.HasPrefix(d, "{") {
		err = json.Unmarshal(data, &doc)
	} else {
		err = yaml3.Unmarshal(data, &doc)
	}
	if err != nil {
		tb.Fatalf("independent decode: %v", err)
	}
	for p, item := range doc.Paths {
		if strings.HasPrefix(p, "x-") {
			continue
		}
		paths++
		if _, ok := item["$ref"]; ok {
			refs++
			continue
		}
		for k := range item {
			if methods[k] {
				ops++
			}
		}
	}
	return paths, ops, refs
}

func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	entries := readManifest(t, dir)
	if len(entries) != 50 {
		t.Errorf("MANIFEST.tsv lists %d documents, want 50", len(entries))
	}
	for _, e := range entries {
		t.Run(e.file, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			loc := filepath.Join(dir, filepath.FromSlash(e.file))
			data, err := os.ReadFile(loc)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Parse(ctx, loc, data, Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			api := doc.API
			paths, ops, refs := countOperations(t, data)
			if paths != e.paths {
				t.Errorf("document has %d paths, MANIFEST.tsv says %d", paths, e.paths)
			}
			distinct := map[string]bool{}
			for _, op := range api.Operations {
				distinct[op.Path] = true
			}
			if len(distinct) > e.paths {
				t.Errorf("operations on %d distinct paths, more than the %d paths", len(distinct), e.paths)
			}
			if refs == 0 && len(api.Operations) != ops {
				t.Errorf("loaded %d operations, the document declares %d", len(api.Operations), ops)
			}
			if refs > 0 && len(api.Operations) < ops+refs {
				t.Errorf("loaded %d operations, want at least %d (%d inline + one per $ref'd path item)", len(api.Operations), ops+refs, ops)
			}
			if api.Title == "" || api.SpecVersion == "" || api.Pos.Line == 0 {
				t.Errorf("title %q, spec version %q, pos %v: want all set", api.Title, api.SpecVersion, api.Pos)
			}
			checkPositions(t, doc)
		})
	}
}

// checkPositions asserts that every element has a position and a pointer,
// and that in the root document the pointer leads to the position.
func checkPositions(t *testing.T, doc *Document) {
	t.Helper()
	bad := 0
	others := map[string]*yaml.Node{}
	check := func(what string, pos escarp.Position, ptr string) {
		if bad > 5 {
			return
		}
		if pos.Line == 0 || pos.Column == 0 || pos.File == "" {
			bad++
			t.Errorf("%s at %v pointer %q: want a position and a pointer", what, pos, ptr)
			return
		}
		var at escarp.Position
		var ok bool
		if pos.File != doc.Location {
			// An element defined in a referenced file: its pointer leads
			// to its position in that file.
			root, found := others[pos.File]
			if !found {
				data, err := os.ReadFile(pos.File)
				if err != nil {
					bad++
					t.Errorf("%s at %v: position names a file that cannot be read: %v", what, pos, err)
					return
				}
				var n yaml.Node
				if err := yaml.Unmarshal(data, &n); err != nil {
					t.Fatalf("%s: %v", pos.File, err)
				}
				root = &n
				others[pos.File] = root
			}
			other := &Document{Location: pos.File, Root: deref(root)}
			_, at, ok = other.Lookup(ptr)
		} else {
			_, at, ok = doc.Lookup(ptr)
		}
		if !ok || at != pos {
			bad++
			t.Errorf("%s: pointer %q leads to %v (found %v), element is at %v", what, ptr, at, ok, pos)
		}
	}
	api := doc.API
	for _, s := range api.Servers {
		check("server", s.Pos, s.Pointer)
	}
	for _, s := range api.SecuritySchemes {
		check("security scheme "+s.Name, s.Pos, s.Pointer)
	}
	seen := map[*escarp.Schema]bool{}
	schema := func(s *escarp.Schema) {
		escarp.WalkSchema(s, func(_ string, s *escarp.Schema) bool {
			if seen[s] {
				return false
			}
			seen[s] = true
			check("schema", s.Pos, s.Pointer)
			return true
		})
	}
	for _, s := range api.Schemas {
		schema(s)
	}
	var ops func(list []*escarp.Operation)
	ops = func(list []*escarp.Operation) {
		for _, op := range list {
			check("operation "+op.Key(), op.Pos, op.Pointer)
			for _, p := range op.Parameters {
				check("parameter "+p.Name, p.Pos, p.Pointer)
				schema(p.Schema)
			}
			if b := op.RequestBody; b != nil {
				check("request body of "+op.Key(), b.Pos, b.Pointer)
				for _, m := range b.Content {
					check("media type "+m.MediaType, m.Pos, m.Pointer)
					schema(m.Schema)
				}
			}
			for _, r := range op.Responses {
				check("response "+r.Status+" of "+op.Key(), r.Pos, r.Pointer)
				for _, h := range r.Headers {
					check("header "+h.Name, h.Pos, h.Pointer)
					schema(h.Schema)
				}
				for _, m := range r.Content {
					check("media type "+m.MediaType, m.Pos, m.Pointer)
					schema(m.Schema)
				}
			}
			for _, cb := range op.Callbacks {
				ops(cb)
			}
		}
	}
	ops(api.Operations)
	ops(api.Webhooks)
}
