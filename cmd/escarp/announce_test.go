package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/code"
)

// TestAnnounceEnginesOnce: Go SAST and tree-sitter SAST share the name
// "sast": "code: sast" is printed once.
func TestAnnounceEnginesOnce(t *testing.T) {
	nop := func(context.Context, string) (*escarp.Run, error) { return &escarp.Run{}, nil }
	engines := []code.Engine{{Name: code.EngineSAST, Scan: nop}, {Name: code.EngineSAST, Scan: nop}, {Name: code.EngineSCA, Scan: nop}}
	var b bytes.Buffer
	announceEngines(&b, engines)
	for _, e := range engines {
		if _, err := e.Scan(context.Background(), "."); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := b.String(), "code: sast\ncode: sca\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}
