// Package bola holds the broken object level authorization checks (OWASP
// API1:2023, CWE-639): one identity reaching another identity's objects.
//
// Every check works the same way. The engine prepares a request for the
// operation with the real ids of objects the owner identity owns; the check
// sends it as the owner (the baseline, which must succeed with object data),
// then sends the same request as another, non-privileged identity. The
// attacker's answer is a leak only when it is 2xx, does not carry an error
// envelope, and holds the owner's data (at least 80% of the owner's
// non-volatile member=value pairs, including a distinctive value such as
// an e-mail or a long id). Objects that are not owned are skipped: when the
// engine resolves the same ids for both identities (a shared catalogue
// entry), or when an anonymous request gets the same data (a public object;
// that is ESC-DAST-AUTHN-001's business). Writes are judged by reading the
// object back as its owner. Every finding is confirmed by an independent
// second request.
//
//   - ESC-DAST-BOLA-001: another identity's object read by an id in the path.
//   - ESC-DAST-BOLA-002: another identity's object updated or deleted.
//   - ESC-DAST-BOLA-003: object ids in query, header or body, and children
//     reached through another identity's parent (/users/{uid}/orders/{oid}).
package bola
