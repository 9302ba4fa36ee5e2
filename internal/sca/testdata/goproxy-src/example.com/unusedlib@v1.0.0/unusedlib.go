// Package unusedlib is a test dependency that the test module requires but never imports.
package unusedlib

// Decode returns its input.
func Decode(b []byte) []byte { return b }
