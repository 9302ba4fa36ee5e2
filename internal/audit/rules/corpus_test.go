package rules_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/audittest"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/audit/specload"
)

// sharedDir returns ../shared/<sub> relative to the repository root, or
// skips the test when it is absent.
func sharedDir(tb testing.TB, sub string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("no go.mod above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", sub)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("skipping: %s is absent (shared test data)", p)
	}
	return p
}

// corpusEntries lists the entry documents of the OpenAPI corpus (the
// MANIFEST's file column).
func corpusEntries(tb testing.TB) []string {
	dir := sharedDir(tb, "corpus/openapi")
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		file, _, _ := strings.Cut(sc.Text(), "\t")
		if file == "" || file == "file" {
			continue
		}
		out = append(out, filepath.Join(dir, file))
	}
	if len(out) == 0 {
		tb.Fatal("empty corpus manifest")
	}
	return out
}

func TestInlineSuppression(t *testing.T) {
	run := audittest.Audit(t, filepath.Join("testdata", "suppress", "inline.yaml"), rules.All(), audit.Config{})
	type key struct{ rule, pointer string }
	got := make(map[key]string)
	for _, f := range run.Findings {
		if f.Suppressed != nil {
			got[key{f.RuleID, f.Location.Pointer}] = f.Suppressed.Kind + ":" + f.Suppressed.Reason
		}
	}
	want := map[key]string{
		{"ESC-AUTH-003", "/paths/~1health/get"}:                        "inline:public health check",
		{"ESC-AUTH-003", "/paths/~1status/get"}:                        "inline:",
		{"ESC-INPUT-001", "/components/schemas/Order/properties/note"}: "inline:validated by the gateway",
		{"ESC-INPUT-002", "/components/schemas/Order/properties/note"}: "inline:validated by the gateway",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s at %s: suppressed %q, want %q", k.rule, k.pointer, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s at %s: unexpectedly suppressed (%s)", k.rule, k.pointer, v)
		}
	}
	unsuppressed := false
	for _, f := range run.Findings {
		if f.RuleID == "ESC-AUTH-003" && f.Location.Path == "/orders" && f.Suppressed == nil {
			unsuppressed = true
		}
	}
	if !unsuppressed {
		t.Errorf("GET /orders: ESC-AUTH-003 missing or suppressed; only marked elements may be suppressed")
	}
	if len(run.Notes) != 1 || !strings.Contains(run.Notes[0], "ESC-NOPE-999") {
		t.Errorf("notes = %q, want one about the unknown rule ESC-NOPE-999", run.Notes)
	}
}

// TestCorpus audits every spec of the shared OpenAPI corpus with every
// rule: no panic, no rule error, a score in range, and every finding
// located at a line with a JSON pointer.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus audit skipped in -short mode")
	}
	all := rules.All()
	for _, path := range corpusEntries(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			in, _, err := specload.Load(ctx, path)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			run, err := audit.RunInput(ctx, in, all, audit.Config{})
			if err != nil {
				t.Fatalf("audit: %v", err)
			}
			for _, n := range run.Notes {
				if strings.Contains(n, "could not run") {
					t.Errorf("%s", n)
				}
			}
			if s := run.Score; s == nil || s.Overall < 0 || s.Overall > 100 {
				t.Errorf("score = %+v", s)
			}
			seen := make(map[string]bool)
			for _, f := range run.Findings {
				if f.Location.Line < 1 || f.Location.Pointer == "" && !strings.HasPrefix(f.RuleID, "ESC-SPEC-") || f.Location.File == "" {
					t.Errorf("%s: finding without a precise location: %+v", f.RuleID, f.Location)
				}
				if seen[f.Fingerprint] {
					t.Errorf("%s: duplicate fingerprint at %s", f.RuleID, f.Location.Pointer)
				}
				seen[f.Fingerprint] = true
			}
			if testing.Verbose() {
				t.Logf("%d operations, %d findings, score %s", len(in.API.Operations), len(run.Findings), audit.FormatScore(run.Score))
			}
		})
	}
}

// TestVulnerableSpecsScoreLow checks that the deliberately vulnerable APIs
// of the corpus get the findings they are known for.
func TestVulnerableSpecsScoreLow(t *testing.T) {
	dir := sharedDir(t, "corpus/openapi")
	for _, tt := range []struct {
		file  string
		rules []string
	}{
		{"vampi.v30.yaml", []string{"ESC-AUTH-002", "ESC-INPUT-001", "ESC-DATA-004"}},
		{"crapi.v30.json", []string{"ESC-INPUT-001", "ESC-RATE-002"}},
	} {
		run := audittest.Audit(t, filepath.Join(dir, tt.file), rules.All(), audit.Config{})
		have := make(map[string]bool)
		for _, f := range run.Findings {
			have[f.RuleID] = true
		}
		for _, r := range tt.rules {
			if !have[r] {
				t.Errorf("%s: no %s finding", tt.file, r)
			}
		}
		if run.Score.Overall > 60 {
			t.Errorf("%s: score %d, want a vulnerable API to score at most 60", tt.file, run.Score.Overall)
		}
	}
}

// FuzzAudit feeds arbitrary documents to the loader and, when they load,
// to every rule: the audit must never panic or fail.
func FuzzAudit(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	sort.Strings(seeds)
	for _, s := range seeds[:min(len(seeds), 40)] {
		data, err := os.ReadFile(s)
		if err == nil {
			f.Add(data)
		}
	}
	for _, small := range []string{"oai-petstore.v30.yaml", "oai-non-oauth-scopes.v31.yaml", "readme-schema-circular.v2.yaml", "oai-petstore-minimal.v2.json"} {
		if dir, err := findShared("corpus/openapi"); err == nil {
			if data, err := os.ReadFile(filepath.Join(dir, small)); err == nil {
				f.Add(data)
			}
		}
	}
	// Alias bomb and deep nesting: rejected before schema validation turns
	// the document into JSON.
	f.Add([]byte("openapi: 3.0.0\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nx-e: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"))
	f.Add([]byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-deep: " + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + "\n"))
	all := rules.All()
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		in, _, err := specload.LoadBytes(ctx, "fuzz.yaml", data)
		runtime.ReadMemStats(&after)
		// The ceiling: a fixed 96 MB (the schema check compiles the OpenAPI
		// meta-schema) plus 2,000 bytes per input byte. Expanded aliases or
		// deep nesting cost thousands of times the input.
		if got, ceiling := after.TotalAlloc-before.TotalAlloc, 96<<20+2000*uint64(len(data)); got > ceiling {
			t.Fatalf("loading %d bytes allocated %d bytes, over the ceiling of %d", len(data), got, ceiling)
		}
		if err != nil {
			if escarp.KindOf(err) != escarp.Invalid {
				t.Fatalf("load error of kind %v, want Invalid: %v", escarp.KindOf(err), err)
			}
			return
		}
		run, err := audit.RunInput(ctx, in, all, audit.Config{})
		if err != nil {
			t.Fatalf("audit: %v", err)
		}
		for _, n := range run.Notes {
			if strings.Contains(n, "could not run") {
				t.Fatalf("%s", n)
			}
		}
	})
}

// findShared is sharedDir without a testing.TB.
func findShared(sub string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", sub)
	_, err = os.Stat(p)
	return p, err
}

func benchmarkAudit(b *testing.B, path string) {
	all := rules.All()
	ctx := context.Background()
	var loadTime, auditTime time.Duration
	var ms runtime.MemStats
	var peak uint64
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		in, _, err := specload.Load(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := audit.RunInput(ctx, in, all, audit.Config{}); err != nil {
			b.Fatal(err)
		}
		loadTime += t1.Sub(t0)
		auditTime += time.Since(t1)
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(loadTime.Milliseconds())/float64(b.N), "load-ms/op")
	b.ReportMetric(float64(auditTime.Milliseconds())/float64(b.N), "audit-ms/op")
	b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
}

// BenchmarkAuditOpenAI loads and audits the 3 MB OpenAI spec with every
// rule; load and audit times are reported separately.
func BenchmarkAuditOpenAI(b *testing.B) {
	benchmarkAudit(b, filepath.Join(sharedDir(b, "corpus/openapi"), "openai.v31.yaml"))
}

// BenchmarkAuditCorpus loads and audits the whole corpus with every rule.
func BenchmarkAuditCorpus(b *testing.B) {
	entries := corpusEntries(b)
	all := rules.All()
	ctx := context.Background()
	for b.Loop() {
		for _, path := range entries {
			in, _, err := specload.Load(ctx, path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := audit.RunInput(ctx, in, all, audit.Config{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
