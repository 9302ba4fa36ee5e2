package scan_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check/authn"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/scan/wildtest"
	"github.com/escarp/escarp/internal/spec"
)

// wildResult is the measure of one fixture variant's scan.
type wildResult struct {
	run      *escarp.Run
	found    []string // documented flaws found
	missed   []string
	stray    []string // findings (low or above) that match no documented flaw
	unsafe   []string
	alive    error
	duration time.Duration
}

// wildScan scans one variant of fx at default settings with every
// built-in check, as `escarp scan` with the fixture's escarp.yaml would.
func wildScan(t *testing.T, fx *wildtest.Fixture, vulnerable bool, tune func(*scan.Config)) wildResult {
	t.Helper()
	target := fx.New(vulnerable)
	srv := httptest.NewServer(target)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	api, _, err := spec.LoadBytes(ctx, fx.SpecName, fx.Spec, spec.Options{})
	if err != nil {
		t.Fatalf("%s: %v", fx.Name, err)
	}
	f, err := config.Parse("escarp.yaml", fx.Config(srv.URL), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	var cfg scan.Config
	if err := f.Section("identities", &cfg.Identities); err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() && os.Getenv("ESCARP_WILD_PROGRESS") != "" {
		cfg.Progress = os.Stderr
	}
	if tune != nil {
		tune(&cfg)
	}
	start := time.Now()
	run, err := scan.Run(ctx, api, srv.URL, cfg, list.With(list.Options{JWTWordlist: jwtWordlist(t)}))
	res := wildResult{run: run, duration: time.Since(start), unsafe: target.Unsafe(), alive: target.Alive()}
	if run == nil {
		t.Fatalf("%s (vulnerable=%v): %v", fx.Name, vulnerable, err)
	}
	if err != nil {
		t.Logf("%s (vulnerable=%v): scan error: %v", fx.Name, vulnerable, err)
	}
	flaws := fx.Flaws
	if !vulnerable {
		flaws = nil
	}
	for _, fl := range flaws {
		if fl.FoundIn(run.Findings) {
			res.found = append(res.found, fl.ID)
		} else {
			res.missed = append(res.missed, fl.ID)
		}
	}
	for _, x := range run.Findings {
		if x.Severity < escarp.SeverityLow {
			continue
		}
		matched := false
		for _, fl := range flaws {
			matched = matched || fl.Matches(x)
		}
		if !matched {
			res.stray = append(res.stray, fmt.Sprintf("%s %s on %s: %s", x.Severity, x.RuleID, x.Location.Operation(), firstLine(x.Message)))
		}
	}
	return res
}

var (
	wordlistOnce sync.Once
	wordlist     []string
)

// jwtWordlist returns the public list of seen JWT secrets from
// ../shared/corpus, or nil (with one log line) when it is absent.
func jwtWordlist(t *testing.T) []string {
	wordlistOnce.Do(func() {
		words, err := authn.LoadWordlist(filepath.Join("..", "..", "..", "shared", "corpus", "wordlists", "jwt-secrets.txt"))
		if err != nil {
			t.Logf("no JWT wordlist (%v): the wordlist-only key is not expected", err)
			return
		}
		wordlist = words
	})
	return wordlist
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 140 {
		s = s[:140] + "…"
	}
	return s
}

// wildFloor is the recall each fixture must keep (documented flaws found);
// it only goes up.
var wildFloor = map[string]int{"flaskenv": 7, "fastshop": 8, "handles": 8, "okfalse": 7}

// TestWild scans every fixture written in a style unlike the lab, and its
// fixed twin. It logs recall and false positives per fixture and requires
// the recall floor, no finding on a twin, and a safe scan: no destructive
// or credential-changing call on configured identities, which can still
// log in afterwards.
func TestWild(t *testing.T) {
	if testing.Short() {
		t.Skip("wild fixture scans skipped in -short mode")
	}
	var summary []string
	for _, fx := range wildtest.All() {
		t.Run(fx.Name, func(t *testing.T) {
			v := wildScan(t, fx, true, nil)
			twin := wildScan(t, fx, false, nil)
			line := fmt.Sprintf("%-9s recall %d/%d, FP vulnerable %d, FP twin %d, requests %d+%d, %s+%s",
				fx.Name, len(v.found), len(fx.Flaws), len(v.stray), len(twin.stray),
				v.run.Stats["requests"], twin.run.Stats["requests"],
				v.duration.Round(time.Millisecond), twin.duration.Round(time.Millisecond))
			summary = append(summary, line)
			t.Log(line)
			t.Logf("found: %v\nmissed: %v", v.found, v.missed)
			for _, s := range v.stray {
				t.Logf("vulnerable, no documented flaw: %s", s)
			}
			for _, s := range twin.stray {
				t.Errorf("fixed twin: %s", s)
			}
			if len(v.found) < wildFloor[fx.Name] {
				t.Errorf("recall %d below the floor %d", len(v.found), wildFloor[fx.Name])
			}
			for _, r := range []wildResult{v, twin} {
				for _, u := range r.unsafe {
					t.Errorf("unsafe: %s", u)
				}
				if r.alive != nil {
					t.Errorf("after the scan: %v", r.alive)
				}
			}
			if testing.Verbose() {
				t.Logf("notes (vulnerable):\n  %s", notes(v.run))
				t.Logf("notes (twin):\n  %s", notes(twin.run))
			}
		})
	}
	t.Logf("summary:\n  %s", strings.Join(summary, "\n  "))
}
