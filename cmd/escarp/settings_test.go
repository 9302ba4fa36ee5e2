package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/scan"
)

// scanCommands are the commands whose scan stage resolves scan settings:
// each must resolve them exactly like `escarp scan`.
func scanCommands(a *app) map[string]*cobra.Command {
	var create *cobra.Command
	for _, c := range a.baselineCmd().Commands() {
		if c.Name() == "create" {
			create = c
		}
	}
	return map[string]*cobra.Command{"scan": a.scanCmd(), "ci": a.ciCmd(), "baseline create": create}
}

// resolvedScan resolves the scan settings of command name run with args,
// env and config (escarp.yaml in a fresh working directory).
func resolvedScan(t *testing.T, name string, args []string, env map[string]string, config string) (scan.Config, error) {
	t.Helper()
	dir := t.TempDir()
	if config != "" {
		if err := os.WriteFile(filepath.Join(dir, "escarp.yaml"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, wd: dir,
		getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	cmd := scanCommands(a)[name]
	if cmd == nil {
		t.Fatalf("no command %q", name)
	}
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	cf, err := a.validConfig(name)
	if err != nil {
		return scan.Config{}, err
	}
	return a.scanConfig(cmd, cf)
}

// TestScanSettings checks flag > ESCARP_<KEY> > escarp.yaml > default for
// the scan settings, and that the ci scan stage (and baseline create)
// resolve them exactly like `escarp scan`: ESCARP_RATE and --rate included.
func TestScanSettings(t *testing.T) {
	const file = "scan:\n  rate: 3\n  concurrency: 5\n  timeout: 4s\n  checks: [API1]\n  callback_url: http://cb.example\n" +
		"identities:\n  - name: alice\n    headers: {Authorization: Bearer a}\n"
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		config string
		want   scan.Config
	}{
		{name: "defaults",
			want: scan.Config{Rate: scan.DefaultRate, Concurrency: scan.DefaultConcurrency, MaxRequests: scan.DefaultMaxRequests,
				MaxDuration: scan.DefaultMaxDuration, Timeout: scan.DefaultTimeout}},
		{name: "file", config: file,
			want: scan.Config{Rate: 3, Concurrency: 5, MaxRequests: scan.DefaultMaxRequests, MaxDuration: scan.DefaultMaxDuration,
				Timeout: 4 * time.Second, Checks: []string{"API1"}, CallbackURL: "http://cb.example",
				Identities: []scan.Identity{{Name: "alice", Headers: map[string]string{"Authorization": "Bearer a"}}}}},
		{name: "environment over file", config: file,
			env: map[string]string{"ESCARP_RATE": "7", "ESCARP_MAX_DURATION": "3m", "ESCARP_CHECKS": "API2,API3", "ESCARP_ALLOW_DESTRUCTIVE": "true"},
			want: scan.Config{Rate: 7, Concurrency: 5, MaxRequests: scan.DefaultMaxRequests, MaxDuration: 3 * time.Minute,
				Timeout: 4 * time.Second, Checks: []string{"API2", "API3"}, AllowDestructive: true, CallbackURL: "http://cb.example",
				Identities: []scan.Identity{{Name: "alice", Headers: map[string]string{"Authorization": "Bearer a"}}}}},
		{name: "flags over environment and file", config: file,
			env:  map[string]string{"ESCARP_RATE": "7", "ESCARP_CONCURRENCY": "6"},
			args: []string{"--rate", "11", "--concurrency", "2", "--max-requests", "40", "--timeout", "1s", "--skip-checks", "ESC-DAST-SSRF"},
			want: scan.Config{Rate: 11, Concurrency: 2, MaxRequests: 40, MaxDuration: scan.DefaultMaxDuration,
				Timeout: time.Second, Checks: []string{"API1"}, SkipChecks: []string{"ESC-DAST-SSRF"}, CallbackURL: "http://cb.example",
				Identities: []scan.Identity{{Name: "alice", Headers: map[string]string{"Authorization": "Bearer a"}}}}},
		{name: "a flag equal to its default still wins", config: file, env: map[string]string{"ESCARP_RATE": "7"},
			args: []string{"--rate", "150"},
			want: scan.Config{Rate: 150, Concurrency: 5, MaxRequests: scan.DefaultMaxRequests, MaxDuration: scan.DefaultMaxDuration,
				Timeout: 4 * time.Second, Checks: []string{"API1"}, CallbackURL: "http://cb.example",
				Identities: []scan.Identity{{Name: "alice", Headers: map[string]string{"Authorization": "Bearer a"}}}}},
	}
	ignore := cmpopts.IgnoreFields(scan.Config{}, "Progress", "Detail", "Bar")
	for _, tt := range tests {
		for _, name := range []string{"scan", "ci", "baseline create"} {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				got, err := resolvedScan(t, name, tt.args, tt.env, tt.config)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got, ignore, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s: resolved scan settings (-want +got):\n%s", name, diff)
				}
			})
		}
	}
}

// TestScanSettingsErrors: every bad value is reported at once, naming
// where it came from; the same for every command.
func TestScanSettingsErrors(t *testing.T) {
	for _, name := range []string{"scan", "ci", "baseline create"} {
		_, err := resolvedScan(t, name, []string{"--timeout", "2s"},
			map[string]string{"ESCARP_RATE": "fast", "ESCARP_MAX_REQUESTS": "many"}, "")
		if escarp.ExitCode(err) != 2 {
			t.Fatalf("%s: err = %v, want exit code 2", name, err)
		}
		for _, want := range []string{`ESCARP_RATE "fast": invalid syntax`, `ESCARP_MAX_REQUESTS "many": invalid syntax`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: err = %q, want it to say %q", name, err, want)
			}
		}
	}
}

// TestAuditSettings checks flag > ESCARP_<KEY> > escarp.yaml > default for
// the audit's thresholds.
func TestAuditSettings(t *testing.T) {
	const file = "audit:\n  fail_on: high\n  min_score: 60\n"
	for _, tt := range []struct {
		name, config string
		args         []string
		env          map[string]string
		failOn       string
		minScore     int
		err          string
	}{
		{name: "defaults"},
		{name: "file", config: file, failOn: "high", minScore: 60},
		{name: "environment", config: file, env: map[string]string{"ESCARP_FAIL_ON": "low", "ESCARP_MIN_SCORE": "70"}, failOn: "low", minScore: 70},
		{name: "flags", config: file, env: map[string]string{"ESCARP_FAIL_ON": "low"}, args: []string{"--fail-on", "critical", "--min-score", "0"},
			failOn: "critical", minScore: 0},
		{name: "bad", env: map[string]string{"ESCARP_MIN_SCORE": "lots"}, err: `ESCARP_MIN_SCORE "lots": not a number`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.config != "" {
				if err := os.WriteFile(filepath.Join(dir, "escarp.yaml"), []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, wd: dir,
				getenv: func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }}
			cmd := a.auditCmd()
			if err := cmd.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			cf, err := a.validConfig("audit")
			if err != nil {
				t.Fatal(err)
			}
			var cfg audit.Config
			if err := cf.Section("audit", &cfg); err != nil {
				t.Fatal(err)
			}
			err = a.auditSettings(cmd, &cfg)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || cfg.FailOn != tt.failOn || cfg.MinScore != tt.minScore {
				t.Errorf("fail_on %q, min_score %d, err %v; want %q, %d", cfg.FailOn, cfg.MinScore, err, tt.failOn, tt.minScore)
			}
		})
	}
}
