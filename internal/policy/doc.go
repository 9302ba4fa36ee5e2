// Package policy is escarp's policy as code (pillar 5): Rego policies,
// evaluated with OPA (github.com/open-policy-agent/opa/v1/rego), over one
// versioned input document that holds the normalised API description, the
// inventory, the findings of the current run and TLS facts of the target.
//
// It is a leaf package: it is the only package that links OPA, and
// cmd/escarp is the only package that imports it (the houserules test
// checks both), so ordinary test binaries stay small.
//
// # Policies
//
// Policies are Rego files: the built-in packs embedded in the binary (one
// package per pack under escarp.pack.*, each rule with a stable id
// ESC-POL-<PACK>-NNN) and the user's files (policy/ or --policy DIR).
// Rego v1 is the default; a directory whose .manifest says
// {"rego_version": 0}, or one named with --rego-v0, is parsed as Rego v0,
// as most Conftest packs are. Files ending in _test.rego are tests: they
// are loaded by [RunTests] and never evaluated as policies.
//
// Rules follow Conftest's conventions: a rule named deny, violation or
// warn, or starting with deny_, violation_ or warn_, reports violations.
// Its values are strings (the message) or objects with msg and, to place
// the violation, pos ({file, line}), pointer, method, path, param or url.
// A user's rule is reported as policy:<package>.<rule>.
//
// # Governance
//
// Every policy carries its owner, rationale and review date in OPA
// # METADATA annotations under custom: (owner, rationale, review, and for
// rules id, severity, owasp, cwe, remediation); [Review] lists policies
// past their review date. Waivers are entries of the one suppressions file
// (.escarp/suppressions.yaml) with stage: policy.
package policy
