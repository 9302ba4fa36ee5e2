package sca

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzOfflineRecord feeds one file of an offline database to the
// preparation step: whatever the file holds, it becomes part of the
// database or a note, never a panic or an error for the whole directory.
func FuzzOfflineRecord(f *testing.F) {
	for _, dir := range []string{filepath.Join("testdata", "osvdb"), filepath.Join("..", "..", "..", "shared", "corpus", "osv", "npm")} {
		entries, _ := os.ReadDir(dir)
		for i, e := range entries {
			if i >= 8 || !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"id":"X","affected":[{"package":{"ecosystem":"","name":"a"}}]}`))
	f.Add([]byte(`{"id":"../../x","affected":[{"package":{"ecosystem":"../npm","name":"a"}}]}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, out := t.TempDir(), t.TempDir()
		if err := os.WriteFile(filepath.Join(src, "r.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := buildOfflineDB(context.Background(), src, []string{"r.json"}, out)
		if err != nil {
			t.Fatalf("buildOfflineDB: %v", err)
		}
		if db == nil {
			t.Fatal("no database and no error")
		}
		// Nothing may be written outside the output directory.
		if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) > 2 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("files written beside the output directory: %v", names)
		}
	})
}

// FuzzFindPackageLine looks for packages in arbitrary lockfile text.
func FuzzFindPackageLine(f *testing.F) {
	_ = filepath.WalkDir(filepath.Join("testdata", "lockfiles"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(string(b), "npm", "ws", "5.2.3")
			}
		}
		return nil
	})
	f.Add("<artifactId>log4j-core</artifactId>\n<version>2.14.1</version>", "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1")
	f.Fuzz(func(t *testing.T, text, eco, name, version string) {
		lines := strings.Split(text, "\n")
		line, _ := findPackageLine(lines, eco, name, version)
		if line < 0 || line > len(lines) {
			t.Fatalf("line %d of %d", line, len(lines))
		}
	})
}
