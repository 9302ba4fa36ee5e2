// Package bfla holds the broken function level authorization checks (OWASP
// API5:2023, CWE-285): a non-privileged identity doing what only a
// privileged one should.
//
//   - ESC-DAST-BFLA-001: an operation the spec marks as privileged (admin,
//     internal or management path segments or tags, "admin only" in the
//     summary or description, admin or write-all scopes) succeeds for a
//     non-privileged identity with the same effect as for the privileged
//     baseline.
//   - ESC-DAST-BFLA-002: method switching: a documented read-only (GET only)
//     object accepts PATCH, PUT or DELETE from a non-privileged identity,
//     verified by reading it back.
//
// Both are non-destructive by default: changes are reverted (BFLA-002 puts
// the original object back) and DELETE only reaches objects escarp created
// for the scan.
package bfla
