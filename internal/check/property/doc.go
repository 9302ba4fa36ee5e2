// Package property holds the broken object property level authorization
// checks (OWASP API3:2023): properties a client may write but should not
// (mass assignment, CWE-915), and properties an API returns but should not
// (excessive data exposure, CWE-213; sensitive values, CWE-200).
//
//   - ESC-DAST-PROP-001: mass assignment, verified by reading the object
//     back and confirmed by setting the property back.
//   - ESC-DAST-PROP-002: response properties the schema does not declare,
//     when they look sensitive or are numerous.
//   - ESC-DAST-PROP-003: sensitive values in responses (password hashes,
//     secrets and keys, national ids, card numbers, private keys).
//
// # Rules that keep false positives down
//
// PROP-001 only injects properties the request schema does not document as
// writable: readOnly properties of the object's schema, and privileged names
// (role, is_admin, balance, verified, permissions, ...). A property counts as
// assigned only when the owner's read-back shows the injected value and the
// value before differed.
//
// PROP-002 judges an object only where its schema declares properties and
// does not allow others (additionalProperties absent or false, in every
// allOf/anyOf/oneOf member). It reports when an undeclared property has a
// sensitive name (password, hash, secret, token, ssn, card, internal, ...) or
// when four or more distinct properties are undeclared.
//
// PROP-003 matches values, not names alone: hash formats ($2a$, $argon2id$,
// pbkdf2), PEM private keys, provider key formats (AKIA..., sk_live_...), SSNs
// with valid area/group/serial, Luhn-valid 13 to 19 digit numbers with a
// card issuer prefix (not in id, time or phone members), and non-empty,
// unmasked values of members named password, secret, api_key or
// private_key. Evidence bodies have the values masked.
package property
