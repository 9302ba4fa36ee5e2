// Package conformance holds escarp's checks of the API against its own
// description: undeclared status codes (ESC-DAST-SPEC-001), answers that
// do not match their schema (SPEC-002) and server errors (SPEC-003).
//
// OWASP mapping: SPEC-001 and SPEC-002 are documentation drift, API9:2023
// (improper inventory management, CWE-1059); SPEC-003 is an unhandled
// exceptional condition, API8:2023 (security misconfiguration, CWE-755).
// [Validate] is the schema validator SPEC-002 uses; it judges only what a
// response schema promises a client, so legitimate answers stay silent.
package conformance
