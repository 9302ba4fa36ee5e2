package detectors

import (
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// ObjectEnumeration fires when one verified principal reads many distinct
// object ids of one operation quickly: BOLA scraping.
func ObjectEnumeration() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-ENUM-001", "Object enumeration by a principal", escarp.SeverityHigh, "API1:2023", []string{"CWE-639"},
			"One verified principal requested more than 25 distinct object ids of one operation, faster than one new id every 5 seconds "+
				"(a leaky bucket per principal and operation, pouring only ids it has not seen). Scrapers walking ids to read other users' "+
				"objects (broken object level authorization) look like this; a user browsing their own objects does not.",
			"Check object ownership on every read of the operation; use unguessable ids; rate-limit per principal and operation."),
		Keyspace: detect.KeyPrincipal,
		Filter:   func(e *detect.Event) bool { return e.ObjectID != "" && (e.Method == "GET" || e.Method == "HEAD") },
		GroupBy:  func(e *detect.Event) string { return e.Principal + " " + e.Operation() },
		Distinct: func(e *detect.Event) string { return e.ObjectID },
		Capacity: 25, Leak: 5 * time.Second, CoolDown: 30 * time.Minute,
	}
}

// AnonymousEnumeration is [ObjectEnumeration] for callers without a
// verified principal, keyed by client address.
func AnonymousEnumeration() detect.Spec {
	return detect.Spec{
		Rule: rule("ESC-MON-ENUM-002", "Object enumeration by an unauthenticated client", escarp.SeverityHigh, "API1:2023", []string{"CWE-639"},
			"One client address without a verified principal requested more than 25 distinct object ids of one operation, faster than one "+
				"new id every 5 seconds.",
			"Require authentication on object reads; check ownership; rate-limit per client."),
		Keyspace: detect.KeyClient,
		Filter: func(e *detect.Event) bool {
			return !e.Verified && e.ObjectID != "" && (e.Method == "GET" || e.Method == "HEAD")
		},
		GroupBy:  func(e *detect.Event) string { return e.ClientIP + " " + e.Operation() },
		Distinct: func(e *detect.Event) string { return e.ObjectID },
		Capacity: 25, Leak: 5 * time.Second, CoolDown: 30 * time.Minute,
	}
}
