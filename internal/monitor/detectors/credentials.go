package detectors

import (
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

func loginFailure(e *detect.Event) bool { return e.Login && e.Failure() }

// CredentialStuffing fires when one client tries many distinct usernames on
// login operations, mostly failing.
func CredentialStuffing() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-CRED-001", "Credential stuffing", escarp.SeverityHigh, "API2:2023", []string{"CWE-307"},
			"One client address tried more than 10 distinct usernames on login operations, faster than one new name every 30 seconds, "+
				"and at least half of its attempts failed: leaked credential lists being replayed.",
			"Throttle logins per client and per account, require MFA, check passwords against breach lists, add a proof of work or CAPTCHA after failures."),
		Keyspace: detect.KeyClient,
		Filter:   func(e *detect.Event) bool { return e.Login && e.Username != "" },
		Distinct: func(e *detect.Event) string { return e.Username },
		Capacity: 10, Leak: 30 * time.Second, Ratio: 0.5, Failing: loginFailure, CoolDown: time.Hour,
	}
}

// BruteForce fires on many failed logins for one username in a short time.
func BruteForce() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-CRED-002", "Password brute force on one account", escarp.SeverityHigh, "API2:2023", []string{"CWE-307"},
			"More than 10 failed logins for one username, faster than one every minute.",
			"Lock or slow down the account after repeated failures (with a notice to its owner), require MFA."),
		Keyspace: detect.KeyUsername,
		Filter:   loginFailure,
		Capacity: 10, Leak: time.Minute, CoolDown: time.Hour,
	}
}

// DistributedBruteForce fires when failed logins for one username come
// from many client addresses.
func DistributedBruteForce() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-CRED-003", "Distributed brute force on one account", escarp.SeverityHigh, "API2:2023", []string{"CWE-307"},
			"Failed logins for one username from more than 8 distinct client addresses, faster than one new address every 5 minutes: "+
				"a botnet spreading guesses so that per-address limits never trigger.",
			"Throttle per account as well as per address; require MFA; alert the account owner."),
		Keyspace: detect.KeyUsername,
		Filter:   loginFailure,
		Distinct: func(e *detect.Event) string { return e.ClientIP },
		Capacity: 8, Leak: 5 * time.Minute, CoolDown: time.Hour,
	}
}

// SlowBruteForce catches brute force paced under the fast detectors.
func SlowBruteForce() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-CRED-004", "Slow brute force on one account", escarp.SeverityMedium, "API2:2023", []string{"CWE-307"},
			"More than 30 failed logins for one username at a pace above one every 10 minutes, sustained for hours: guessing paced to stay "+
				"under per-minute limits.",
			"Count failures per account over hours, not minutes; require MFA."),
		Keyspace: detect.KeyUsername,
		Filter:   loginFailure,
		Capacity: 30, Leak: 10 * time.Minute, CoolDown: 6 * time.Hour,
	}
}
