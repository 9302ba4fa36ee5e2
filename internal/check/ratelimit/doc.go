// Package ratelimit holds escarp's unrestricted resource consumption
// checks (OWASP API4:2023): no rate limiting (ESC-DAST-RATE-001),
// unbounded page sizes (RATE-002), oversized payloads accepted (RATE-003)
// and expensive inputs such as ReDoS (RATE-004).
//
// Every probe is bounded: a burst of 60 requests stopped at the first
// 429, two oversized bodies sent only to creating operations, and timing
// probes that share the time-based checks' statistical rule.
package ratelimit
