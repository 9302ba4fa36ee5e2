// Package store reads the marina's boats.
package store

import (
	"database/sql"
	"strings"
)

// SearchBoats returns the names of the boats whose name contains name.
func SearchBoats(db *sql.DB, name string) (string, error) {
	rows, err := db.Query("SELECT name FROM boats WHERE name LIKE '%" + name + "%'")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return "", err
		}
		names = append(names, n)
	}
	return strings.Join(names, "\n"), rows.Err()
}
