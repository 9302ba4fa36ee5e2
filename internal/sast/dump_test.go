package sast

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	dir := os.Getenv("SAST_DUMP")
	if dir == "" {
		t.Skip()
	}
	run, err := Scan(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range run.Notes {
		fmt.Println("NOTE", n)
	}
	for _, f := range run.Findings {
		fmt.Printf("%s %s:%d %s %v also=%s\n   %s\n", f.RuleID, f.Location.File, f.Location.Line, f.Severity, f.Suppressed != nil, f.Properties["also"], f.Message)
		for _, fl := range f.Flows {
			for _, l := range fl {
				fmt.Printf("      %s:%d %s\n", l.File, l.Line, l.Message)
			}
		}
	}
	fmt.Println(run.Stats)
}
