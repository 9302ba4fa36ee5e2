package code

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

func fake(name string, run *escarp.Run, err error) Engine {
	return Engine{Name: name, Scan: func(context.Context, string) (*escarp.Run, error) { return run, err }}
}

func TestRunMergesAndKeepsGoingAfterAFailure(t *testing.T) {
	sast := &escarp.Run{
		Rules:    []escarp.RuleInfo{{ID: "ESC-SAST-SQLI-001"}, {ID: "gosec:G101"}},
		Findings: []escarp.Finding{{RuleID: "ESC-SAST-SQLI-001", Kind: escarp.KindSAST, Location: escarp.Location{File: "a.go", Line: 3}}},
		Notes:    []string{"skipped b.go"},
		Stats:    map[string]int64{"packages": 2},
	}
	offline := &escarp.Error{Kind: escarp.Unavailable, Message: "cannot reach osv.dev"}
	secrets := &escarp.Run{
		Rules:    []escarp.RuleInfo{{ID: "gitleaks:aws-access-token"}, {ID: "ESC-SAST-SQLI-001"}},
		Findings: []escarp.Finding{{RuleID: "gitleaks:aws-access-token", Kind: escarp.KindSecret, Location: escarp.Location{File: "c.go", Line: 9}}},
	}
	run, err := Run(context.Background(), "/src", []Engine{fake(EngineSAST, sast, nil), fake(EngineSCA, nil, offline), fake(EngineSecrets, secrets, nil)})
	if !errors.Is(err, offline) {
		t.Fatalf("error = %v, want the SCA engine's", err)
	}
	if run.Engine != escarp.EngineCode || run.Target != "/src" {
		t.Errorf("run = %s %s", run.Engine, run.Target)
	}
	var ids []string
	for _, r := range run.Rules {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"ESC-SAST-SQLI-001", "gosec:G101", "gitleaks:aws-access-token"}, ids); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if len(run.Findings) != 2 {
		t.Errorf("findings = %d, want 2", len(run.Findings))
	}
	wantNotes := []string{"sast: skipped b.go", "sca: could not complete: cannot reach osv.dev"}
	if diff := cmp.Diff(wantNotes, run.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if run.Stats["sast.packages"] != 2 {
		t.Errorf("stats = %v", run.Stats)
	}
}

func TestRunStopsOnInvalidInput(t *testing.T) {
	bad := escarp.InvalidAt(escarp.Position{File: "go.mod", Line: 3}, "bad module line")
	called := false
	later := Engine{Name: EngineSecrets, Scan: func(context.Context, string) (*escarp.Run, error) { called = true; return nil, nil }}
	_, err := Run(context.Background(), ".", []Engine{fake(EngineSAST, nil, bad), later})
	if escarp.KindOf(err) != escarp.Invalid || called {
		t.Fatalf("err = %v (kind %v), later engine called %v", err, escarp.KindOf(err), called)
	}
}

func TestDedupeGosecCredentialUnderGitleaks(t *testing.T) {
	in := []escarp.Finding{
		{RuleID: "gosec:G101", Location: escarp.Location{File: "cfg.go", Line: 4}},
		{RuleID: "gosec:G101", Location: escarp.Location{File: "cfg.go", Line: 8}},
		{RuleID: "gitleaks:aws-access-token", Location: escarp.Location{File: "cfg.go", Line: 4}},
	}
	out := dedupe(in)
	var got []string
	for _, f := range out {
		got = append(got, f.RuleID+"@"+f.Location.File+":"+strconv.Itoa(f.Location.Line)+" also="+f.Properties["also"])
	}
	want := []string{"gosec:G101@cfg.go:8 also=", "gitleaks:aws-access-token@cfg.go:4 also=gosec:G101"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRebaseKeepsFingerprintsIndependentOfTheWorkingDirectory(t *testing.T) {
	repo := t.TempDir()
	root := filepath.Join(repo, "svc")
	mk := func() *escarp.Run {
		return &escarp.Run{Findings: []escarp.Finding{{
			RuleID: "ESC-SAST-SQLI-001", Kind: escarp.KindSAST, Hash: "abc",
			Location: escarp.Location{File: "store/db.go", Line: 12},
			Flows:    [][]escarp.Location{{{File: "api/h.go", Line: 3}, {File: "store/db.go", Line: 12}}},
		}}}
	}
	fromRepo, fromSub := mk(), mk()
	Rebase(fromRepo, root, repo, repo)
	Rebase(fromSub, root, filepath.Join(root, "store"), repo)
	if got := fromRepo.Findings[0].Location.File; got != "svc/store/db.go" {
		t.Errorf("from the repository root: file %q", got)
	}
	if got := fromSub.Findings[0].Location.File; got != "db.go" {
		t.Errorf("from svc/store: file %q", got)
	}
	if got := fromSub.Findings[0].Flows[0][0].File; got != "../api/h.go" {
		t.Errorf("flow step file %q", got)
	}
	if a, b := fromRepo.Findings[0].Fingerprint, fromSub.Findings[0].Fingerprint; a == "" || a != b {
		t.Errorf("fingerprints differ by working directory: %q vs %q", a, b)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, ""},
		{Config{Engines: []string{"sast", "secrets"}, FailOn: "high", Exclude: []string{"testdata/*"}}, ""},
		{Config{Engines: []string{"dast"}}, `unknown engine "dast"`},
		{Config{FailOn: "severe"}, "code.fail_on"},
		{Config{Exclude: []string{"["}}, "bad glob"},
	} {
		err := c.cfg.Validate()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: err = %v, want %q", c.cfg, err, c.want)
		}
	}
	if !(Config{}).Enabled(EngineSCA) || (Config{Engines: []string{"sast"}}).Enabled(EngineSCA) {
		t.Error("Enabled")
	}
}
