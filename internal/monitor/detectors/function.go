package detectors

import (
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// FunctionAbuse fires when a principal succeeds on an operation that, while
// learning, only a small part of the principals called.
func FunctionAbuse() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-BFLA-001", "Function-level abuse", escarp.SeverityHigh, "API5:2023", []string{"CWE-285"},
			"During the first 10 minutes the monitor learns which verified principals call each operation with success. Afterwards, a "+
				"principal outside an operation's audience calling it with success fires, when that audience is at most a quarter of the "+
				"principals seen (an administrative function reached by an ordinary user).",
			"Enforce function-level authorization (roles, scopes) on the operation; deny by default."),
		Keyspace: detect.KeyAPI,
		GroupBy:  func(e *detect.Event) string { return e.Operation() },
		Audience: &detect.Audience{Learn: 10 * time.Minute, MaxShare: 0.25},
		CoolDown: time.Hour,
	}
}
