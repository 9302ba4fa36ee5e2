package detectors

import (
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

func probeStatus(e *detect.Event) bool {
	switch e.Status {
	case 400, 401, 403, 404, 405:
		return true
	}
	return false
}

// ScannerProbing fires on a client requesting many distinct paths that
// fail with 400, 401, 403, 404 or 405.
func ScannerProbing() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-SCAN-001", "Scanner probing and forced browsing", escarp.SeverityMedium, "API8:2023", []string{"CWE-200"},
			"One client address requested more than 20 distinct paths answered 400, 401, 403, 404 or 405, faster than one new path every "+
				"5 seconds: a vulnerability scanner or someone guessing hidden endpoints.",
			"Block or slow the client; make sure nothing undocumented answers; keep error responses uniform."),
		Keyspace: detect.KeyClient,
		Filter:   probeStatus,
		Distinct: func(e *detect.Event) string { return e.Method + " " + e.Path },
		Capacity: 20, Leak: 5 * time.Second, CoolDown: time.Hour,
	}
}

// PrincipalForcedBrowsing is [ScannerProbing] keyed by verified principal,
// so an attacker rotating addresses with one account is still seen.
func PrincipalForcedBrowsing() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-SCAN-002", "Forced browsing by a principal", escarp.SeverityMedium, "API5:2023", []string{"CWE-425"},
			"One verified principal requested more than 20 distinct paths answered 400, 401, 403, 404 or 405, faster than one new path "+
				"every 5 seconds, whatever addresses it came from.",
			"Review what the account tried to reach; revoke its tokens if it is compromised."),
		Keyspace: detect.KeyPrincipal,
		Filter:   probeStatus,
		Distinct: func(e *detect.Event) string { return e.Method + " " + e.Path },
		Capacity: 20, Leak: 5 * time.Second, CoolDown: time.Hour,
	}
}
