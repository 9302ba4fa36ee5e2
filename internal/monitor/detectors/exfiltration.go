package detectors

import (
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// ExfiltrationBytes fires when a principal downloads far more bytes than
// its own baseline.
func ExfiltrationBytes() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-EXFIL-001", "Exfiltration by response volume", escarp.SeverityHigh, "API3:2023", []string{"CWE-200"},
			"After learning three five-minute windows of a verified principal, a window whose response bytes exceed 4× its learned p90 "+
				"and 2 MB.",
			"Page and cap responses; rate-limit bulk exports; check the principal's recent activity."),
		Keyspace: detect.KeyPrincipal,
		Filter:   func(e *detect.Event) bool { return e.Success() },
		Baseline: &detect.Baseline{Window: 5 * time.Minute, Learn: 3, Factor: 4, Min: 2 << 20,
			Value: func(e *detect.Event) float64 { return float64(e.RespBytes) }},
		CoolDown: time.Hour,
	}
}

// ExfiltrationRecords fires when a principal receives far more records
// (items of JSON array responses) than its own baseline.
func ExfiltrationRecords() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-EXFIL-002", "Exfiltration by record count", escarp.SeverityHigh, "API3:2023", []string{"CWE-200"},
			"After learning three five-minute windows of a verified principal, a window in which it received more than 4× its learned p90 "+
				"of records and more than 1,000 records. Needs response bodies (proxy, HAR).",
			"Cap page sizes server-side; filter responses to what the caller may see."),
		Keyspace: detect.KeyPrincipal,
		Filter:   func(e *detect.Event) bool { return e.Success() && e.Records > 0 },
		Baseline: &detect.Baseline{Window: 5 * time.Minute, Learn: 3, Factor: 4, Min: 1000,
			Value: func(e *detect.Event) float64 { return float64(e.Records) }},
		CoolDown: time.Hour,
	}
}
