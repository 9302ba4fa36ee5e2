package bfla_test

import (
	"net/http"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/bfla"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/checktest/shoptest"
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
		want  []string // operations reported on the vulnerable shop, sorted
	}{
		{bfla.FunctionLevel{}, []string{"GET /admin/users", "POST /admin/products"}},
		{bfla.MethodSwitch{}, []string{"GET /products/{pid}"}},
	}
	for _, tt := range tests {
		id := tt.check.Info().ID
		t.Run(id, func(t *testing.T) {
			got := scan(t, tt.check, id)
			var ops []string
			for _, f := range got {
				ops = append(ops, f.Location.Operation())
				t.Logf("%s: %s", f.RuleID, f.Message)
				if f.RuleID != id || f.Evidence == nil || f.Reproducer == "" {
					t.Errorf("finding %q: want rule %s with evidence and reproducer", f.Message, id)
				}
			}
			if !sameSet(ops, tt.want) {
				t.Errorf("vulnerable shop: %s reported %q, want %q", id, ops, tt.want)
			}
			if got := scan(t, tt.check); len(got) != 0 {
				t.Errorf("safe shop: %s reported %d findings, want none: %s", id, len(got), got[0].Message)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}
