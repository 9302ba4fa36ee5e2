package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
)

// labWithTwoRiskyOperations is the lab's description plus a boat transfer
// (an object id) and a link preview (a URL the server fetches).
func labWithTwoRiskyOperations(t *testing.T) string {
	t.Helper()
	extra, err := os.ReadFile(filepath.Join("..", "..", "internal", "specdiff", "testdata", "added-ops.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	base := lab.Spec(false)
	i := bytes.Index(base, []byte("\ncomponents:\n"))
	return string(slices.Concat(base[:i+1], extra, base[i+1:]))
}

// TestThreatDiffAndCIStage: against the committed lab spec, a change that
// adds two risky operations makes threat diff report exactly those and
// the ci threat stage fail; once their threats are tracked in
// .escarp/suppressions.yaml, both pass.
func TestThreatDiffAndCIStage(t *testing.T) {
	r := &ciRepo{t: t, dir: t.TempDir(), env: map[string]string{}}
	r.git("init", "-q", "-b", "main")
	r.write("openapi.yaml", string(lab.Spec(false)))
	r.git("add", "openapi.yaml")
	r.git("commit", "-q", "-m", "lab")
	r.write("openapi.yaml", labWithTwoRiskyOperations(t))

	out, errOut, code, _ := r.escarp("threat", "diff", "--spec", "openapi.yaml", "--base-ref", "HEAD", "--no-store", "-o", "diff.md", "--format", "json")
	if code != 1 {
		t.Fatalf("threat diff exit %d, want 1\n%s", code, errOut)
	}
	md, err := os.ReadFile(filepath.Join(r.dir, "diff.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| added | `POST /api/v2/boats/{boatId}/transfer` |", "| added | `POST /api/v2/tools/link-preview` |",
		"adds two operations", "ESC-THREAT-I-001", "ESC-THREAT-E-001", "untracked"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("diff.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Count(string(md), "| added |") != 2 || strings.Contains(string(md), "| removed |") || strings.Contains(string(md), "| changed |") {
		t.Errorf("diff.md reports other changes:\n%s", md)
	}
	var rep escarp.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%.300s", err, out)
	}
	var tracked []string
	for _, f := range rep.Runs[0].Findings {
		op := f.Location.Operation()
		if op != "POST /api/v2/boats/{boatId}/transfer" && op != "POST /api/v2/tools/link-preview" {
			t.Errorf("added threat %s on %s, an operation the change did not add", f.RuleID, op)
		}
		if f.Severity >= escarp.SeverityHigh {
			tracked = append(tracked, fmt.Sprintf("  - {rule: %s, operation: %q, stage: threat, state: in-progress, ticket: SEC-%d, reason: fix planned}\n", f.RuleID, op, len(tracked)+1))
		}
	}
	if len(tracked) < 2 {
		t.Fatalf("want at least two added threats at high, got %d", len(tracked))
	}

	_, errOut, code, _ = r.escarp("ci", "--stages", "threat", "--spec", "openapi.yaml", "--base-ref", "HEAD", "--no-store")
	if code != 1 {
		t.Fatalf("ci threat stage exit %d, want 1\n%s", code, errOut)
	}

	r.write(".escarp/suppressions.yaml", "suppressions:\n"+strings.Join(tracked, ""))
	_, errOut, code, _ = r.escarp("ci", "--stages", "threat", "--spec", "openapi.yaml", "--base-ref", "HEAD", "--no-store")
	if code != 0 {
		t.Fatalf("ci threat stage with the threats tracked: exit %d, want 0\n%s", code, errOut)
	}
	_, errOut, code, _ = r.escarp("threat", "diff", "--spec", "openapi.yaml", "--base-ref", "HEAD", "--no-store")
	if code != 0 {
		t.Fatalf("threat diff with the threats tracked: exit %d, want 0\n%s", code, errOut)
	}
}

// TestThreatCommand: escarp threat writes the JSON report with its
// ranking and the model files, reads findings reports, and exits 2 on a
// missing spec.
func TestThreatCommand(t *testing.T) {
	r := &ciRepo{t: t, dir: t.TempDir(), env: map[string]string{}}
	r.write("openapi.yaml", string(lab.Spec(false)))
	_, errOut, code, _ := r.escarp("threat", "--spec", "openapi.yaml", "--no-store", "-o", "t.json", "-o", "otm:m.otm.json", "-o", "t.html", "--fail-on", "critical")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	rep := readReport(t, filepath.Join(r.dir, "t.json"))
	if len(rep.Ranking) < 10 || rep.ThreatModel == nil || rep.SchemaVersion != escarp.ReportSchemaVersion {
		t.Fatalf("report: %d ranked, model %v, version %s", len(rep.Ranking), rep.ThreatModel != nil, rep.SchemaVersion)
	}
	for i := 1; i < len(rep.Ranking); i++ {
		if rep.Ranking[i].Risk > rep.Ranking[i-1].Risk {
			t.Fatalf("ranking not ordered by risk at %d", i)
		}
	}
	if rep.Runs[0].Engine != escarp.EngineThreat || rep.Runs[0].Findings[0].Kind != escarp.KindThreat {
		t.Errorf("run %s, kind %s", rep.Runs[0].Engine, rep.Runs[0].Findings[0].Kind)
	}
	for _, f := range []string{"m.otm.json", "t.html"} {
		if _, err := os.Stat(filepath.Join(r.dir, f)); err != nil {
			t.Error(err)
		}
	}
	// The stored JSON re-renders as a model.
	if _, errOut, code, _ := r.escarp("report", "t.json", "-o", "t2.html"); code != 0 {
		t.Errorf("report re-render: exit %d\n%s", code, errOut)
	}
	if _, _, code, _ := r.escarp("threat", "--spec", "missing.yaml", "--no-store"); code != 2 {
		t.Errorf("missing spec: exit %d, want 2", code)
	}
	if _, _, code, _ := r.escarp("threat", "--spec", "openapi.yaml", "--no-store", "--fail-on", "high"); code != 1 {
		t.Errorf("--fail-on high on the lab: exit %d, want 1", code)
	}
	if _, _, code, _ := r.escarp("explain", "ESC-THREAT-I-001"); code != 0 {
		t.Errorf("explain ESC-THREAT-I-001: exit %d", code)
	}
}
