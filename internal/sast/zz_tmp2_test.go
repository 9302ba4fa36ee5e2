package sast

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestTmpBig(t *testing.T) {
	dir := os.Getenv("SAST_BIG")
	if dir == "" {
		t.Skip()
	}
	t0 := time.Now()
	run, err := Scan(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(time.Since(t0), run.Stats)
	for _, n := range run.Notes {
		fmt.Println("NOTE", n)
	}
	for _, f := range run.Findings {
		if f.RuleID[:3] == "ESC" {
			fmt.Printf("%s %s:%d %s\n", f.RuleID, f.Location.File, f.Location.Line, f.Message)
		}
	}
}
