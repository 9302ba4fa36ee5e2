package main

import (
	"io"
	"os"
	"testing"
)

// TestDevNullIsNotATerminal: /dev/null is a character device, not a
// terminal: no progress bars or colour go to it.
func TestDevNullIsNotATerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("isTerminal(/dev/null) = true, want false")
	}
	a := &app{stderr: f}
	if a.progress() != io.Discard {
		t.Error("progress goes to /dev/null as if it were a terminal")
	}
}
