# METADATA
# title: Access control
# description: Rate limits are declared on authentication operations and observed by the scan.
# custom:
#   pack: access-control
#   owner: escarp maintainers
#   rationale: Without rate limits credential stuffing, OTP brute force and scraping cost the attacker nothing (OWASP API4:2023).
#   review: 2027-06-01
package escarp.pack.access_control

import data.escarp.lib

auth_pattern := `(?i)(login|signin|sign-in|token|password|passwd|otp|mfa|2fa|reset)`

auth_op(op) if regex.match(auth_pattern, op.path)

auth_op(op) if regex.match(auth_pattern, object.get(op, "operationId", ""))

limited(op) if {
	some r in lib.arr(object.get(op, "responses", []))
	r.status == "429"
}

limited(op) if lib.ext(op, "x-rate-limit") != null

limited(op) if lib.ext(op, "x-ratelimit") != null

# METADATA
# title: Rate limits declared on authentication operations
# description: Login, token, password-reset and one-time-password operations must declare their rate limit - a 429 response or an x-rate-limit extension - so clients and reviewers know it exists.
# custom:
#   id: ESC-POL-ACCESS-001
#   severity: medium
#   owasp: API4:2023
#   cwe: [CWE-307]
#   remediation: "Limit the operation and document it: responses: {'429': {description: Too many attempts, headers: {Retry-After: ...}}}."
deny_rate_limit_undeclared contains v if {
	some op in lib.operations
	auth_op(op)
	not limited(op)
	v := lib.at_op(op, sprintf("%s %s is an authentication operation with no declared rate limit (no 429 response)", [op.method, op.path]))
}

# METADATA
# title: Rate limits observed by the scan
# description: When the current run holds a scan finding that a rate limit is missing or bypassable (ESC-DAST-RATE-*), the declared policy does not hold in production.
# custom:
#   id: ESC-POL-ACCESS-002
#   severity: high
#   owasp: API4:2023
#   cwe: [CWE-770]
#   remediation: Enforce the limit at the gateway or in the application (per client and per account), then scan again.
deny_rate_limit_not_observed contains v if {
	some f in lib.arr(object.get(input, "findings", []))
	startswith(f.ruleId, "ESC-DAST-RATE-")
	object.get(f, "suppressed", null) == null
	loc := object.get(f, "location", {})
	v := {
		"msg": sprintf("the scan observed no effective rate limit: %s (%s)", [f.message, f.ruleId]),
		"pos": {"file": object.get(loc, "file", ""), "line": object.get(loc, "line", 0)},
		"method": object.get(loc, "method", ""),
		"path": object.get(loc, "path", ""),
	}
}
