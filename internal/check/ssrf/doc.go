// Package ssrf holds escarp's server-side request forgery checks (OWASP
// API7:2023): ESC-DAST-SSRF-001, the target fetches a URL a client gives
// it (a hit on escarp's callback listener), and ESC-DAST-SSRF-002, it
// fetches loopback addresses and returns what it read.
//
// Probes only ever point at escarp's own callback listener, in loopback
// forms when the listener is on loopback; never at link-local, private or
// third-party addresses.
package ssrf
