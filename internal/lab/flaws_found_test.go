package lab

import (
	"testing"

	"github.com/escarp/escarp"
)

func TestFlawFoundIn(t *testing.T) {
	f := Flaw{ID: "x", OWASP: "API1:2023", Method: "GET", Path: "/api/v2/boats/{boatId}", Rules: []string{"ESC-DAST-BOLA-001"}}
	at := func(rule, owasp, method, path string) []escarp.Finding {
		return []escarp.Finding{{RuleID: rule, OWASP: owasp, Location: escarp.Location{Method: method, Path: path}}}
	}
	tests := []struct {
		name     string
		findings []escarp.Finding
		want     bool
	}{
		{"rule on the operation", at("ESC-DAST-BOLA-001", "", "GET", "/api/v2/boats/{boatId}"), true},
		{"category on the operation", at("ESC-DAST-OTHER-001", "API1:2023", "get", "/api/v2/boats/{boatId}"), true},
		{"rule elsewhere", at("ESC-DAST-BOLA-001", "API1:2023", "GET", "/api/v2/bookings/{bookingId}"), false},
		{"other method", at("ESC-DAST-BOLA-001", "API1:2023", "DELETE", "/api/v2/boats/{boatId}"), false},
		{"other rule and category", at("ESC-DAST-INJ-001", "API8:2023", "GET", "/api/v2/boats/{boatId}"), false},
		{"nothing", nil, false},
	}
	for _, tt := range tests {
		if got := f.FoundIn(tt.findings); got != tt.want {
			t.Errorf("%s: FoundIn = %v, want %v", tt.name, got, tt.want)
		}
	}
}
