package property_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/checktest/shoptest"
	"github.com/escarp/escarp/internal/check/property"
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
		// secret must not appear in the evidence.
		secret string
	}{
		{property.MassAssignment{}, []string{"PATCH /users/{uid}"}, ""},
		{property.Exposure{}, []string{"GET /users/{uid}"}, ""},
		{property.Sensitive{}, []string{"GET /users/{uid}/payment-methods"}, "4242424242424242"},
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
				if tt.secret != "" && strings.Contains(f.Evidence.Response.Body+f.Message, tt.secret) {
					t.Errorf("finding shows the secret value: %q", f.Evidence.Response.Body)
				}
			}
			if strings.Join(ops, ",") != strings.Join(tt.want, ",") {
				t.Errorf("vulnerable shop: %s reported %q, want %q", id, ops, tt.want)
			}
			if got := scan(t, tt.check); len(got) != 0 {
				t.Errorf("safe shop: %s reported %d findings, want none: %s", id, len(got), got[0].Message)
			}
		})
	}
}

func TestSensitiveValues(t *testing.T) {
	// Each body holds exactly the kinds listed.
	tests := []struct {
		body string
		want int
	}{
		{`{"password_hash": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}`, 1},
		{`{"hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"}`, 1},
		{`{"card": "4111 1111 1111 1111"}`, 1},
		{`{"card": "4111 1111 1111 1112"}`, 0},   // not Luhn-valid
		{`{"order_id": 4111111111111111}`, 0},    // an id member
		{`{"number": "**** **** **** 1111"}`, 0}, // masked
		{`{"ssn": "078-05-1120"}`, 1},
		{`{"ssn": "666-05-1120"}`, 0},
		{`{"password": "hunter2hunter2"}`, 1},
		{`{"password": "********"}`, 0},
		{`{"key": "-----BEGIN RSA PRIVATE KEY-----\nMIIB..."}`, 1},
		{`{"aws": "AKIAIOSFODNN7EXAMPLE"}`, 1},
		{`{"name": "Alice", "phone": "4111111111111111", "created_at": "2024-01-02"}`, 0},
	}
	for _, tt := range tests {
		if got := property.ScanForTest([]byte(tt.body)); got != tt.want {
			t.Errorf("sensitive values in %s = %d, want %d", tt.body, got, tt.want)
		}
	}
}
