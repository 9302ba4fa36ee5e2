package flow_test

import (
	"net/http"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/checktest/shoptest"
	"github.com/escarp/escarp/internal/check/flow"
)

func scan(t *testing.T, c check.Check, flaws ...string) []escarp.Finding {
	t.Helper()
	shop := shoptest.New(flaws...)
	var h http.Handler = shop
	if testing.Verbose() {
		h = shoptest.Logged(shop, t.Logf)
	}
	return checktest.Run(t, c, h, checktest.API(t, string(shoptest.Spec)), shoptest.Identities()...)
}

func TestChecks(t *testing.T) {
	tests := []struct {
		check check.Check
		want  []string // operations reported on the vulnerable shop
	}{
		{flow.StepSkip{}, []string{"POST /orders/{id}/confirm"}},
		{flow.Replay{}, []string{"POST /coupons/redeem"}},
		{flow.Rule{}, []string{"POST /orders", "PUT /orders/{id}"}},
	}
	for _, tt := range tests {
		id := tt.check.Info().ID
		t.Run(id, func(t *testing.T) {
			got := scan(t, tt.check, id)
			seen := map[string]bool{}
			for _, f := range got {
				seen[f.Location.Operation()] = true
				t.Logf("%s: %s", f.RuleID, f.Message)
				if f.RuleID != id || f.Evidence == nil || f.Reproducer == "" {
					t.Errorf("finding %q: want rule %s with evidence and reproducer", f.Message, id)
				}
			}
			for _, op := range tt.want {
				if !seen[op] {
					t.Errorf("vulnerable shop: %s did not report %s", id, op)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("vulnerable shop: %s reported %d findings, want %d", id, len(got), len(tt.want))
			}
			if got := scan(t, tt.check); len(got) != 0 {
				t.Errorf("safe shop: %s reported %d findings, want none: %s", id, len(got), got[0].Message)
			}
		})
	}
}
