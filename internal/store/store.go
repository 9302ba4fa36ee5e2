// Package store opens the store a --store value names: a SQLite path,
// "sqlite:PATH", or a "postgres://" URL. With no value it opens the
// embedded default, .escarp/escarp.db under the project directory, and
// writes .escarp/.gitignore so databases are never committed.
package store

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/postgres"
	"github.com/escarp/escarp/internal/sqlite"
	"github.com/escarp/escarp/internal/sqlstore"
)

// Dir is the local state directory, relative to the project directory.
const Dir = ".escarp"

// Open opens the store named by spec; dir is the project directory (where
// the config file is, or the working directory) used for the default and
// for relative SQLite paths.
func Open(ctx context.Context, spec, dir string) (*sqlstore.DB, error) {
	switch {
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return postgres.Open(ctx, spec, "")
	case spec == "":
		state := filepath.Join(dir, Dir)
		if err := sqlite.GitIgnore(state); err != nil {
			return nil, &escarp.Error{Op: "store.Open", Kind: escarp.Invalid, Message: "preparing " + state, Err: err}
		}
		return sqlite.Open(ctx, filepath.Join(state, "escarp.db"))
	default:
		path := strings.TrimPrefix(spec, "sqlite:")
		if path == "" {
			return nil, &escarp.Error{Op: "store.Open", Kind: escarp.Invalid, Message: "empty SQLite path in --store " + spec}
		}
		if path != ":memory:" && !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return sqlite.Open(ctx, path)
	}
}
