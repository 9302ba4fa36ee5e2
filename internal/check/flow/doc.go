// Package flow holds the business-flow checks (OWASP API6:2023, CWE-840 and
// CWE-841): steps of a flow that can be skipped, one-time actions that can
// be replayed, and documented business rules the API does not enforce.
//
//   - ESC-DAST-FLOW-001: a later step of a multi-step flow (cart, checkout,
//     pay, confirm) succeeds on a fresh object whose earlier step was
//     skipped, and changes its state.
//   - ESC-DAST-FLOW-002: a one-time action (redeem, coupon, vote, transfer,
//     claim, ...) succeeds twice and changes state twice.
//   - ESC-DAST-FLOW-003: a value the schema forbids (below a minimum, outside
//     an enum) is accepted with 2xx and persisted, as reading the object
//     back shows.
//
// Every oracle needs an observable change of state (read back with a GET,
// or a numeric member such as a balance moving twice): a 2xx alone is
// never reported.
package flow
