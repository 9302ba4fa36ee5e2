// Package files serves stored files for the fixture.
package files

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Dir is a directory of stored files.
type Dir struct {
	Base string
}

var errOutside = errors.New("path outside the base directory")

// Read returns the content of name under d.
func (d Dir) Read(name string) ([]byte, error) {
	base := filepath.Clean(d.Base)
	rel, err := filepath.Rel(base, filepath.Join(base, name))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(os.PathSeparator)) {
		return nil, errOutside
	}
	b, err := os.ReadFile(filepath.Clean(filepath.Join(base, rel)))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return b, nil
}

// Open opens name under d for streaming, through an os.Root that refuses
// paths leaving the base directory.
func (d Dir) Open(name string) (*os.File, error) {
	root, err := os.OpenRoot(d.Base)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer root.Close()
	return root.Open(name)
}

// Remove deletes name under d; only the last element of name counts.
func (d Dir) Remove(name string) error {
	return os.Remove(filepath.Join(d.Base, filepath.Base(name)))
}
