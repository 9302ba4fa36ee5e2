package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/escarp/escarp/internal/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "escarp.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "escarp.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO scans (id, engine, started_at, finished_at, created_at) VALUES ('a','audit','x','x','x')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path) // migrations are not applied twice
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM scans`).Scan(&n); err != nil || n != 1 {
		t.Errorf("after reopen: %d scans, %v", n, err)
	}
}

func TestOpenBadPath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), filepath.Join(blocker, "escarp.db")); err == nil {
		t.Fatal("Open under a regular file succeeded")
	}
}

func TestGitIgnore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".escarp")
	if err := GitIgnore(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil || len(b) == 0 {
		t.Fatalf(".gitignore: %q, %v", b, err)
	}
}
