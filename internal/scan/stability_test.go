package scan_test

import (
	"context"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/spec"
)

// timingRules are the checks whose verdict rests on response times.
var timingRules = []string{"ESC-DAST-INJ-001", "ESC-DAST-INJ-003", "ESC-DAST-RATE-004"}

// timingRuns is how many times TestTimingStability scans each lab:
// ESCARP_TIMING_RUNS (20 for the stability measurement), else 2 so the
// regular suite stays fast.
func timingRuns(t *testing.T) int {
	if v := os.Getenv("ESCARP_TIMING_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ESCARP_TIMING_RUNS=%q: want a positive number", v)
		}
		return n
	}
	if testing.Short() {
		t.Skip("timing stability runs without -short (ESCARP_TIMING_RUNS=20 for the full measurement)")
	}
	return 2
}

// TestTimingStability runs the time-based checks against the lab's
// time-based flaws again and again: every run must find each of them, and
// the secure twin must never give a timing false positive.
func TestTimingStability(t *testing.T) {
	runs := timingRuns(t)
	var flaws []lab.Flaw
	for _, f := range lab.Flaws() {
		for _, r := range f.Rules {
			if slices.Contains(timingRules, r) {
				flaws = append(flaws, f)
				break
			}
		}
	}
	if len(flaws) == 0 {
		t.Fatal("the lab has no time-based flaw")
	}
	var ops []string
	for _, f := range flaws {
		ops = append(ops, f.Method+" "+f.Path)
	}
	for _, secure := range []bool{false, true} {
		l, err := lab.New(lab.Options{Secure: secure, Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(l.Handler())
		api, _, err := spec.LoadBytes(context.Background(), "openapi.yaml", lab.Spec(secure), spec.Options{})
		if err != nil {
			t.Fatal(err)
		}
		f, err := config.Parse("escarp.yaml", lab.ScanConfig(srv.URL, secure), os.LookupEnv)
		if err != nil {
			t.Fatal(err)
		}
		misses, falsePositives := 0, 0
		var total time.Duration
		for i := 0; i < runs; i++ {
			var cfg scan.Config
			if err := f.Section("identities", &cfg.Identities); err != nil {
				t.Fatal(err)
			}
			cfg.Checks = timingRules
			cfg.Operations = ops
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			start := time.Now()
			run, err := scan.Run(ctx, api, srv.URL, cfg, list.All())
			total += time.Since(start)
			cancel()
			if err != nil {
				t.Fatalf("run %d (secure=%v): %v", i+1, secure, err)
			}
			for _, fl := range flaws {
				got := hasRule(fl, run.Findings)
				switch {
				case !secure && !got:
					misses++
					t.Errorf("run %d: time-based flaw %s (%s %s) not found", i+1, fl.ID, fl.Method, fl.Path)
				case secure && got:
					falsePositives++
					t.Errorf("run %d: timing false positive on the twin: %s %s", i+1, fl.Method, fl.Path)
				}
			}
		}
		t.Logf("secure=%v: %d runs, %d misses, %d false positives, %s per run", secure, runs, misses, falsePositives,
			(total / time.Duration(runs)).Round(time.Millisecond))
		srv.Close()
		l.Close()
	}
}

// hasRule reports whether one of the flaw's timing rules reported it on its
// operation.
func hasRule(fl lab.Flaw, findings []escarp.Finding) bool {
	for _, f := range findings {
		if f.Location.Method == fl.Method && f.Location.Path == fl.Path && slices.Contains(fl.Rules, f.RuleID) &&
			slices.Contains(timingRules, f.RuleID) {
			return true
		}
	}
	return false
}
