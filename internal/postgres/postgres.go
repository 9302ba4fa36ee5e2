// Package postgres is escarp's shared store on PostgreSQL
// (github.com/jackc/pgx/v5), for several nodes or users. It implements the
// same contracts as internal/sqlite with its own migrations.
package postgres

import (
	"context"
	"embed"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open connects to the database named by a postgres:// URL and applies
// pending migrations. When schema is not empty, every table lives in that
// schema (created when missing): tests give each test its own.
func Open(ctx context.Context, dsn, schema string) (*sqlstore.DB, error) {
	const op = "postgres.Open"
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "bad PostgreSQL URL " + redact.RawURL(dsn), Err: err}
	}
	if schema != "" {
		boot := stdlib.OpenDB(*cfg)
		_, err := boot.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
		boot.Close()
		if err != nil {
			return nil, &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "creating schema " + schema, Err: err}
		}
		cfg.RuntimeParams["search_path"] = schema
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "connecting to " + redact.RawURL(dsn), Err: err}
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, &escarp.Error{Op: op, Err: err}
	}
	s, err := sqlstore.New(ctx, db, sqlstore.Dialect{Name: "postgres", Numbered: true, Migrations: sub})
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// DropSchema removes a schema and everything in it (test clean-up).
func DropSchema(ctx context.Context, dsn, schema string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	return err
}
