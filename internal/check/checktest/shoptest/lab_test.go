package shoptest_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/spec"
)

// families are the check id prefixes this test covers.
var families = []string{"ESC-DAST-BOLA-", "ESC-DAST-AUTHN-", "ESC-DAST-PROP-", "ESC-DAST-BFLA-", "ESC-DAST-FLOW-"}

func ours(id string) bool {
	for _, f := range families {
		if strings.HasPrefix(id, f) {
			return true
		}
	}
	return false
}

// scanLab scans a fresh lab (or its secure twin) with the authorization,
// authentication, property and flow checks only, configured by the lab's
// own escarp.yaml.
func scanLab(t *testing.T, secure bool) *escarp.Run {
	t.Helper()
	l, err := lab.New(lab.Options{Secure: secure, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	api, _, err := spec.LoadBytes(ctx, "openapi.yaml", lab.Spec(secure), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Parse("escarp.yaml", lab.ScanConfig(srv.URL, secure), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	var cfg scan.Config
	if err := f.Section("identities", &cfg.Identities); err != nil {
		t.Fatal(err)
	}
	var checks []check.Check
	for _, c := range list.All() {
		if ours(c.Info().ID) {
			checks = append(checks, c)
		}
	}
	run, err := scan.Run(ctx, api, srv.URL, cfg, checks)
	if err != nil {
		t.Fatalf("scan of the lab (secure=%v): %v", secure, err)
	}
	return run
}

// TestLab requires every lab flaw whose ground truth names one of these
// checks to be found on its operation by one of its rules, and no finding
// of these checks on the secure twin.
func TestLab(t *testing.T) {
	if testing.Short() {
		t.Skip("lab scan skipped in -short mode")
	}
	run := scanLab(t, false)
	for _, fl := range lab.Flaws() {
		var rules []string
		for _, r := range fl.Rules {
			if ours(r) {
				rules = append(rules, r)
			}
		}
		if len(rules) == 0 {
			continue
		}
		found := false
		for _, f := range run.Findings {
			for _, r := range rules {
				found = found || (f.RuleID == r && strings.EqualFold(f.Location.Method, fl.Method) && f.Location.Path == fl.Path)
			}
		}
		if !found {
			t.Errorf("lab flaw %s (%s %s) not found by %v", fl.ID, fl.Method, fl.Path, rules)
		}
	}
	for _, f := range scanLab(t, true).Findings {
		t.Errorf("secure twin: %s on %s: %s", f.RuleID, f.Location.Operation(), f.Message)
	}
}
