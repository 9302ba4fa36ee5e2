package detectors

import (
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// UserEnumeration fires when one client probes many distinct usernames on
// account lookup, password reset or sign-up operations.
func UserEnumeration() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-USER-001", "User enumeration", escarp.SeverityMedium, "API2:2023", []string{"CWE-204"},
			"One client address named more than 15 distinct usernames or e-mail addresses on account lookup, password reset or sign-up "+
				"operations, faster than one new name every 20 seconds: harvesting which accounts exist.",
			"Answer the same way whether or not the account exists; throttle these operations per client."),
		Keyspace: detect.KeyClient,
		Filter:   func(e *detect.Event) bool { return e.Account && e.Username != "" },
		Distinct: func(e *detect.Event) string { return e.Username },
		Capacity: 15, Leak: 20 * time.Second, CoolDown: time.Hour,
	}
}
