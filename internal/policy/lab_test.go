package policy

import (
	"context"
	"slices"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/spec"
)

func loadLab(t *testing.T, secure bool) *escarp.API {
	t.Helper()
	name := "lab.yaml"
	if secure {
		name = "lab-secure.yaml"
	}
	api, _, err := spec.LoadBytes(context.Background(), name, lab.Spec(secure), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

func ruleIDs(fs []escarp.Finding) []string {
	var ids []string
	for _, f := range fs {
		if !slices.Contains(ids, f.RuleID) {
			ids = append(ids, f.RuleID)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestLab: the vulnerable lab breaks the data-protection, access-control
// and lifecycle packs; its secure twin passes every pack.
func TestLab(t *testing.T) {
	ctx := context.Background()
	set, err := Load(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	vuln, err := set.Eval(ctx, &Input{API: loadLab(t, false)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range vuln {
		t.Logf("lab: %s %s:%d %s", f.RuleID, f.Location.File, f.Location.Line, f.Message)
	}
	want := []string{"ESC-POL-ACCESS-001", "ESC-POL-DATA-001", "ESC-POL-LIFE-001"}
	if got := ruleIDs(vuln); !slices.Equal(got, want) {
		t.Errorf("lab broke %v, want %v", got, want)
	}
	for _, f := range vuln {
		if f.Location.File != "lab.yaml" || f.Location.Line < 2 {
			t.Errorf("%s: located at %s:%d, want a line of lab.yaml", f.RuleID, f.Location.File, f.Location.Line)
		}
	}
	secure, err := set.Eval(ctx, &Input{API: loadLab(t, true)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range secure {
		t.Errorf("secure twin: %s at %s:%d: %s", f.RuleID, f.Location.File, f.Location.Line, f.Message)
	}
}
