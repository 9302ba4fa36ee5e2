package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeQuickStartPaths: the paths the quick start's code step names
// exist in a fresh clone.
func TestReadmeQuickStartPaths(t *testing.T) {
	root := filepath.Join("..", "..")
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "./escarp code ") {
			line = l
			break
		}
	}
	if line == "" {
		t.Fatal("README has no ./escarp code step")
	}
	f := strings.Fields(line)
	paths := []string{f[2]}
	for i, w := range f {
		if w == "--offline-db" && i+1 < len(f) {
			paths = append(paths, f[i+1])
		}
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("README step 5 names %s, which a fresh clone does not have", p)
		}
	}
}
