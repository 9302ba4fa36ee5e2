# METADATA
# title: Authentication
# description: How clients authenticate - allowed schemes and OAuth 2.0 flows, JWT requirements.
# custom:
#   pack: authentication
#   owner: escarp maintainers
#   rationale: Obsolete grants and weak schemes are the usual first step of account takeover (OWASP API2:2023).
#   review: 2027-06-01
package escarp.pack.authentication

import data.escarp.lib

# METADATA
# title: No OAuth 2.0 implicit grant
# description: The implicit grant returns access tokens in the redirect URL, where browser history, logs and Referer headers leak them; OAuth 2.0 Security BCP (RFC 9700) forbids it.
# custom:
#   id: ESC-POL-AUTHN-001
#   severity: high
#   owasp: API2:2023
#   cwe: [CWE-287]
#   remediation: Use the authorization code flow with PKCE (flows.authorizationCode) instead of flows.implicit.
deny_implicit_grant contains v if {
	some name, scheme in lib.schemes
	some flow in lib.arr(object.get(scheme, "flows", []))
	flow.type == "implicit"
	v := lib.at(scheme, sprintf("security scheme %q offers the OAuth 2.0 implicit grant", [name]))
}

# METADATA
# title: No OAuth 2.0 password grant
# description: The resource owner password credentials grant hands the user's password to the client and cannot support MFA; RFC 9700 forbids it.
# custom:
#   id: ESC-POL-AUTHN-002
#   severity: high
#   owasp: API2:2023
#   cwe: [CWE-522]
#   remediation: Use the authorization code flow with PKCE for users, client credentials for services.
deny_password_grant contains v if {
	some name, scheme in lib.schemes
	some flow in lib.arr(object.get(scheme, "flows", []))
	flow.type == "password"
	v := lib.at(scheme, sprintf("security scheme %q offers the OAuth 2.0 password grant", [name]))
}

scheme_kind(s) := concat(":", ["http", lower(object.get(s, "scheme", ""))]) if s.type == "http"

scheme_kind(s) := concat(":", ["apiKey", object.get(s, "in", "")]) if s.type == "apiKey"

scheme_kind(s) := s.type if not s.type in {"http", "apiKey"}

# METADATA
# title: Only allowed authentication schemes
# description: Every security scheme must be one the organisation allows (params.allowed_schemes); by default HTTP Basic, Digest and API keys in the query string are not, since they expose reusable credentials.
# custom:
#   id: ESC-POL-AUTHN-003
#   severity: medium
#   owasp: API2:2023
#   cwe: [CWE-287]
#   remediation: Replace the scheme with bearer tokens, OAuth 2.0/OpenID Connect, mutual TLS or an API key in a header.
deny_scheme_not_allowed contains v if {
	some name, scheme in lib.schemes
	kind := scheme_kind(scheme)
	not kind in {k | some k in lib.params.allowed_schemes}
	v := lib.at(scheme, sprintf("security scheme %q is %s, which is not an allowed scheme (%s)", [name, kind, concat(", ", lib.params.allowed_schemes)]))
}

# METADATA
# title: JWT algorithms are allowed ones
# description: A JWT bearer scheme that declares its accepted algorithms (x-escarp-jwt.algorithms) must accept only allowed ones (params.jwt_algorithms); "none" and unexpected algorithms allow forged tokens.
# custom:
#   id: ESC-POL-AUTHN-004
#   severity: high
#   owasp: API2:2023
#   cwe: [CWE-347]
#   remediation: "Accept only asymmetric algorithms such as RS256 or ES256: x-escarp-jwt: {algorithms: [RS256], audience: https://api.example.com}."
deny_jwt_algorithm contains v if {
	some name, scheme in lib.schemes
	jwt := lib.ext(scheme, "x-escarp-jwt")
	some alg in lib.arr(object.get(jwt, "algorithms", []))
	not alg in {a | some a in lib.params.jwt_algorithms}
	v := lib.at(scheme, sprintf("security scheme %q accepts JWT algorithm %q, which is not allowed", [name, alg]))
}

# METADATA
# title: JWT audience is declared
# description: A JWT bearer scheme that declares its JWT requirements (x-escarp-jwt) must name the audience it checks; a token minted for another service must not be accepted.
# custom:
#   id: ESC-POL-AUTHN-005
#   severity: medium
#   owasp: API2:2023
#   cwe: [CWE-287]
#   remediation: "Add the audience: x-escarp-jwt: {algorithms: [RS256], audience: https://api.example.com}, and check aud on every request."
deny_jwt_audience contains v if {
	some name, scheme in lib.schemes
	jwt := lib.ext(scheme, "x-escarp-jwt")
	jwt != null
	object.get(jwt, "audience", "") == ""
	v := lib.at(scheme, sprintf("security scheme %q declares JWT requirements without an audience", [name]))
}
