package store

import (
	"context"
	"fmt"
)

// Filter selects and orders search results.
type Filter struct {
	Term string
	Sort string
}

// Search lists users matching f.
func (s *Store) Search(ctx context.Context, f Filter) ([]User, error) {
	query := buildSearch(f)
	rows, err := s.DB.QueryContext(ctx, query, "%"+f.Term+"%")
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.ID, &u.Name); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// buildSearch picks the query for the requested order from an allow-list.
func buildSearch(f Filter) string {
	switch f.Sort {
	case "name":
		return "SELECT id, name FROM users WHERE name LIKE ? ORDER BY name"
	default:
		return "SELECT id, name FROM users WHERE name LIKE ? ORDER BY id"
	}
}
