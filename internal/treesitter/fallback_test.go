//go:build !cgo || notreesitter

package treesitter

import (
	"context"
	"testing"
)

func TestFallback(t *testing.T) {
	if Available {
		t.Fatal("Available is true without tree-sitter")
	}
	run, err := Scan(context.Background(), "testdata/express", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Findings) != 0 || len(run.Notes) != 1 || run.Notes[0] != unavailableNote || len(run.Rules) != 4 {
		t.Errorf("run = %+v", run)
	}
	rs, notes, err := Routes(context.Background(), "testdata/express")
	if err != nil || len(rs) != 0 || len(notes) != 1 || notes[0] != unavailableNote {
		t.Errorf("Routes = %v, %q, %v", rs, notes, err)
	}
}
