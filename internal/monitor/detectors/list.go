// Package detectors holds escarp monitor's detectors, one file each, and
// the explicit list the engine is given. Rule ids are ESC-MON-<CLASS>-NNN.
package detectors

import (
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// All returns every detector, in rule-id order within each class.
func All() []detect.Spec {
	return []detect.Spec{
		ObjectEnumeration(),
		AnonymousEnumeration(),
		CredentialStuffing(),
		BruteForce(),
		DistributedBruteForce(),
		SlowBruteForce(),
		UserEnumeration(),
		ScannerProbing(),
		PrincipalForcedBrowsing(),
		PrincipalRate(),
		APIFlood(),
		ExfiltrationBytes(),
		ExfiltrationRecords(),
		FunctionAbuse(),
		ShadowCall(),
		ZombieCall(),
	}
}

// Rules describes every detector's rule, for escarp explain and reports.
func Rules() []escarp.RuleInfo {
	var out []escarp.RuleInfo
	for _, s := range All() {
		out = append(out, s.Rule)
	}
	return out
}

func rule(id, title string, sev escarp.Severity, owasp string, cwe []string, desc, fix string) escarp.RuleInfo {
	return escarp.RuleInfo{ID: id, Title: title, Severity: sev, OWASP: owasp, CWE: cwe, Description: desc,
		Remediation: fix, Tags: []string{"security", "monitor", owasp}}
}
