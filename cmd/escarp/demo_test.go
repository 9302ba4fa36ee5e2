package main

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
)

// TestDemoCodeFindsThePlantedSourceFlaws runs the demo's code step over
// the lab's source excerpt: every planted flaw is found in its file, no
// other finding reaches high, and the secret is never written out.
func TestDemoCodeFindsThePlantedSourceFlaws(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &out, wd: dir, getenv: func(string) (string, bool) { return "", false }}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := a.demoCode(ctx, dir+"/quayside-code")
	if err != nil {
		t.Fatal(err)
	}
	if missed := missedSourceFlaws(run); len(missed) > 0 {
		t.Errorf("planted flaws not found: %v (notes: %v)", missed, run.Notes)
	}
	var planted []string
	for _, fl := range lab.SourceFlaws {
		planted = append(planted, fl.Rule)
	}
	for _, f := range run.Findings {
		if f.Severity >= escarp.SeverityHigh && f.Suppressed == nil && !slices.Contains(planted, f.RuleID) {
			t.Errorf("unplanted finding %s at %s:%d (%s)", f.RuleID, f.Location.File, f.Location.Line, f.Severity)
		}
	}
	secret, err := os.ReadFile(dir + "/quayside-code/src/deploy/.env")
	if err != nil {
		t.Fatal(err)
	}
	key := secret[bytes.Index(secret, []byte("sk_live_")):]
	key = bytes.TrimSpace(key)
	rep := &escarp.Report{SchemaVersion: escarp.ReportSchemaVersion, Runs: []*escarp.Run{run}}
	for _, format := range []string{"json", "sarif", "markdown", "text"} {
		out.Reset()
		if err := a.emit(rep, format, nil); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out.Bytes(), key) {
			t.Errorf("the %s report holds the secret", format)
		}
	}
}
