package detectors

import (
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// ShadowCall fires on a call to an operation the spec or inventory does not
// know that the API answered.
func ShadowCall() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-SHADOW-001", "Shadow API call", escarp.SeverityMedium, "API9:2023", []string{"CWE-1059"},
			"A call that matches no operation of the spec or inventory was answered with something other than 404 or 405: an endpoint "+
				"nobody documented, reviewed or tests. One alert per inferred operation per day.",
			"Document the operation (and run escarp scan on it) or remove it; route only documented paths at the gateway."),
		Keyspace: detect.KeyOperation,
		Filter:   func(e *detect.Event) bool { return !e.Matched && e.Status != 404 && e.Status != 405 && e.Status != 0 },
		Capacity: 0, Admit: 1, CoolDown: 24 * time.Hour, Catalogue: true,
	}
}

// ZombieCall fires on a call to an operation the spec marks deprecated.
func ZombieCall() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-ZOMBIE-001", "Zombie API call", escarp.SeverityLow, "API9:2023", []string{"CWE-1059"},
			"A call to an operation the spec marks deprecated: someone still depends on it, so it stays exposed and must stay patched. "+
				"One alert per operation per day.",
			"Find the callers (the alert names the principal and client), migrate them, then retire the operation."),
		Keyspace: detect.KeyOperation,
		Filter:   func(e *detect.Event) bool { return e.Matched && e.Deprecated },
		Capacity: 0, Admit: 1, CoolDown: 24 * time.Hour, Catalogue: true,
	}
}
