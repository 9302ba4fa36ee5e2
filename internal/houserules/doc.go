// Package houserules holds no code, only tests that enforce escarp's house
// rules over the whole module (see ARCHITECTURE.md and
// reference/go-style.md):
//
//   - the root package escarp imports only the standard library;
//   - engines never import their plugins: internal/scan takes checks from
//     cmd/escarp and imports no internal/check subpackage, internal/audit
//     never imports internal/audit/rules, internal/check never imports its
//     own subpackages;
//   - internal/check/... and internal/audit/... never import a store or the
//     server (internal/sqlite, internal/postgres, internal/server), and
//     internal/server uses the root store contracts, not a concrete store;
//   - every package has exactly one "// Package x" doc comment;
//   - every exported identifier in non-test files has a doc comment;
//   - no package is named util, utils, common, helpers, misc, types, models
//     or interfaces;
//   - every relative link in README.md and docs/*.md points at a file that
//     exists.
//
// The tests run "go list" and parse sources from the module root; each
// failure lists every offender with its file:line.
package houserules
