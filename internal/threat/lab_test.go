package threat_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/threat"
)

// labAPI loads the vulnerable lab's description, as the lab serves it.
func labAPI(t testing.TB) *escarp.API {
	t.Helper()
	api, _, err := spec.LoadBytes(context.Background(), "openapi.yaml", lab.Spec(false), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// severeFlaws returns the operations of the lab's planted flaws whose
// rules are critical or high, by "METHOD /path".
func severeFlaws(t *testing.T) map[string][]string {
	t.Helper()
	sev := map[string]escarp.Severity{}
	for _, c := range list.All() {
		sev[c.Info().ID] = c.Info().Severity
	}
	for _, r := range rules.All() {
		sev[r.ID] = r.Severity
	}
	out := map[string][]string{}
	for _, f := range lab.Flaws() {
		worst := escarp.SeverityInfo
		for _, r := range f.Rules {
			worst = max(worst, sev[r])
		}
		if worst >= escarp.SeverityHigh {
			k := f.Method + " " + f.Path
			out[k] = append(out[k], f.ID)
		}
	}
	return out
}

// TestLabTopTenFromSpec: from the description alone, every operation in
// the top ten carries one of the lab's planted critical or high flaws.
func TestLabTopTenFromSpec(t *testing.T) {
	res := threat.Derive(threat.Input{APIs: []*escarp.API{labAPI(t)}})
	severe := severeFlaws(t)
	if len(res.Ranking) < 10 {
		t.Fatalf("ranking has %d operations, want at least 10", len(res.Ranking))
	}
	for i, r := range res.Ranking[:10] {
		k := r.Method + " " + r.Path
		t.Logf("%2d. %3d %-8s %s — %s", i+1, r.Risk, r.Band, k, r.Why)
		if len(severe[k]) == 0 {
			t.Errorf("rank %d: %s (risk %d) carries no planted critical or high flaw", i+1, k, r.Risk)
		}
	}
	if testing.Verbose() {
		for i, r := range res.Ranking[10:] {
			t.Logf("%2d. %3d %-8s %s %s", i+11, r.Risk, r.Band, r.Method, r.Path)
		}
	}
}

// loadRun reads a recorded JSON report.
func loadRun(t *testing.T, path string) []*escarp.Run {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep escarp.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	return rep.Runs
}

// TestLabConfirmedCriticalFirst: with the findings of a real scan of the
// lab, every operation with a confirmed critical finding ranks above
// every operation without one.
func TestLabConfirmedCriticalFirst(t *testing.T) {
	runs := loadRun(t, "testdata/lab-scan.json")
	crit := map[string]bool{}
	for _, run := range runs {
		for _, f := range run.Findings {
			if f.Severity == escarp.SeverityCritical && f.Suppressed == nil {
				crit[f.Location.Operation()] = true
			}
		}
	}
	if len(crit) < 5 {
		t.Fatalf("the recorded scan has %d operations with critical findings; want the lab's", len(crit))
	}
	res := threat.Derive(threat.Input{APIs: []*escarp.API{labAPI(t)}, Runs: runs})
	var ranked []string
	for _, r := range res.Ranking {
		ranked = append(ranked, r.Method+" "+r.Path)
	}
	for i, k := range ranked {
		t.Logf("%2d. %3d %s — %s", i+1, res.Ranking[i].Risk, k, res.Ranking[i].Why)
		if i >= 15 {
			break
		}
	}
	for k := range crit {
		if !slices.Contains(ranked, k) {
			t.Errorf("%s has a confirmed critical finding but is not ranked", k)
		}
	}
	for i, k := range ranked[:len(crit)] {
		if !crit[k] {
			t.Errorf("rank %d: %s has no confirmed critical finding, yet ranks among the first %d", i+1, k, len(crit))
		}
	}
}
