// Package injection holds escarp's injection checks (OWASP API8:2023):
// SQL (ESC-DAST-INJ-001), NoSQL operator (INJ-002), OS command (INJ-003),
// server-side template (INJ-004), path traversal (INJ-005) and XML
// external entity (INJ-006) injection.
//
// The injection points it probes come from the check toolkit:
// [checkkit.Points] finds the path, query and header parameters and the
// JSON or form body members of a prepared request, and
// [checkkit.Point.With] puts a value there.
//
// # Keeping false positives down
//
// Every finding is confirmed by a second, independent request with a
// fresh payload. Error-based detection requires a signature the valid
// answer lacks and an escaped control that does not produce it;
// boolean-based detection requires equal-length true and false payloads
// giving repeatably different answers; time-based detection
// ([checkkit.DelayProbe]) requires a delay of at least 80% of the
// requested one twice while the zero-delay control is fast, with time-based probes of a
// process serialized so one probe's delay is not read as another's.
package injection
