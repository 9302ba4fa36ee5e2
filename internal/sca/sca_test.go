package sca

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"testing"

	"github.com/escarp/escarp"
	"github.com/google/go-cmp/cmp"
)

// corpusOSV returns ../shared/corpus/osv (found by walking up to go.mod),
// or skips the test when the shared corpus is absent.
func corpusOSV(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "corpus", "osv")
			if _, err := os.Stat(p); err != nil {
				t.Skip("../shared/corpus/osv absent")
			}
			return p
		}
		dir = filepath.Dir(dir)
	}
	t.Skip("../shared/corpus/osv absent")
	return ""
}

// osvDir copies the corpus's Go and npm advisories and testdata/osvdb into
// one temporary directory of OSV files, as a user's --offline-db would be.
func osvDir(t testing.TB) string {
	t.Helper()
	corpus := corpusOSV(t)
	out := t.TempDir()
	copyTree(t, filepath.Join(corpus, "go"), filepath.Join(out, "corpus-go"))
	copyTree(t, filepath.Join(corpus, "npm"), filepath.Join(out, "corpus-npm"))
	copyTree(t, filepath.Join("testdata", "osvdb"), filepath.Join(out, "escarp"))
	return out
}

func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// key is what a test asserts of one SCA finding.
type key struct {
	ID, Pkg, Version, Severity, File string
	Line                             int
	Reach                            string
}

func keys(fs []escarp.Finding) []key {
	var out []key
	for _, f := range fs {
		k := key{ID: f.RuleID, Severity: f.Severity.String(), File: f.Location.File, Line: f.Location.Line, Reach: f.Properties["reachability"]}
		if f.Package != nil {
			k.Pkg, k.Version = f.Package.Name, f.Package.Version
		}
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.ID < b.ID
	})
	return out
}

// lockfileWant is the exact set of findings in testdata/lockfiles: npm and
// Go from ../shared/corpus/osv, the other ecosystems from testdata/osvdb.
// govulncheck cannot analyse the Go fixture (a go.mod without code), so its
// advisories keep their full severity with reachability "unknown".
var lockfileWant = []key{
	{"GO-2020-0017", "github.com/dgrijalva/jwt-go", "3.2.0+incompatible", "high", "go/go.mod", 6, "unknown"},
	{"GO-2021-0113", "golang.org/x/text", "0.3.3", "high", "go/go.mod", 7, "unknown"},
	{"GO-2022-1059", "golang.org/x/text", "0.3.3", "high", "go/go.mod", 7, "unknown"},
	{"GO-2026-5970", "golang.org/x/text", "0.3.3", "high", "go/go.mod", 7, "unknown"},
	{"GHSA-jfh8-c2jp-5v3q", "org.apache.logging.log4j:log4j-core", "2.14.1", "critical", "java/pom.xml", 12, ""},
	{"GHSA-grv7-fg5c-xmjg", "braces", "3.0.2", "high", "npm/package-lock.json", 16, ""},
	{"GHSA-rv95-896h-c2vc", "express", "4.18.2", "medium", "npm/package-lock.json", 23, ""},
	{"GHSA-3h5v-q93c-6h6q", "ws", "6.2.2", "high", "npm/package-lock.json", 52, ""},
	{"GHSA-25mq-v84q-4j7r", "guzzlehttp/guzzle", "7.4.4", "high", "php/composer.lock", 8, ""},
	{"GHSA-v845-jxx5-vc9f", "urllib3", "1.26.4", "high", "python/poetry.lock", 12, ""},
	{"GHSA-j8r2-6x86-q33q", "requests", "2.25.1", "medium", "python/requirements.txt", 3, ""},
	{"GHSA-8q59-q68h-6hv4", "pyyaml", "5.3.1", "critical", "python/requirements.txt", 4, ""},
	{"GHSA-wq4h-7r42-5hrr", "rack", "2.2.3", "critical", "ruby/Gemfile.lock", 6, ""},
	{"RUSTSEC-2021-0003", "smallvec", "1.6.0", "critical", "rust/Cargo.lock", 19, ""},
}

func TestScanLockfiles(t *testing.T) {
	db := osvDir(t)
	cache := t.TempDir()
	res, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles"), Options{OfflineDB: db, Offline: true, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lockfileWant, keys(res.Run.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range res.Run.Findings {
		if f.Kind != escarp.KindSCA || f.Fingerprint == "" || f.Package.FixedIn == "" && f.RuleID != "GO-2020-0017" ||
			!strings.HasPrefix(f.Remediation, "Upgrade ") && f.RuleID != "GO-2020-0017" ||
			len(f.References) == 0 || f.References[0] != "https://osv.dev/vulnerability/"+f.RuleID || f.Location.Snippet == "" {
			t.Errorf("incomplete finding %s %s: %+v", f.RuleID, f.Package.Name, f)
		}
	}
	got := map[string]string{}
	for _, f := range res.Run.Findings {
		got[f.RuleID] = f.Package.FixedIn + " " + f.Properties["aliases"]
	}
	for id, want := range map[string]string{
		"GHSA-3h5v-q93c-6h6q": "6.2.3 CVE-2024-37890",
		"GHSA-wq4h-7r42-5hrr": "2.2.3.1 CVE-2022-30123",
		"RUSTSEC-2021-0003":   "1.6.1 CVE-2021-25900,GHSA-43w2-9j62-hq99",
		"GHSA-jfh8-c2jp-5v3q": "2.15.0 CVE-2021-44228",
		"GO-2020-0017":        " CVE-2020-26160,GHSA-w73w-5m7g-f7qc",
	} {
		if got[id] != want {
			t.Errorf("%s: fixed and aliases = %q, want %q", id, got[id], want)
		}
	}
	ruleIDs := map[string]bool{}
	for _, r := range res.Run.Rules {
		ruleIDs[r.ID] = true
	}
	for _, k := range lockfileWant {
		if !ruleIDs[k.ID] {
			t.Errorf("Run.Rules lacks %s", k.ID)
		}
	}
	if !hasNote(res.Run.Notes, "reachability of go/go.mod not analysed") {
		t.Errorf("notes %q lack the failed reachability analysis", res.Run.Notes)
	}
	if res.Run.Stats["lockfiles"] != 8 || len(res.Packages) < 20 {
		t.Errorf("stats %v, %d packages", res.Run.Stats, len(res.Packages))
	}

	fixed, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles-fixed"), Options{OfflineDB: db, Offline: true, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixed.Run.Findings {
		if f.Severity >= escarp.SeverityMedium {
			t.Errorf("fixed twin: %s %s@%s at %s", f.RuleID, f.Package.Name, f.Package.Version, f.Severity)
		}
	}
	if fixed.Run.Stats["lockfiles"] != 8 {
		t.Errorf("fixed twin: stats %v", fixed.Run.Stats)
	}
}

func hasNote(notes []string, sub string) bool {
	for _, n := range notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func TestScanReachability(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	vuln, err := filepath.Abs(filepath.Join("testdata", "gomod-reach"))
	if err != nil {
		t.Fatal(err)
	}
	fixedDir, _ := filepath.Abs(filepath.Join("testdata", "gomod-reach-fixed"))
	goModuleEnv(t, vuln, fixedDir)
	db := osvDir(t)
	cache := t.TempDir()
	res, err := Scan(context.Background(), vuln, Options{OfflineDB: db, Offline: true, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	want := []key{
		{"GO-2026-9902", "example.com/otherlib", "1.0.0", "info", "go.mod", 6, "imported-not-called"},
		{"GO-2026-9903", "example.com/unusedlib", "1.0.0", "info", "go.mod", 7, "not-imported"},
		{"GO-2026-9901", "example.com/vulnlib", "1.0.0", "high", "go.mod", 8, "called"},
	}
	if diff := cmp.Diff(want, keys(res.Run.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s\nnotes: %q", diff, res.Run.Notes)
	}
	for _, f := range res.Run.Findings {
		switch f.Properties["reachability"] {
		case "called":
			if !strings.Contains(f.Message, "example.com/vulnlib.Parse is called") {
				t.Errorf("called: message %q does not name the symbol", f.Message)
			}
		case "imported-not-called":
			if !strings.Contains(f.Message, "imported but none of its vulnerable symbols is called") {
				t.Errorf("imported: message %q", f.Message)
			}
		case "not-imported":
			if !strings.Contains(f.Message, "no vulnerable package of this module is imported") {
				t.Errorf("not imported: message %q", f.Message)
			}
		}
		if f.Properties["advisorySeverity"] != "high" {
			t.Errorf("%s: advisory severity %q, want high (no rating in a Go record)", f.RuleID, f.Properties["advisorySeverity"])
		}
	}

	off, err := Scan(context.Background(), vuln, Options{OfflineDB: db, Offline: true, CacheDir: cache, NoReachability: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range off.Run.Findings {
		if f.Severity != escarp.SeverityHigh || f.Properties["reachability"] != "" {
			t.Errorf("without reachability: %s at %s, reachability %q", f.RuleID, f.Severity, f.Properties["reachability"])
		}
	}

	fixed, err := Scan(context.Background(), fixedDir, Options{OfflineDB: db, Offline: true, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixed.Run.Findings {
		if f.Severity >= escarp.SeverityMedium {
			t.Errorf("fixed twin: %s %s at %s", f.RuleID, f.Package.Name, f.Severity)
		}
	}
	if len(fixed.Packages) != 3 {
		t.Errorf("fixed twin: packages %v", fixed.Packages)
	}
}

func TestOfflineDBNotesAndCache(t *testing.T) {
	src := t.TempDir()
	copyTree(t, filepath.Join("testdata", "osvdb"), src)
	if err := os.WriteFile(filepath.Join(src, "broken.json"), []byte(`{"id": "GHSA-xxxx", "affected": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "list.json"), []byte(`[1, 2]`), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	res, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles", "python"), Options{OfflineDB: src, Offline: true, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(res.Run.Notes, "broken.json: malformed OSV JSON") || !hasNote(res.Run.Notes, "list.json") {
		t.Errorf("notes %q do not name the bad files", res.Run.Notes)
	}
	if len(res.Run.Findings) != 3 || res.Run.Stats["advisories"] != 10 {
		t.Errorf("findings %d, stats %v", len(res.Run.Findings), res.Run.Stats)
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 1 {
		t.Fatalf("cache holds %d entries, want 1", len(entries))
	}
	for _, eco := range []string{"PyPI", "Go", "npm", "NuGet"} {
		for _, layout := range []string{"osv-scalibr", "osv-scanner"} {
			if _, err := os.Stat(filepath.Join(cache, entries[0].Name(), layout, eco, "all.zip")); err != nil {
				t.Errorf("prepared database lacks %s/%s/all.zip: %v", layout, eco, err)
			}
		}
	}
	// A second run reuses the entry and still reports the notes.
	again, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles", "python"), Options{OfflineDB: src, Offline: true, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(again.Run.Notes, "broken.json") {
		t.Errorf("cached run lost the notes: %q", again.Run.Notes)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		t.Errorf("unchanged input prepared again: %d entries", len(entries))
	}
	// Removing the bad file changes the key.
	if err := os.Remove(filepath.Join(src, "broken.json")); err != nil {
		t.Fatal(err)
	}
	third, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles", "python"), Options{OfflineDB: src, Offline: true, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if hasNote(third.Run.Notes, "broken.json") {
		t.Errorf("changed input served from the old entry: %q", third.Run.Notes)
	}
	// A record added between two scans of one process is matched at once.
	flask := `{"id":"GHSA-m2qf-hxjv-5gpq","modified":"2023-08-10T00:00:00Z","summary":"Flask session cookie disclosure","affected":[{"package":{"ecosystem":"PyPI","name":"flask"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"2.3.0"},{"fixed":"2.3.2"}]},{"type":"ECOSYSTEM","events":[{"introduced":"2.3.3"},{"last_affected":"2.3.3"}]}]}],"database_specific":{"severity":"HIGH"}}`
	if err := os.WriteFile(filepath.Join(src, "GHSA-m2qf-hxjv-5gpq.json"), []byte(flask), 0o644); err != nil {
		t.Fatal(err)
	}
	fourth, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles", "python"), Options{OfflineDB: src, Offline: true, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if len(fourth.Run.Findings) != 4 || fourth.Run.Stats["advisories"] != 11 {
		t.Errorf("after adding a record: %d findings, stats %v", len(fourth.Run.Findings), fourth.Run.Stats)
	}
}

func TestScanErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		root string
		opt  Options
		kind escarp.ErrorKind
	}{
		{"missing root", filepath.Join("testdata", "nope"), Options{OfflineDB: filepath.Join("testdata", "osvdb"), Offline: true}, escarp.Invalid},
		{"root is a file", filepath.Join("testdata", "lockfiles", "go", "go.mod"), Options{OfflineDB: filepath.Join("testdata", "osvdb"), Offline: true}, escarp.Invalid},
		{"offline without database", filepath.Join("testdata", "lockfiles"), Options{Offline: true}, escarp.Invalid},
		{"missing database", filepath.Join("testdata", "lockfiles"), Options{OfflineDB: filepath.Join("testdata", "nope"), Offline: true}, escarp.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.CacheDir = t.TempDir()
			_, err := Scan(ctx, tc.root, tc.opt)
			var e *escarp.Error
			if !errors.As(err, &e) || escarp.KindOf(err) != tc.kind {
				t.Fatalf("err = %v, want an *escarp.Error of kind %v", err, tc.kind)
			}
		})
	}
}

func TestScanNoPackages(t *testing.T) {
	res, err := Scan(context.Background(), t.TempDir(), Options{OfflineDB: filepath.Join("testdata", "osvdb"), Offline: true, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Run.Findings) != 0 || !hasNote(res.Run.Notes, "no lockfile") {
		t.Errorf("empty tree: %d findings, notes %q", len(res.Run.Findings), res.Run.Notes)
	}
}

// TestScanOnlineUnavailable runs the online path, which cannot reach
// osv.dev here: it must fail as Unavailable and point at --offline-db. The
// library retries with backoff, so this takes about 20 s.
func TestScanOnlineUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("retries for about 20 s")
	}
	_, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles", "npm"), Options{})
	if err == nil {
		t.Skip("osv.dev is reachable from here")
	}
	if escarp.KindOf(err) != escarp.Unavailable || !strings.Contains(err.Error(), "cannot reach osv.dev") || !strings.Contains(err.Error(), "--offline-db") {
		t.Errorf("err = %v, want Unavailable naming osv.dev and --offline-db", err)
	}
}

func TestWriteSBOM(t *testing.T) {
	db := osvDir(t)
	res, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles"), Options{OfflineDB: db, Offline: true, CacheDir: t.TempDir(), NoReachability: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteSBOM(&buf, res); err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(buf.Bytes()), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != cdx.SpecVersion1_6 {
		t.Errorf("format %q version %v", bom.BOMFormat, bom.SpecVersion)
	}
	if bom.Components == nil || len(*bom.Components) != len(res.Packages) {
		t.Fatalf("components: got %d, want %d", lenOf(bom.Components), len(res.Packages))
	}
	purls := map[string]bool{}
	for _, c := range *bom.Components {
		if !strings.HasPrefix(c.PackageURL, "pkg:") || c.Name == "" || c.Version == "" {
			t.Errorf("component %+v lacks a purl, name or version", c)
		}
		purls[c.PackageURL] = true
	}
	for _, want := range []string{
		"pkg:npm/ws@6.2.2", "pkg:npm/ws@8.18.0", "pkg:golang/golang.org/x/text@0.3.3", // osv-scalibr drops the v
		"pkg:pypi/pyyaml@5.3.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
		"pkg:cargo/smallvec@1.6.0", "pkg:gem/rack@2.2.3", "pkg:composer/guzzlehttp/guzzle@7.4.4",
	} {
		if !purls[want] {
			t.Errorf("SBOM lacks %s", want)
		}
	}
	if bom.Vulnerabilities == nil || len(*bom.Vulnerabilities) != len(lockfileWant) {
		t.Fatalf("vulnerabilities: got %d, want %d", lenOf(bom.Vulnerabilities), len(lockfileWant))
	}
	for _, v := range *bom.Vulnerabilities {
		if v.Affects == nil || len(*v.Affects) != 1 || !purls[(*v.Affects)[0].Ref] {
			t.Errorf("%s affects %v, not a listed component", v.ID, v.Affects)
		}
		if v.Ratings == nil || (*v.Ratings)[0].Severity == "" {
			t.Errorf("%s has no rating", v.ID)
		}
	}
}

func lenOf[T any](p *[]T) int {
	if p == nil {
		return 0
	}
	return len(*p)
}

// TestScanGoSelectedVersionsOnly: a go 1.15 module whose go.sum still lists
// v1.0.0 of two libraries it builds at v1.1.0 (the fixed versions). Only
// the selected versions count: no finding. Without the module cache only
// the direct requirements are known, and a note says so.
func TestScanGoSelectedVersionsOnly(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir() // the go command must not touch the fixture
	copyTree(t, filepath.Join("testdata", "gomod-old"), dir)
	db := osvDir(t)
	check := func(t *testing.T, wantNote bool) {
		res, err := Scan(context.Background(), dir, Options{OfflineDB: db, Offline: true, CacheDir: t.TempDir(), NoReachability: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Run.Findings {
			t.Errorf("finding %s on %s@%s at %s:%d: that version is not built", f.RuleID, f.Package.Name, f.Package.Version, f.Location.File, f.Location.Line)
		}
		for _, p := range res.Packages {
			if p.Version == "1.0.0" {
				t.Errorf("package %v: only in go.sum, not selected", p)
			}
		}
		if got := hasNote(res.Run.Notes, "indirect versions are unknown"); got != wantNote {
			t.Errorf("note about unknown indirect versions: %v, want %v; notes %q", got, wantNote, res.Run.Notes)
		}
	}
	t.Run("no module cache", func(t *testing.T) {
		t.Setenv("GOMODCACHE", t.TempDir())
		t.Setenv("GOPROXY", "off")
		t.Setenv("GOFLAGS", "-modcacherw")
		t.Setenv("GOWORK", "off")
		t.Setenv("GOTOOLCHAIN", "local")
		check(t, true)
	})
}
