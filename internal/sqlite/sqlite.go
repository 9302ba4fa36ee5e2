// Package sqlite is escarp's embedded store: a single SQLite file
// (modernc.org/sqlite, pure Go, nothing to install), by default
// .escarp/escarp.db next to the config file.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating when needed) the SQLite database at path, with
// write-ahead logging, a busy timeout and foreign keys on, and applies
// pending migrations. ":memory:" opens a private in-memory database.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	const op = "sqlite.Open"
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "creating the store directory " + dir, Err: err}
			}
		}
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "journal_mode(WAL)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + q.Encode()
	if path == ":memory:" {
		dsn = "file::memory:?" + q.Encode()
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "opening " + path, Err: err}
	}
	if path == ":memory:" {
		// Each connection would see its own empty database.
		db.SetMaxOpenConns(1)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "opening " + path, Err: err}
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, &escarp.Error{Op: op, Err: err}
	}
	s, err := sqlstore.New(ctx, db, sqlstore.Dialect{Name: "sqlite", Migrations: sub})
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// GitIgnore writes a .gitignore into dir (the .escarp directory) so that
// databases are never committed, unless one exists.
func GitIgnore(dir string) error {
	p := filepath.Join(dir, ".gitignore")
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(strings.Join([]string{"# written by escarp: local databases are never committed",
		"*.db", "*.db-wal", "*.db-shm", ""}, "\n")), 0o644)
}
