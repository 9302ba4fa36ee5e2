package list

import (
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/conformance"
	"github.com/escarp/escarp/internal/check/consumption"
	"github.com/escarp/escarp/internal/check/injection"
	"github.com/escarp/escarp/internal/check/inventory"
	"github.com/escarp/escarp/internal/check/misconfig"
	"github.com/escarp/escarp/internal/check/ratelimit"
	"github.com/escarp/escarp/internal/check/ssrf"
)

// attack lists the resource, SSRF, injection, misconfiguration, inventory,
// unsafe-consumption and conformance checks (OWASP API4, API7 to API10).
func attack() []check.Check {
	return []check.Check{
		// API8: injection.
		&injection.SQLi{},
		&injection.NoSQLi{},
		&injection.Command{},
		&injection.Template{},
		&injection.Traversal{},
		&injection.XXE{},
		// API7: server-side request forgery.
		&ssrf.Blind{},
		&ssrf.Internal{},
		// API10: unsafe consumption of APIs.
		&consumption.Unsafe{},
		// API4: unrestricted resource consumption.
		&ratelimit.PageSize{},
		&ratelimit.Oversize{},
		&ratelimit.ReDoS{},
		&ratelimit.MaxItems{},
		&ratelimit.Burst{},
		// API8: security misconfiguration.
		&misconfig.CORS{},
		&misconfig.CORSAny{},
		&misconfig.Headers{},
		&misconfig.Verbose{},
		&misconfig.Methods{},
		&misconfig.Disclosure{},
		&misconfig.Redirect{},
		// API9: improper inventory management.
		&inventory.Undocumented{},
		&inventory.Deprecated{},
		&inventory.Versions{},
		// Conformance to the API description.
		&conformance.Status{},
		&conformance.Schema{},
		&conformance.ServerError{},
	}
}
