package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
)

// TestDemoCodeFindsThePlantedSourceFlaws runs the demo's code step over
// the lab's source excerpt: every planted flaw is found in its file, no
// other finding reaches high, and the secret is never written out.
func TestDemoCodeFindsThePlantedSourceFlaws(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, wd: dir, getenv: func(string) (string, bool) { return "", false }}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := a.demoCode(ctx, dir+"/quayside-code")
	if err != nil {
		t.Fatal(err)
	}
	// Stage lines reach a stderr that is not a terminal, each stage once.
	for _, stage := range []string{"code: sast\n", "code: sca\n", "code: secrets\n"} {
		if n := strings.Count(errb.String(), stage); n != 1 {
			t.Errorf("stage line %q printed %d times on stderr:\n%s", stage, n, errb.String())
		}
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
	for _, format := range []string{"json", "sarif", "markdown", "text", "html", "junit"} {
		out.Reset()
		if err := a.emit(rep, format, nil); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out.Bytes(), key) {
			t.Errorf("the %s report holds the secret", format)
		}
		if format == "sarif" {
			validateSARIF(t, out.Bytes())
		}
	}
}

// validateSARIF validates data against ../shared/schemas/sarif-schema-2.1.0.json
// (skipping with a line when it is absent) and checks that code findings
// with a taint path carry it as a code flow.
func validateSARIF(t *testing.T, data []byte) {
	t.Helper()
	schemaPath := filepath.Join("..", "..", "..", "shared", "schemas", "sarif-schema-2.1.0.json")
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Logf("SARIF schema not found (%v): not validated", err)
	} else {
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("sarif.json", doc); err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile("sarif.json")
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("the SARIF of escarp code does not validate: %v", err)
		}
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string            `json:"ruleId"`
				CodeFlows []json.RawMessage `json:"codeFlows"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	flows := 0
	for _, run := range log.Runs {
		for _, r := range run.Results {
			if strings.HasPrefix(r.RuleID, "ESC-SAST-") && len(r.CodeFlows) > 0 {
				flows++
			}
		}
	}
	if flows < 4 {
		t.Errorf("%d SAST results carry a code flow, want the 4 planted taint flaws", flows)
	}
}
