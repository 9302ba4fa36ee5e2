// Package sqlx is a stub of github.com/jmoiron/sqlx for escarp's SAST tests.
package sqlx

import (
	"context"
	"database/sql"
)

// DB wraps a database/sql DB.
type DB struct{ *sql.DB }

// Rows are query results.
type Rows struct{}

// Row is one result row.
type Row struct{}

// Select runs query and scans every row into dest.
func (db *DB) Select(dest any, query string, args ...any) error { return nil }

// Get runs query and scans one row into dest.
func (db *DB) Get(dest any, query string, args ...any) error { return nil }

// SelectContext is Select with a context.
func (db *DB) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	return nil
}

// GetContext is Get with a context.
func (db *DB) GetContext(ctx context.Context, dest any, query string, args ...any) error { return nil }

// Queryx runs query.
func (db *DB) Queryx(query string, args ...any) (*Rows, error) { return nil, nil }

// QueryRowx runs query and returns one row.
func (db *DB) QueryRowx(query string, args ...any) *Row { return nil }

// MustExec runs query and panics on error.
func (db *DB) MustExec(query string, args ...any) sql.Result { return nil }

// NamedExec runs query with named parameters taken from arg.
func (db *DB) NamedExec(query string, arg any) (sql.Result, error) { return nil, nil }
