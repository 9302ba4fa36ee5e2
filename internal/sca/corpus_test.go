package sca

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCorpusManifests scans the real manifests of ../shared/corpus/osv with
// its own advisories and compares with the matches its expected/ files list.
func TestCorpusManifests(t *testing.T) {
	corpus := corpusOSV(t)
	cache := t.TempDir()
	type match struct{ ID, Pkg, Version string }

	t.Run("npm", func(t *testing.T) {
		var expected map[string][]struct{ ID, Package, Version string }
		readJSON(t, filepath.Join(corpus, "expected", "npm-lockfile-matches.json"), &expected)
		for sample, list := range expected {
			var want []match
			for _, m := range list {
				want = append(want, match{m.ID, m.Package, m.Version})
			}
			res, err := Scan(context.Background(), filepath.Join(corpus, "manifests", "npm", sample), Options{OfflineDB: corpus, Offline: true, CacheDir: cache})
			if err != nil {
				t.Fatal(err)
			}
			var got []match
			for _, f := range res.Run.Findings {
				if f.Location.File == "package-lock.json" {
					got = append(got, match{f.RuleID, f.Package.Name, f.Package.Version})
				}
				if f.Location.Line == 0 {
					t.Errorf("%s: %s %s@%s without a line", sample, f.RuleID, f.Package.Name, f.Package.Version)
				}
			}
			sortMatches(want)
			sortMatches(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", sample, diff)
			}
		}
	})

	t.Run("go", func(t *testing.T) {
		var expected map[string][]struct{ ID, Module, Version string }
		readJSON(t, filepath.Join(corpus, "expected", "go-mod-direct-matches.json"), &expected)
		// For go.mod files older than go 1.17 (kiterunner, vacuum v0.0.1)
		// go.mod is not the full build list and osv-scanner also reads
		// go.sum: every direct match must be found, and more may be.
		for sample, exact := range map[string]bool{"crapi-community": true, "vacuum-head": true, "vacuum-v0.0.1": false, "kiterunner": false} {
			var want []match
			for _, m := range expected[sample] {
				want = append(want, match{m.ID, m.Module, strings.TrimPrefix(m.Version, "v")})
			}
			res, err := Scan(context.Background(), filepath.Join(corpus, "manifests", "go", sample), Options{OfflineDB: corpus, Offline: true, CacheDir: cache, NoReachability: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []match
			for _, f := range res.Run.Findings {
				got = append(got, match{f.RuleID, f.Package.Name, f.Package.Version})
				if f.Location.Line == 0 {
					t.Errorf("%s: %s %s without a line", sample, f.RuleID, f.Package.Name)
				}
			}
			sortMatches(want)
			sortMatches(got)
			if exact {
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", sample, diff)
				}
				continue
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: direct match %v not found", sample, w)
				}
			}
		}
	})
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func sortMatches[T any](s []T) {
	sort.Slice(s, func(i, j int) bool { return cmpString(s[i]) < cmpString(s[j]) })
}

func cmpString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
