package detectors

import (
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// PrincipalRate fires when a principal's request rate jumps above its own
// learned baseline.
func PrincipalRate() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-RATE-001", "Request rate above the principal's baseline", escarp.SeverityMedium, "API4:2023", []string{"CWE-770"},
			"After learning five one-minute windows of a verified principal, a minute with more than 3× its learned p90 (EWMA mean + 1.28σ) "+
				"and more than 120 requests: a stolen token driven by a script, or a client stuck in a loop.",
			"Rate-limit per principal; check whether the token leaked."),
		Keyspace: detect.KeyPrincipal,
		Baseline: &detect.Baseline{Window: time.Minute, Learn: 5, Factor: 3, Min: 120},
		CoolDown: 30 * time.Minute,
	}
}

// APIFlood fires when the whole API's rate jumps above its baseline with
// many clients taking part.
func APIFlood() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-FLOOD-001", "API-wide flood from many clients", escarp.SeverityHigh, "API4:2023", []string{"CWE-400"},
			"After learning five one-minute windows of the whole API, a minute with more than 3× the learned p90, more than 600 requests and "+
				"at least 30 distinct client addresses: a distributed flood whose clients each stay under per-client limits.",
			"Put a global rate limit and admission control in front of the API; scale or shed load; block the sources upstream."),
		Keyspace: detect.KeyAPI,
		Baseline: &detect.Baseline{Window: time.Minute, Learn: 5, Factor: 3, Min: 600, MinDistinct: 30},
		CoolDown: 30 * time.Minute, Admit: 1,
	}
}
