// Package pgx is a stub of github.com/jackc/pgx/v5 for escarp's SAST tests:
// the types and signatures of the query methods, nothing more.
package pgx

import "context"

// Rows are query results.
type Rows interface{ Close() }

// Row is one result row.
type Row interface{ Scan(dest ...any) error }

// CommandTag describes what a statement did.
type CommandTag struct{}

// Conn is a connection.
type Conn struct{}

// Query runs sql with args.
func (c *Conn) Query(ctx context.Context, sql string, args ...any) (Rows, error) { return nil, nil }

// QueryRow runs sql with args and returns one row.
func (c *Conn) QueryRow(ctx context.Context, sql string, args ...any) Row { return nil }

// Exec runs sql with args.
func (c *Conn) Exec(ctx context.Context, sql string, args ...any) (CommandTag, error) {
	return CommandTag{}, nil
}
