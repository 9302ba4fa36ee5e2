// Package misconfig holds escarp's security misconfiguration checks
// (OWASP API8:2023): CORS (ESC-DAST-CONF-001), missing security headers
// (CONF-002), verbose errors (CONF-003), TRACE and undeclared unsafe
// methods (CONF-004), technology disclosure (CONF-005) and open redirect
// (CONF-006).
//
// Whole-API findings (CORS, headers, methods, disclosure) are reported
// once per API from a sample of valid answers. [Leak] recognizes stack
// traces, source paths, debug pages and database errors for other checks.
package misconfig
