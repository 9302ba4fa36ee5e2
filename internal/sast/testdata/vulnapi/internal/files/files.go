// Package files serves stored files for the fixture.
package files

import (
	"fmt"
	"os"
	"path/filepath"
)

// Dir is a directory of stored files.
type Dir struct {
	Base string
}

// Read returns the content of name under d.
func (d Dir) Read(name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(d.Base, name))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return b, nil
}

// Remove deletes name under d.
func (d Dir) Remove(name string) error {
	return os.Remove(d.Base + "/" + name)
}

// Open opens name under d for streaming.
func (d Dir) Open(name string) (*os.File, error) {
	return os.Open(filepath.Join(d.Base, name))
}
