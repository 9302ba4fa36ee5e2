package bola_test

import (
	"net/http"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/bola"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/checktest/shoptest"
)

// scan runs c against a shop with the given flaws, as alice, bob and the
// administrator carol, and returns the operations it reported.
func scan(t *testing.T, c check.Check, flaws ...string) []escarp.Finding {
	t.Helper()
	shop := shoptest.New(flaws...)
	api := checktest.API(t, string(shoptest.Spec))
	var h http.Handler = shop
	if testing.Verbose() {
		h = shoptest.Logged(shop, t.Logf)
	}
	return checktest.Run(t, c, h, api, shoptest.Identities()...)
}

func ops(fs []escarp.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Location.Operation())
	}
	return out
}

func TestChecks(t *testing.T) {
	tests := []struct {
		check check.Check
		want  []string // operations reported on the vulnerable shop
	}{
		{bola.Read{}, []string{"GET /orders/{id}"}},
		{bola.Write{}, []string{"PUT /orders/{id}", "DELETE /orders/{id}"}},
		{bola.Reference{}, []string{"GET /orders", "GET /users/{uid}/orders/{oid}"}},
	}
	for _, tt := range tests {
		id := tt.check.Info().ID
		t.Run(id, func(t *testing.T) {
			got := scan(t, tt.check, id)
			if !sameSet(ops(got), tt.want) {
				t.Errorf("vulnerable shop: %s reported %q, want %q", id, ops(got), tt.want)
			}
			for _, f := range got {
				if f.RuleID != id || f.Evidence == nil || f.Reproducer == "" || f.Message == "" {
					t.Errorf("finding %+v: want rule %s with evidence, reproducer and message", f, id)
				}
			}
			if got := scan(t, tt.check); len(got) != 0 {
				t.Errorf("safe shop: %s reported %q, want nothing", id, ops(got))
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		if m[x] == 0 {
			return false
		}
		m[x]--
	}
	return true
}
