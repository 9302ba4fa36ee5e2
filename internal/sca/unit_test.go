package sca

import (
	"context"
	"github.com/google/osv-scanner/v2/pkg/models"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
	"github.com/ossf/osv-schema/bindings/go/osvschema"
	"google.golang.org/protobuf/encoding/protojson"
)

func TestFindPackageLine(t *testing.T) {
	for _, tc := range []struct {
		name, text, eco, pkg, version string
		want                          int
	}{
		{"go.mod require", "module x\n\nrequire (\n\tgolang.org/x/text v0.3.3 // indirect\n)\n", "Go", "golang.org/x/text", "0.3.3", 4},
		{"npm nested copy, not the requirement", "{\n  \"node_modules/a\": {\n    \"dependencies\": {\n      \"ws\": \"^6.2.2\"\n    }\n  },\n  \"node_modules/ws\": {\n    \"version\": \"8.0.0\"\n  },\n  \"node_modules/a/node_modules/ws\": {\n    \"version\": \"6.2.2\"\n  }\n}\n", "npm", "ws", "6.2.2", 10},
		{"requirements pin, case-insensitive", "Flask==2.0\nPyYAML==5.3.1\n", "PyPI", "pyyaml", "5.3.1", 2},
		{"requirements with underscore", "typing_extensions==4.0.0\n", "PyPI", "typing-extensions", "4.0.0", 1},
		{"Gemfile.lock spec, not a dependent's constraint", "GEM\n  specs:\n    puma (6.0)\n      rack (>= 2.2.3)\n    rack (2.2.3)\n", "RubyGems", "rack", "2.2.3", 5},
		{"Cargo.lock block", "[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\n", "crates.io", "smallvec", "1.6.0", 2},
		{"composer.lock with v prefix", "{\n  \"name\": \"a/b\",\n  \"version\": \"v1.2.3\"\n}\n", "Packagist", "a/b", "1.2.3", 2},
		{"pom.xml artifact", "<dependency>\n<groupId>org.x</groupId>\n<artifactId>core</artifactId>\n<version>1.0</version>\n", "Maven", "org.x:core", "1.0", 3},
		{"gradle.lockfile", "org.x:core:1.0=runtimeClasspath\n", "Maven", "org.x:core", "1.0", 1},
		{"absent", "nothing here\n", "npm", "ws", "1.0.0", 0},
		{"longer name is not a match", "wss==1.0\n", "PyPI", "ws", "1.0", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, snippet := findPackageLine(strings.Split(tc.text, "\n"), tc.eco, tc.pkg, tc.version)
			if got != tc.want {
				t.Errorf("line %d (%q), want %d", got, snippet, tc.want)
			}
		})
	}
}

func TestAdvisorySeverity(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       escarp.Severity
	}{
		{"GitHub label wins", `{"id":"A","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"database_specific":{"severity":"MODERATE"}}`, escarp.SeverityMedium},
		{"CVSS 3.1 critical", `{"id":"A","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}`, escarp.SeverityCritical},
		{"CVSS 3.1 medium", `{"id":"A","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N"}]}`, escarp.SeverityMedium},
		{"CVSS 4.0", `{"id":"A","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]}`, escarp.SeverityCritical},
		{"per-package severity", `{"id":"A","affected":[{"package":{"ecosystem":"npm","name":"x"},"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}]}]}`, escarp.SeverityMedium},
		{"no rating: high", `{"id":"GO-2020-0017"}`, escarp.SeverityHigh},
		{"bad vector: high", `{"id":"A","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/garbage"}]}`, escarp.SeverityHigh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v osvschema.Vulnerability
			if err := protojson.Unmarshal([]byte(tc.json), &v); err != nil {
				t.Fatal(err)
			}
			if got := advisorySeverity(&v); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFixedVersion(t *testing.T) {
	var v osvschema.Vulnerability
	rec := `{"id":"A","affected":[{"package":{"ecosystem":"npm","name":"ws"},"ranges":[
	  {"type":"ECOSYSTEM","events":[{"introduced":"2.1.0"},{"fixed":"5.2.4"}]},
	  {"type":"ECOSYSTEM","events":[{"introduced":"6.0.0"},{"fixed":"6.2.3"}]},
	  {"type":"ECOSYSTEM","events":[{"introduced":"8.0.0"},{"fixed":"8.17.1"}]}]}]}`
	if err := protojson.Unmarshal([]byte(rec), &v); err != nil {
		t.Fatal(err)
	}
	for version, want := range map[string]string{"5.2.3": "5.2.4", "6.2.2": "6.2.3", "8.1.0": "8.17.1", "9.0.0": ""} {
		if got := fixedVersion([]*osvschema.Vulnerability{&v}, "npm", "ws", version); got != want {
			t.Errorf("fixedVersion(%s) = %q, want %q", version, got, want)
		}
	}
}

func TestPURLWithoutInventory(t *testing.T) {
	got := purl(models.PackageInfo{Name: "thing", Version: "1", Ecosystem: "Nonesuch"})
	if want := "pkg:generic/thing@1"; got != want {
		t.Errorf("purl = %q, want %q", got, want)
	}
}

func TestScanExclude(t *testing.T) {
	for _, tc := range []struct {
		exclude   []string
		gone      []string
		lockfiles int64
	}{
		{[]string{"python", "java/"}, []string{"python", "java"}, 5},
		{[]string{"g:ru*"}, []string{"ruby", "rust"}, 6},
		{[]string{"r:(php|npm)$"}, []string{"php", "npm"}, 6},
		// pathglob forms: a name at any depth, a file glob, a ** glob.
		{[]string{"poetry.lock", "requirements.txt"}, []string{"python"}, 6},
		{[]string{"**/Cargo.lock"}, []string{"rust"}, 7},
	} {
		t.Run(strings.Join(tc.exclude, ","), func(t *testing.T) {
			res, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles"), Options{
				OfflineDB: filepath.Join("testdata", "osvdb"), Offline: true, CacheDir: t.TempDir(),
				NoReachability: true, Exclude: tc.exclude,
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Components {
				for _, f := range c.Files {
					if slices.Contains(tc.gone, strings.SplitN(f, "/", 2)[0]) {
						t.Errorf("excluded directory scanned: %s", f)
					}
				}
			}
			if res.Run.Stats["lockfiles"] != tc.lockfiles {
				t.Errorf("lockfiles %d, want %d", res.Run.Stats["lockfiles"], tc.lockfiles)
			}
		})
	}
}

func TestRedactSnippet(t *testing.T) {
	for in, want := range map[string]string{
		"git+https://deploy:s3cr3tT0ken@git.example.com/lib.git#egg=lib": "git+https://deploy:" + redact.Mask + "@git.example.com/lib.git#egg=lib",
		`"resolved": "https://registry.npmjs.org/ws/-/ws-6.2.2.tgz",`:    `"resolved": "https://registry.npmjs.org/ws/-/ws-6.2.2.tgz",`,
		"requests==2.25.1": "requests==2.25.1",
	} {
		if got := redactSnippet(in); got != want {
			t.Errorf("redactSnippet(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Scan(ctx, filepath.Join("testdata", "lockfiles"), Options{OfflineDB: filepath.Join("testdata", "osvdb"), Offline: true, CacheDir: t.TempDir()})
	if escarp.KindOf(err) != escarp.Unavailable {
		t.Errorf("err = %v, want Unavailable", err)
	}
}

func TestPruneCache(t *testing.T) {
	cache := t.TempDir()
	old := time.Now().Add(-40 * 24 * time.Hour)
	for _, d := range []string{"stale", "fresh", "build-abandoned", "someone-elses"} {
		if err := os.MkdirAll(filepath.Join(cache, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"stale", "fresh"} {
		if err := os.WriteFile(filepath.Join(cache, d, "escarp.json"), []byte(`{}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{filepath.Join("stale", "escarp.json"), "build-abandoned", "someone-elses"} {
		if err := os.Chtimes(filepath.Join(cache, p), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Scan(context.Background(), filepath.Join("testdata", "lockfiles", "ruby"), Options{OfflineDB: filepath.Join("testdata", "osvdb"), Offline: true, CacheDir: cache}); err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]bool{"stale": false, "build-abandoned": false, "fresh": true, "someone-elses": true} {
		if _, err := os.Stat(filepath.Join(cache, d)); (err == nil) != want {
			t.Errorf("%s kept = %v, want %v", d, err == nil, want)
		}
	}
}

func TestScanMalformedLockfile(t *testing.T) {
	root := t.TempDir()
	copyTree(t, filepath.Join("testdata", "lockfiles", "ruby"), filepath.Join(root, "ruby"))
	if err := os.MkdirAll(filepath.Join(root, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "web", "package-lock.json"), []byte(`{"lockfileVersion": 3, "packages": {`), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Scan(context.Background(), root, Options{OfflineDB: filepath.Join("testdata", "osvdb"), Offline: true, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Run.Findings) != 1 || res.Run.Findings[0].RuleID != "GHSA-wq4h-7r42-5hrr" {
		t.Errorf("findings %v", keys(res.Run.Findings))
	}
	if !hasNote(res.Run.Notes, " web/package-lock.json") || hasNote(res.Run.Notes, root[1:]) {
		t.Errorf("notes %q do not name the malformed lockfile relative to the root", res.Run.Notes)
	}
}
