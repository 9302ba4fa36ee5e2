package list

import (
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

// TestAttack checks the attack group: valid, complete metadata, and the
// ids the lab's ground truth uses.
func TestAttack(t *testing.T) {
	if err := Validate(attack()); err != nil {
		t.Fatal(err)
	}
	if err := Validate(All()); err != nil {
		t.Fatal(err)
	}
	want := []string{"INJ-001", "INJ-002", "INJ-003", "INJ-004", "INJ-005", "INJ-006", "SSRF-001", "SSRF-002", "CONS-001",
		"RATE-001", "RATE-002", "RATE-003", "RATE-004", "RATE-005", "CONF-001", "CONF-002", "CONF-003", "CONF-004", "CONF-005", "CONF-006",
		"CONF-007", "INV-001", "INV-002", "INV-003", "SPEC-001", "SPEC-002", "SPEC-003"}
	got := map[string]bool{}
	for _, c := range attack() {
		info := c.Info()
		got[strings.TrimPrefix(info.ID, "ESC-DAST-")] = true
		if info.Description == "" || !strings.Contains(info.Remediation, "```") || len(info.References) == 0 {
			t.Errorf("%s: description, remediation snippet and references are required", info.ID)
		}
		if info.Severity < escarp.SeverityInfo || info.Severity > escarp.SeverityCritical {
			t.Errorf("%s: severity %d out of range", info.ID, info.Severity)
		}
	}
	for _, id := range want {
		if !got[id] {
			t.Errorf("ESC-DAST-%s is missing from the attack group", id)
		}
	}
	if len(got) != len(want) {
		t.Errorf("attack group has %d checks, want %d", len(got), len(want))
	}
}
