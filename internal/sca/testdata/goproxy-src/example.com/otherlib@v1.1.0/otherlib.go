// Package otherlib is a test dependency: Unsafe is vulnerable before v1.1.0, Safe never was.
package otherlib

import "path/filepath"

// Safe cleans a path.
func Safe(p string) string { return filepath.Clean(p) }

// Unsafe joins a user path under base.
func Unsafe(base, p string) string { return filepath.Join(base, p) }
