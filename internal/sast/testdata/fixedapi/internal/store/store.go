// Package store is the fixture's data layer.
package store

import (
	"database/sql"
	"fmt"
)

// Store wraps the database.
type Store struct {
	DB *sql.DB
}

// User is a user row.
type User struct {
	ID   int
	Name string
}

// FindUser looks a user up by name.
func (s *Store) FindUser(name string) (*User, error) {
	const q = "SELECT id, name FROM users WHERE name = ?"
	row := s.DB.QueryRow(q, name)
	var u User
	if err := row.Scan(&u.ID, &u.Name); err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return &u, nil
}
