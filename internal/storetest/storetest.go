// Package storetest is the conformance suite every escarp store passes, in
// the spirit of testing/fstest: internal/sqlite and internal/postgres both
// call [Run] with a function that opens a fresh, empty store.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

// Store is what the suite exercises: a consumer-side composite of the root
// store contracts.
type Store interface {
	escarp.FindingStore
	escarp.InventoryStore
	escarp.LearnStore
}

// Run runs the conformance suite. open must return a fresh, empty store for
// each call; the suite closes nothing itself (register clean-up in open).
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("PutScanRoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, open(t)) })
	t.Run("History", func(t *testing.T) { testHistory(t, open(t)) })
	t.Run("Conflict", func(t *testing.T) { testConflict(t, open(t)) })
	t.Run("HostileValues", func(t *testing.T) { testHostile(t, open(t)) })
	t.Run("Inventory", func(t *testing.T) { testInventory(t, open(t)) })
	t.Run("TemplateRules", func(t *testing.T) { testTemplateRules(t, open(t)) })
	t.Run("Snapshots", func(t *testing.T) { testSnapshots(t, open(t)) })
	t.Run("LessonProgress", func(t *testing.T) { testLessonProgress(t, open(t)) })
}

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

func finding(rule string, sev escarp.Severity, method, path string) escarp.Finding {
	f := escarp.Finding{RuleID: rule, Title: rule + " title", Kind: escarp.KindDAST, Severity: sev,
		Confidence: escarp.ConfidenceHigh, OWASP: "API1:2023", CWE: []string{"CWE-639"},
		Message:  "found on " + method + " " + path,
		Location: escarp.Location{Method: method, Path: path, File: "openapi.yaml", Line: 12, Column: 5},
		Evidence: &escarp.Evidence{Request: &escarp.HTTPMessage{Method: method, URL: "http://127.0.0.1/x"},
			Response: &escarp.HTTPMessage{Status: 200, Body: `{"id":1}`}},
		Reproducer: "curl -i http://127.0.0.1/x", References: []string{"https://owasp.org/API-Security/"}}
	f.SetFingerprint()
	return f
}

func testRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()
	sc := &escarp.Scan{Engine: escarp.EngineScan, Target: "http://127.0.0.1:8080", Spec: "openapi.yaml",
		StartedAt: t0, FinishedAt: t0.Add(3 * time.Second), Stats: map[string]int64{"requests": 420},
		Score: &escarp.Score{Overall: 71, Themes: map[string]int{"authentication": 60}}}
	fs := []escarp.Finding{
		finding("ESC-DAST-BOLA-001", escarp.SeverityHigh, "GET", "/users/{id}"),
		finding("ESC-DAST-CONF-002", escarp.SeverityLow, "", ""),
	}
	sup := finding("ESC-DAST-AUTHN-001", escarp.SeverityCritical, "GET", "/health")
	sup.Suppressed = &escarp.Suppression{Kind: "file", Reason: "public by design", Owner: "team-a", Expires: "2027-01-01"}
	fs = append(fs, sup)
	if err := s.PutScan(ctx, sc, fs); err != nil {
		t.Fatalf("PutScan: %v", err)
	}
	if sc.ID == "" {
		t.Fatal("PutScan did not assign an id")
	}
	if got, want := sc.Counts, map[escarp.Severity]int{escarp.SeverityHigh: 1, escarp.SeverityLow: 1}; !cmp.Equal(got, want) {
		t.Errorf("Counts = %v, want %v (suppressed findings do not count)", got, want)
	}
	scans, total, err := s.FindScans(ctx, escarp.ScanFilter{})
	if err != nil || total != 1 || len(scans) != 1 {
		t.Fatalf("FindScans = %d scans, total %d, %v", len(scans), total, err)
	}
	if diff := cmp.Diff(sc, scans[0]); diff != "" {
		t.Errorf("stored scan differs (-put +found):\n%s", diff)
	}
	got, total, err := s.FindFindings(ctx, escarp.FindingFilter{ScanID: sc.ID})
	if err != nil || total != 3 {
		t.Fatalf("FindFindings total = %d, %v", total, err)
	}
	want := []escarp.Finding{fs[2], fs[0], fs[1]} // most severe first
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored findings differ (-want +got):\n%s", diff)
	}
}

func testFilters(t *testing.T, s Store) {
	ctx := context.Background()
	for i, eng := range []string{escarp.EngineAudit, escarp.EngineScan, escarp.EngineScan} {
		sc := &escarp.Scan{Engine: eng, Target: fmt.Sprintf("t%d", i), StartedAt: t0.Add(time.Duration(i) * time.Hour), FinishedAt: t0}
		fs := []escarp.Finding{
			finding("ESC-DAST-BOLA-001", escarp.SeverityHigh, "GET", "/a"),
			finding("ESC-DAST-CONF-002", escarp.SeverityInfo, "GET", "/b"),
		}
		if err := s.PutScan(ctx, sc, fs); err != nil {
			t.Fatalf("PutScan: %v", err)
		}
	}
	tests := []struct {
		name string
		f    escarp.FindingFilter
		want int
	}{
		{"all", escarp.FindingFilter{}, 6},
		{"engine", escarp.FindingFilter{Engine: escarp.EngineScan}, 4},
		{"rule", escarp.FindingFilter{RuleID: "ESC-DAST-CONF-002"}, 3},
		{"severity", escarp.FindingFilter{MinSeverity: escarp.SeverityMedium}, 3},
		{"limit", escarp.FindingFilter{Limit: 2}, 6},
	}
	for _, tt := range tests {
		got, total, err := s.FindFindings(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if total != tt.want {
			t.Errorf("%s: total = %d, want %d", tt.name, total, tt.want)
		}
		if tt.f.Limit > 0 && len(got) != tt.f.Limit {
			t.Errorf("%s: %d findings, want limit %d", tt.name, len(got), tt.f.Limit)
		}
	}
	scans, total, err := s.FindScans(ctx, escarp.ScanFilter{Engine: escarp.EngineScan})
	if err != nil || total != 2 {
		t.Fatalf("FindScans(scan) total = %d, %v", total, err)
	}
	if !scans[0].StartedAt.After(scans[1].StartedAt) {
		t.Errorf("scans not newest first: %v then %v", scans[0].StartedAt, scans[1].StartedAt)
	}
	page, _, err := s.FindScans(ctx, escarp.ScanFilter{Limit: 1, Offset: 1})
	if err != nil || len(page) != 1 || page[0].Target != "t1" {
		t.Errorf("FindScans page 2 = %v, %v", page, err)
	}
}

func testHistory(t *testing.T, s Store) {
	ctx := context.Background()
	old := finding("ESC-DAST-BOLA-001", escarp.SeverityHigh, "GET", "/a")
	for i := 0; i < 3; i++ {
		fs := []escarp.Finding{old}
		if i == 2 {
			fs = append(fs, finding("ESC-DAST-INJ-001", escarp.SeverityCritical, "GET", "/search"))
		}
		sc := &escarp.Scan{Engine: escarp.EngineScan, StartedAt: t0.Add(time.Duration(i) * 24 * time.Hour), FinishedAt: t0}
		if err := s.PutScan(ctx, sc, fs); err != nil {
			t.Fatal(err)
		}
	}
	newer := finding("ESC-DAST-INJ-001", escarp.SeverityCritical, "GET", "/search")
	seen, err := s.FirstSeen(ctx, []string{old.Fingerprint, newer.Fingerprint, "never"})
	if err != nil {
		t.Fatal(err)
	}
	if !seen[old.Fingerprint].Equal(t0) || !seen[newer.Fingerprint].Equal(t0.Add(48*time.Hour)) {
		t.Errorf("FirstSeen = %v", seen)
	}
	if _, ok := seen["never"]; ok {
		t.Error("FirstSeen reports a fingerprint never recorded")
	}
	got, total, err := s.FindFindings(ctx, escarp.FindingFilter{Fingerprint: old.Fingerprint})
	if err != nil || total != 3 || len(got) != 3 {
		t.Errorf("history of one fingerprint = %d (%d), %v", len(got), total, err)
	}
}

func testConflict(t *testing.T, s Store) {
	ctx := context.Background()
	sc := &escarp.Scan{ID: "fixed-id", Engine: escarp.EngineAudit, StartedAt: t0, FinishedAt: t0}
	if err := s.PutScan(ctx, sc, nil); err != nil {
		t.Fatal(err)
	}
	again := &escarp.Scan{ID: "fixed-id", Engine: escarp.EngineAudit, StartedAt: t0, FinishedAt: t0}
	err := s.PutScan(ctx, again, []escarp.Finding{finding("R", escarp.SeverityLow, "GET", "/")})
	if escarp.KindOf(err) != escarp.Conflict {
		t.Fatalf("duplicate scan id: err = %v, want Conflict", err)
	}
	// The failed transaction left nothing behind.
	if _, total, _ := s.FindFindings(ctx, escarp.FindingFilter{}); total != 0 {
		t.Errorf("failed PutScan left %d findings", total)
	}
}

func testHostile(t *testing.T, s Store) {
	ctx := context.Background()
	evil := finding("ESC-DAST-INJ-001", escarp.SeverityHigh, "GET", "/x'; DROP TABLE scans; --")
	evil.Message = "quote ' double \" backslash \\ nul-free unicode ✓ 🎯"
	sc := &escarp.Scan{Engine: "scan' OR '1'='1", Target: "http://127.0.0.1/?q=' OR 1=1", StartedAt: t0, FinishedAt: t0}
	if err := s.PutScan(ctx, sc, []escarp.Finding{evil}); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.FindFindings(ctx, escarp.FindingFilter{Engine: sc.Engine})
	if err != nil || len(got) != 1 {
		t.Fatalf("FindFindings = %d, %v", len(got), err)
	}
	if diff := cmp.Diff(evil, got[0]); diff != "" {
		t.Errorf("hostile finding changed (-want +got):\n%s", diff)
	}
	if scans, _, err := s.FindScans(ctx, escarp.ScanFilter{}); err != nil || len(scans) != 1 {
		t.Errorf("scans table damaged: %d, %v", len(scans), err)
	}
}
