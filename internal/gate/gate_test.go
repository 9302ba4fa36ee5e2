package gate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/spec"
)

func TestConfigSection(t *testing.T) {
	const doc = `ci:
  fail_on: medium
  max_new: 5
  stages:
    - audit
    - name: scan
      fail_on: critical
      max_new: 0
  baseline: b.json
`
	f, err := config.Parse("escarp.yaml", []byte(doc), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	if err := f.Section("ci", &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"audit", "scan"}, c.StageNames()); diff != "" {
		t.Error(diff)
	}
	tests := []struct {
		stage string
		want  Limits
	}{
		{"audit", Limits{FailOn: escarp.SeverityMedium, MinScore: -1, MaxNew: 5}},
		{"scan", Limits{FailOn: escarp.SeverityCritical, MinScore: -1, MaxNew: 0}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, c.For(tt.stage)); diff != "" {
			t.Errorf("%s: %s", tt.stage, diff)
		}
	}
	if got := (&Config{}).For("audit"); got.FailOn != escarp.SeverityHigh {
		t.Errorf("default fail_on %v, want high", got.FailOn)
	}

	bad := []struct{ doc, want string }{
		{"ci:\n  stages: [nosuch]\n", "unknown stage"},
		{"ci:\n  stages: [{name: scan, fail_at: high}]\n", "fail_at"},
		{"ci:\n  fail_on: severe\n", "unknown severity"},
		{"ci:\n  stages: [audit, audit]\n", "twice"},
		{"ci:\n  min_score: 200\n", "min_score"},
	}
	for _, tt := range bad {
		f, err := config.Parse("escarp.yaml", []byte(tt.doc), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		var c Config
		err = f.Section("ci", &c)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || escarp.KindOf(err) != escarp.Invalid {
			t.Errorf("%q: error %v, want Invalid containing %q", tt.doc, err, tt.want)
		}
	}
}

func finding(rule, method, path, pointer string, sev escarp.Severity) escarp.Finding {
	f := escarp.Finding{RuleID: rule, Kind: escarp.KindDAST, Severity: sev,
		Location: escarp.Location{Method: method, Path: path, Pointer: pointer}}
	if pointer != "" {
		f.Kind = escarp.KindAudit
	}
	f.SetFingerprint()
	return f
}

func TestSuppressions(t *testing.T) {
	sqli := finding("ESC-DAST-INJ-001", "GET", "/search", "", escarp.SeverityCritical)
	tls := finding("ESC-TLS-001", "", "", "/servers/0/url", escarp.SeverityHigh)
	doc := fmt.Sprintf(`suppressions:
  - rule: ESC-DAST-INJ-001
    operation: get /search
    reason: fixed by the query builder
    owner: search
    expires: 2026-12-31
  - rule: ESC-TLS-001
    pointer: /servers
    reason: loopback lab
  - fingerprint: %s
    stage: scan
    reason: accepted
  - rule: ESC-THREAT-T-001
    operation: PUT /orders/{id}
    stage: threat
    state: in-progress
    ticket: SEC-42
    reason: ownership check lands next sprint
`, sqli.Fingerprint)
	s, err := ParseSuppressions("s.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	before := time.Date(2026, 12, 30, 23, 0, 0, 0, time.UTC)
	on := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		entry int
		stage string
		f     escarp.Finding
		want  bool
	}{
		{0, "scan", sqli, true},
		{0, "scan", tls, false},
		{1, "audit", tls, true},
		{1, "audit", sqli, false},
		{2, "scan", sqli, true},
		{2, "audit", sqli, false},
	}
	for _, tt := range tests {
		if got := s.Entries[tt.entry].Matches(tt.stage, &tt.f); got != tt.want {
			t.Errorf("entry %d on %s in %s: %v, want %v", tt.entry, tt.f.RuleID, tt.stage, got, tt.want)
		}
	}
	if s.Entries[0].Expired(before) || !s.Entries[0].Expired(on) || s.Entries[1].Expired(on.AddDate(50, 0, 0)) {
		t.Error("expiry: a suppression applies before its expiry date and stops on it; none without a date")
	}
	if s.Entries[0].State != StateAccepted || s.Entries[3].State != StateInProgress || s.Entries[3].Ticket != "SEC-42" {
		t.Errorf("states: %q %q %q, want accepted by default, in-progress with its ticket", s.Entries[0].State, s.Entries[3].State, s.Entries[3].Ticket)
	}
	if s.Entries[0].Line != 2 {
		t.Errorf("line %d, want 2", s.Entries[0].Line)
	}

	bad := []struct{ doc, want string }{
		{"suppressions:\n  - rule: X\n    operation: GET /a\n", "s.yaml:2:5: suppression without a reason"},
		{"suppressions:\n  - rule: X\n    reason: r\n", "alone"},
		{"suppressions:\n  - reason: r\n", "matches nothing"},
		{"suppressions:\n  - rule: X\n    operation: /a\n    reason: r\n", "METHOD /path"},
		{"suppressions:\n  - rule: X\n    pointer: /a\n    reason: r\n    expires: soon\n", "YYYY-MM-DD"},
		{"suppressions:\n  - rule: X\n    pointer: /a\n    reason: r\n    until: 2026-01-01\n", "unknown field \"until\""},
		{"suppressions:\n  - rule: X\n    pointer: /a\n    reason: r\n    state: ignored\n", "state \"ignored\""},
		{"suppressions:\n  - rule: X\n    pointer: /a\n    reason: r\n    stage: deploy\n", "stage \"deploy\""},
	}
	for _, tt := range bad {
		_, err := ParseSuppressions("s.yaml", []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) || escarp.KindOf(err) != escarp.Invalid {
			t.Errorf("%q: %v, want Invalid containing %q", tt.doc, err, tt.want)
		}
	}
	if s, err := ParseSuppressions("empty.yaml", nil); err != nil || len(s.Entries) != 0 {
		t.Errorf("empty file: %v %v", s, err)
	}
	if _, err := LoadSuppressions(filepath.Join(t.TempDir(), "none.yaml"), true); err != nil {
		t.Errorf("optional missing file: %v", err)
	}
	if _, err := LoadSuppressions(filepath.Join(t.TempDir(), "none.yaml"), false); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("required missing file: %v", err)
	}
}

func TestDecide(t *testing.T) {
	old := finding("ESC-DAST-BOLA-001", "GET", "/a/{id}", "", escarp.SeverityHigh)
	gone := finding("ESC-DAST-BOLA-001", "GET", "/gone/{id}", "", escarp.SeverityHigh)
	auditOld := finding("ESC-AUTH-001", "", "", "/paths/~1a", escarp.SeverityHigh)
	newCrit := finding("ESC-DAST-INJ-001", "GET", "/search", "", escarp.SeverityCritical)
	newLow := finding("ESC-DAST-MISC-001", "GET", "/search", "", escarp.SeverityLow)

	base := NewBaseline()
	base.Record(&escarp.Run{Engine: "scan", Findings: []escarp.Finding{old, gone}})
	base.Record(&escarp.Run{Engine: "audit", Findings: []escarp.Finding{auditOld}})
	path := filepath.Join(t.TempDir(), ".escarp", "baseline.json")
	if err := base.Save(path); err != nil {
		t.Fatal(err)
	}
	base, ok, err := LoadBaseline(path)
	if err != nil || !ok {
		t.Fatalf("LoadBaseline: %v %v", ok, err)
	}

	// Only the scan stage runs: audit's baseline entry is not "fixed".
	run := &escarp.Run{Engine: "scan", Findings: []escarp.Finding{newLow, old, newCrit}}
	d := Decide([]*escarp.Run{run}, &Config{}, base, nil, time.Now())
	if len(d.Stages) != 1 {
		t.Fatalf("%d stages", len(d.Stages))
	}
	st := d.Stages[0]
	var newRules, fixed []string
	for _, f := range st.New {
		newRules = append(newRules, f.RuleID)
	}
	for _, e := range st.Fixed {
		fixed = append(fixed, e.Where)
	}
	if diff := cmp.Diff([]string{"ESC-DAST-INJ-001", "ESC-DAST-MISC-001"}, newRules); diff != "" {
		t.Errorf("new (most severe first): %s", diff)
	}
	if diff := cmp.Diff([]string{"GET /gone/{id}"}, fixed); diff != "" {
		t.Errorf("fixed: %s", diff)
	}
	if st.Baselined != 1 || run.Findings[1].Suppressed == nil || run.Findings[1].Suppressed.Kind != KindBaseline {
		t.Errorf("baselined %d, marked %+v", st.Baselined, run.Findings[1].Suppressed)
	}
	err = d.Err()
	var ee *escarp.Error
	if !errors.As(err, &ee) || ee.Kind != escarp.Threshold || escarp.ExitCode(err) != 1 {
		t.Fatalf("Err() = %v, want Threshold", err)
	}
	if !strings.Contains(ee.Message, "critical ESC-DAST-INJ-001 at GET /search") || strings.Contains(ee.Message, "/a/{id}") {
		t.Errorf("message %q should name the new finding only", ee.Message)
	}

	// Thresholds: fail_on critical with max_new 1 fails on the count.
	one := 1
	cfg := &Config{Thresholds: Thresholds{FailOn: "critical", MaxNew: &one}}
	d = Decide([]*escarp.Run{{Engine: "scan", Findings: []escarp.Finding{newLow, newLow}}}, cfg, base, nil, time.Now())
	if d.Passed() || !strings.Contains(d.Err().Error(), "more than max_new 1") {
		t.Errorf("max_new: %v", d.Err())
	}
	// min_score on the audit stage.
	ms := 80
	cfg = &Config{Stages: []Stage{{Name: "audit", Thresholds: Thresholds{MinScore: &ms}}}}
	d = Decide([]*escarp.Run{{Engine: "audit", Score: &escarp.Score{Overall: 70}, Findings: []escarp.Finding{auditOld}}}, cfg, base, nil, time.Now())
	if d.Passed() || !strings.Contains(d.Err().Error(), "score 70 is below min_score 80") {
		t.Errorf("min_score: %v", d.Err())
	}

	// A suppression passes the gate until it expires; re-deciding resets
	// the marks.
	sup, err := ParseSuppressions("s.yaml", []byte("suppressions:\n  - rule: ESC-DAST-INJ-001\n    operation: GET /search\n    reason: r\n    expires: 2027-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	run = &escarp.Run{Engine: "scan", Findings: []escarp.Finding{old, newCrit}}
	d = Decide([]*escarp.Run{run}, &Config{}, base, sup, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if !d.Passed() || len(d.Expired) != 0 || run.Findings[1].Suppressed == nil || run.Findings[1].Suppressed.Kind != KindFile {
		t.Errorf("live suppression: passed %v, expired %v, mark %+v", d.Passed(), d.Expired, run.Findings[1].Suppressed)
	}
	d = Decide([]*escarp.Run{run}, &Config{}, base, sup, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if d.Passed() || len(d.Expired) != 1 || run.Findings[1].Suppressed != nil {
		t.Errorf("expired suppression: passed %v, expired %v, mark %+v", d.Passed(), d.Expired, run.Findings[1].Suppressed)
	}

	// Record leaves file-suppressed findings out of the baseline.
	Decide([]*escarp.Run{run}, &Config{}, base, sup, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	b2 := NewBaseline()
	b2.Record(run)
	if b2.Contains("scan", newCrit.Fingerprint) || !b2.Contains("scan", old.Fingerprint) {
		t.Errorf("recorded %v", b2.Stages["scan"])
	}
}

// shop is a tiny API with one SQL injection whose error message carries
// volatile values (a request id and the time).
func shop() http.Handler {
	mux := http.NewServeMux()
	n := 0
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		n++
		if strings.Count(r.URL.Query().Get("q"), "'")%2 == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `request %d at %s: SQL logic error: near "'": syntax error`, n, time.Now().Format(time.RFC3339Nano))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `[{"id":%d}]`, n)
	})
	return mux
}

const shopSpec = `openapi: 3.1.0
info: {title: shop, version: "1"}
paths:
  /search:
    get:
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
      responses:
        "200": {description: ok}
`

// TestFingerprintsSurviveRestarts scans two instances of an API on two
// ports, with fresh data: the fingerprints, and so the baseline, are the
// same, whatever the order of the findings.
func TestFingerprintsSurviveRestarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	api, _, err := spec.LoadBytes(ctx, "shop.yaml", []byte(shopSpec), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var sets [][]string
	for range 2 {
		srv := httptest.NewServer(shop())
		run, err := scan.Run(ctx, api, srv.URL, scan.Config{Rate: -1, Checks: []string{"ESC-DAST-INJ-001"}, NoCallback: true}, list.All())
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(run.Findings)
		b := NewBaseline()
		b.Record(run)
		var fps []string
		for _, e := range b.Stages["scan"] {
			fps = append(fps, e.Fingerprint)
		}
		sets = append(sets, fps)
	}
	if len(sets[0]) == 0 {
		t.Fatal("the scan found nothing")
	}
	if diff := cmp.Diff(sets[0], sets[1]); diff != "" {
		t.Errorf("fingerprints differ between two instances on two ports: %s", diff)
	}
}
