package list

import "github.com/escarp/escarp/internal/check"

// attack lists the resource, SSRF, injection, misconfiguration, inventory,
// unsafe-consumption and conformance checks (OWASP API4, API7 to API10).
func attack() []check.Check {
	return []check.Check{}
}
