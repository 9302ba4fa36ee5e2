package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
)

// checklistRun assesses the checklist for the lab or its twin from an audit
// of its description and a scan of the checks that decide runtime items.
func checklistRun(t *testing.T, secure bool) map[string]escarp.ChecklistItem {
	t.Helper()
	dir := t.TempDir()
	// A generous request rate keeps the twin's throttling from slowing the
	// scan; the rate-limit check is not among those run here.
	l, err := lab.New(lab.Options{Secure: secure, Dir: t.TempDir(), RequestRate: 5000, RequestBurst: 5000})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(func() { srv.Close(); l.Close() })
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := write("openapi.yaml", lab.Spec(secure))
	cfg := write("escarp.yaml", lab.ScanConfig(srv.URL, secure))
	scan := filepath.Join(dir, "scan.json")
	if _, errOut, err := runScanCLI(t, dir, nil, "scan", "--config", cfg, "--no-store", "-o", scan,
		"--checks", "ESC-DAST-CONF,ESC-DAST-AUTHN,ESC-DAST-INV,ESC-DAST-PROP-003,ESC-DAST-BFLA-001"); err != nil && escarp.KindOf(err) != escarp.Threshold {
		t.Fatalf("scan: %v\n%s", err, errOut)
	}
	out, errOut, err := runScanCLI(t, dir, nil, "checklist", "--spec", spec, "--findings", scan, "--no-store", "--format", "json",
		"-o", filepath.Join(dir, "checklist.md"), "-o", filepath.Join(dir, "checklist.html"))
	if err != nil {
		t.Fatalf("checklist: %v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "escarp can decide 41 (64%)") {
		t.Errorf("the summary does not report the decidable share:\n%s", errOut)
	}
	var rep escarp.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Items) != 64 {
		t.Fatalf("%d items, want the checklist's 64", len(rep.Items))
	}
	md, _ := os.ReadFile(filepath.Join(dir, "checklist.md"))
	html, _ := os.ReadFile(filepath.Join(dir, "checklist.html"))
	if !strings.Contains(string(md), "| 18 | Keep credentials, tokens and keys out of URLs |") || strings.Count(string(html), `<tr class="item"`) != 64 {
		t.Errorf("markdown or HTML checklist incomplete:\n%s", md)
	}
	items := map[string]escarp.ChecklistItem{}
	for _, it := range rep.Items {
		if len(it.Evidence) == 0 {
			t.Errorf("%s %s has no evidence", it.ID, it.Status)
		}
		items[it.ID] = it
	}
	return items
}

// TestChecklistLabAndTwin: the flaws the lab plants fail their checklist
// items, which the secure twin passes; items no rule decides stay unknown
// with the reason.
func TestChecklistLabAndTwin(t *testing.T) {
	vuln, twin := checklistRun(t, false), checklistRun(t, true)
	// Each of these is a planted flaw of the lab, fixed in the twin.
	for _, id := range []string{"ASC-2", "ASC-3", "ASC-10", "ASC-18", "ASC-21", "ASC-28", "ASC-30", "ASC-33", "ASC-35", "ASC-36", "ASC-62", "ASC-63"} {
		if vuln[id].Status != "fail" || twin[id].Status != "pass" {
			t.Errorf("%s %q: lab %s %v, twin %s %v; want fail on the lab and pass on the twin",
				id, vuln[id].Title, vuln[id].Status, vuln[id].Evidence, twin[id].Status, twin[id].Evidence)
		}
	}
	for _, id := range []string{"ASC-1", "ASC-6", "ASC-11"} {
		if vuln[id].Status != "pass" || twin[id].Status != "pass" {
			t.Errorf("%s: lab %s, twin %s; want pass on both", id, vuln[id].Status, twin[id].Status)
		}
	}
	for _, id := range []string{"ASC-9", "ASC-39", "ASC-53"} {
		if twin[id].Status != "unknown" || !strings.HasPrefix(twin[id].Evidence[0], "escarp cannot see this: ") {
			t.Errorf("%s: %s %v; want unknown with the reason", id, twin[id].Status, twin[id].Evidence)
		}
	}
	if vuln["ASC-42"].Status != "unknown" || !strings.Contains(vuln["ASC-42"].Evidence[0], "escarp code") {
		t.Errorf("ASC-42 without a code run: %v, want unknown naming escarp code", vuln["ASC-42"])
	}
}
