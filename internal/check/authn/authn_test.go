package authn_test

import (
	"net/http"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/authn"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/checktest/shoptest"
)

// scan runs c against a shop with the given flaws and identities (the
// shop's login identities when ids is nil).
func scan(t *testing.T, c check.Check, shop *shoptest.Shop, ids []checktest.Option) []escarp.Finding {
	t.Helper()
	var h http.Handler = shop
	if testing.Verbose() {
		h = shoptest.Logged(shop, t.Logf)
	}
	if ids == nil {
		ids = shoptest.Identities()
	}
	return checktest.Run(t, c, h, checktest.API(t, string(shoptest.Spec)), ids...)
}

func TestChecks(t *testing.T) {
	expired := func(s *shoptest.Shop) []checktest.Option {
		return []checktest.Option{checktest.Identities(checktest.Bearer("alice", s.ExpiredToken("alice")))}
	}
	tests := []struct {
		name  string
		check check.Check
		flaws []string
		ids   func(*shoptest.Shop) []checktest.Option
		want  []string // operations reported; nil means none
	}{
		{"no credentials", authn.NoAuth{}, []string{"ESC-DAST-AUTHN-001"}, nil, []string{"GET /products"}},
		{"no credentials, safe", authn.NoAuth{}, nil, nil, nil},
		{"garbled", authn.Garbled{}, []string{"ESC-DAST-AUTHN-002"}, nil, []string{"GET /me"}},
		{"garbled, safe", authn.Garbled{}, nil, nil, nil},
		{"alg none", authn.AlgNone{}, []string{"ESC-DAST-AUTHN-003"}, nil, []string{"GET /me"}},
		{"alg none, safe", authn.AlgNone{}, nil, nil, nil},
		{"signature", authn.Signature{}, []string{"ESC-DAST-AUTHN-004"}, nil, []string{"GET /me"}},
		{"signature, safe", authn.Signature{}, nil, nil, nil},
		{"signature, alg none only", authn.Signature{}, []string{"ESC-DAST-AUTHN-003"}, nil, nil},
		{"expired, forged with the weak key", authn.Expired{}, []string{"ESC-DAST-AUTHN-005", "ESC-DAST-AUTHN-006"}, nil, []string{"GET /me"}},
		{"expired, identity's own token", authn.Expired{}, []string{"ESC-DAST-AUTHN-005"}, expired, []string{"GET /me"}},
		{"expired, weak key but expiry enforced", authn.Expired{}, []string{"ESC-DAST-AUTHN-006"}, nil, nil},
		{"expired, safe", authn.Expired{}, nil, nil, nil},
		{"weak secret", authn.WeakSecret{}, []string{"ESC-DAST-AUTHN-006"}, nil, []string{"POST /auth/login"}},
		{"weak secret, safe", authn.WeakSecret{}, nil, nil, nil},
		{"credentials in URL", authn.URLCredentials{}, []string{"ESC-DAST-AUTHN-007"}, nil, []string{"GET /me"}},
		{"credentials in URL, safe", authn.URLCredentials{}, nil, nil, nil},
		{"enumeration", authn.Enumeration{}, []string{"ESC-DAST-AUTHN-008"}, nil, []string{"POST /auth/login"}},
		{"enumeration, safe", authn.Enumeration{}, nil, nil, nil},
		{"brute force", authn.BruteForce{}, []string{"ESC-DAST-AUTHN-009"}, nil, []string{"POST /auth/login"}},
		{"brute force, safe", authn.BruteForce{}, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := shoptest.New(tt.flaws...)
			var ids []checktest.Option
			if tt.ids != nil {
				ids = tt.ids(shop)
			}
			got := scan(t, tt.check, shop, ids)
			var ops []string
			for _, f := range got {
				ops = append(ops, f.Location.Operation())
				t.Logf("%s: %s\n  %s", f.RuleID, f.Message, f.Reproducer)
				if f.RuleID != tt.check.Info().ID || f.Evidence == nil || f.Reproducer == "" {
					t.Errorf("finding %s %q: want rule %s with evidence and reproducer", f.RuleID, f.Message, tt.check.Info().ID)
				}
			}
			// Token checks report each operation that accepts the token, at
			// most 3; the wanted ones must be among them.
			if len(tt.want) == 0 && len(ops) > 0 || len(ops) > 3 {
				t.Fatalf("%s reported %q, want %q", tt.check.Info().ID, ops, tt.want)
			}
			for _, w := range tt.want {
				found := false
				for _, o := range ops {
					found = found || o == w
				}
				if !found {
					t.Errorf("%s reported %q, want %q among them", tt.check.Info().ID, ops, w)
				}
			}
		})
	}
}
