// Package escarp is the domain language that every other escarp package shares.
//
// It holds the normalized API description ([API], [Operation], [Parameter],
// [Schema]), the result of every engine ([Finding], [Report]), the
// severities and confidences they carry, the application error type
// ([Error]) whose [ErrorKind] decides exit codes and HTTP statuses, and
// the store contracts shared by several implementations.
//
// The package imports only the standard library. Loaders, engines, stores and
// output formats live under internal/ and depend on this package, never the
// other way round.
//
// # Data flow
//
// Specs, source code, traffic and active discovery are normalized into an
// [API]. Audit rules, DAST checks, code scanners and anomaly detectors read it
// and emit [Finding] values, which are gated, stored and rendered into
// reports.
package escarp
