package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/escarp/escarp"
)

func TestOpenDefault(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, p := range []string{".escarp/escarp.db", ".escarp/.gitignore"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestOpenForms(t *testing.T) {
	dir := t.TempDir()
	for _, spec := range []string{"custom.db", "sqlite:other/x.db", "sqlite::memory:"} {
		db, err := Open(context.Background(), spec, dir)
		if err != nil {
			t.Errorf("Open(%q): %v", spec, err)
			continue
		}
		db.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "other", "x.db")); err != nil {
		t.Errorf("relative sqlite: path not under the project dir: %v", err)
	}
	if _, err := Open(context.Background(), "sqlite:", dir); escarp.ExitCode(err) != 2 {
		t.Errorf("empty sqlite path: err = %v, want an input error", err)
	}
}
