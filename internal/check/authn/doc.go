// Package authn holds the broken authentication checks (OWASP API2:2023):
// protected operations that answer without credentials, tokens the API
// accepts when it should not (garbled, alg "none", bad signature, expired,
// signed with a guessable key), credentials in URLs, user enumeration and
// missing brute-force protection on the login operation.
//
// The token checks run once per API on the protected GET operations (up to
// 12, the caller's profile first; one finding per operation, at most 3):
// operations the spec protects, that answer 2xx with data to a
// configured identity (the baseline) and 401 or 403 to an anonymous
// request (so that authentication really is enforced there). A variant of
// the identity's token is "accepted" when the answer is 2xx, carries no
// error envelope and has the baseline's shape (at least 80% of its member
// names). Every finding is confirmed by a second, freshly prepared request.
//
// JWTs are parsed and forged with github.com/golang-jwt/jwt/v5; the weak
// key search is offline (HMAC over the identity's own token, no requests).
// The login checks never send a wrong password for a configured identity
// more than twice, and the brute-force burst only targets an account name
// that cannot exist.
//
//   - ESC-DAST-AUTHN-001: protected operation answers without credentials.
//   - ESC-DAST-AUTHN-002: garbled token accepted.
//   - ESC-DAST-AUTHN-003: JWT with alg "none" accepted.
//   - ESC-DAST-AUTHN-004: JWT with a stripped, wrong or stale signature accepted.
//   - ESC-DAST-AUTHN-005: expired JWT accepted.
//   - ESC-DAST-AUTHN-006: JWT signed with a guessable HMAC key.
//   - ESC-DAST-AUTHN-007: credentials accepted in the URL.
//   - ESC-DAST-AUTHN-008: user enumeration through the login operation.
//   - ESC-DAST-AUTHN-009: no brute-force protection on the login operation.
package authn
