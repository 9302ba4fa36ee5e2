package rules_test

import (
	"context"
	"testing"

	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/audit/specload"
	"github.com/escarp/escarp/internal/lab"
)

// TestLabSpecs audits the lab's vulnerable spec and its secure twin's: the
// vulnerable one gets the findings its planted flaws show in the spec and
// a low score, the secure one a much better score.
func TestLabSpecs(t *testing.T) {
	ctx := context.Background()
	audit1 := func(secure bool) (*audit.Input, map[string]int, int) {
		in, _, err := specload.LoadBytes(ctx, "lab.yaml", lab.Spec(secure))
		if err != nil {
			t.Fatalf("lab.Spec(%v): %v", secure, err)
		}
		run, err := audit.RunInput(ctx, in, rules.All(), audit.Config{})
		if err != nil {
			t.Fatal(err)
		}
		counts := make(map[string]int)
		for _, f := range run.Findings {
			if f.Suppressed == nil {
				counts[f.RuleID]++
			}
		}
		t.Logf("secure=%v: score %s, %d findings, %v", secure, audit.FormatScore(run.Score), len(run.Findings), counts)
		return &in, counts, run.Score.Overall
	}
	_, vuln, vulnScore := audit1(false)
	_, safe, safeScore := audit1(true)
	if safeScore < vulnScore+12 || safeScore < 60 {
		t.Errorf("secure twin scores %d, vulnerable lab %d: want the twin at 60 or more and at least 12 points better", safeScore, vulnScore)
	}
	if vulnScore > 55 {
		t.Errorf("vulnerable lab scores %d, want at most 55", vulnScore)
	}
	// Flaws of the lab that its spec shows, and that the twin's spec fixes.
	for _, id := range []string{
		"ESC-AUTH-009",  // credentials in the query string of the token endpoint
		"ESC-RATE-004",  // page size without maximum
		"ESC-INV-004",   // deprecated export without sunset
		"ESC-INPUT-012", // avatar URL fetched by the server (SSRF)
		"ESC-AUTHZ-002", // admin endpoints accept the members' scheme
	} {
		if vuln[id] == 0 {
			t.Errorf("vulnerable lab: no %s finding", id)
		}
	}
	for _, id := range []string{"ESC-AUTH-009", "ESC-RATE-004", "ESC-INV-004", "ESC-ERR-003"} {
		if safe[id] != 0 {
			t.Errorf("secure twin: %d %s findings, want none", safe[id], id)
		}
	}
	total := func(m map[string]int) (n int) {
		for _, c := range m {
			n += c
		}
		return n
	}
	if total(safe) >= total(vuln) {
		t.Errorf("secure twin has %d findings, vulnerable lab %d", total(safe), total(vuln))
	}
}
