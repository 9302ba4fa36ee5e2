// Package gorm is a stub of gorm.io/gorm for escarp's SAST tests.
package gorm

// DB is a gorm session.
type DB struct{ Error error }

// Raw builds a raw SQL statement.
func (db *DB) Raw(sql string, values ...any) *DB { return db }

// Exec runs a raw SQL statement.
func (db *DB) Exec(sql string, values ...any) *DB { return db }

// Where adds a condition: a string condition is SQL.
func (db *DB) Where(query any, args ...any) *DB { return db }

// Order adds an ORDER BY clause: a string is SQL.
func (db *DB) Order(value any) *DB { return db }

// Find loads the matching records into dest.
func (db *DB) Find(dest any, conds ...any) *DB { return db }

// Scan copies the result into dest.
func (db *DB) Scan(dest any) *DB { return db }
