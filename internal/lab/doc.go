// Package lab is escarp's deliberately vulnerable API, "Quayside Marina",
// and its hardened twin.
//
// The vulnerable lab plants more than thirty flaws that together cover every
// category of the OWASP API Security Top 10 2023: broken object and function
// level authorization, JWT mistakes, mass assignment, excessive data
// exposure, SQL, NoSQL-style, OS command and template injection, path
// traversal, XXE, SSRF, unsafe consumption of a partner API, missing rate
// limits, a ReDoS, misconfiguration, an undocumented endpoint, a deprecated
// operation that still answers and a forgotten /api/v1. Everything is real:
// a SQLite database per lab instance (modernc.org/sqlite), JWTs signed with
// github.com/golang-jwt/jwt/v5, a real /bin/sh for the command injection.
//
// The secure twin ([Options].Secure) serves the same endpoints with the same
// successful responses for legitimate use and every flaw fixed. [Flaws] is
// the machine-readable ground truth (flaws.json) a scanner benchmark compares
// findings with; [Spec] returns the OpenAPI 3.1 description of either mode.
//
// The lab binds to loopback only ([CheckAddr]): it runs shell commands and
// fetches URLs on request.
package lab
