# METADATA
# title: Authorization
# description: What a caller may do once authenticated - scopes on every operation, admin scopes on admin operations, an ownership rule on object-id operations.
# custom:
#   pack: authorization
#   owner: escarp maintainers
#   rationale: Broken object and function level authorization are the top two API risks (OWASP API1:2023, API5:2023).
#   review: 2027-06-01
package escarp.pack.authorization

import data.escarp.lib

oauth_types := {"oauth2", "openIdConnect"}

# METADATA
# title: OAuth 2.0 operations require scopes
# description: An operation protected by an OAuth 2.0 or OpenID Connect scheme must list the scopes it needs; with none, any valid token of any client may call it.
# custom:
#   id: ESC-POL-AUTHZ-001
#   severity: medium
#   owasp: API5:2023
#   cwe: [CWE-285]
#   remediation: "List the least scope the operation needs: security: [{oauth: [bookings:read]}]."
deny_no_scopes contains v if {
	some op in lib.operations
	some req in lib.arr(object.get(op, "security", []))
	some name, scopes in req
	lib.schemes[name].type in oauth_types
	count(lib.arr(scopes)) == 0
	v := lib.at_op(op, sprintf("%s %s accepts %s tokens without requiring any scope", [op.method, op.path, name]))
}

admin(op) if regex.match(`(^|/)admin(/|$)`, op.path)

admin(op) if lib.ext(op, "x-escarp-privileged") == true

admin_scope(s) if contains(lower(s), "admin")

# METADATA
# title: Admin operations require admin credentials
# description: Administrative operations (an /admin path segment, or x-escarp-privileged) must require authentication, and where OAuth 2.0 scopes are in use an admin scope.
# custom:
#   id: ESC-POL-AUTHZ-002
#   severity: high
#   owasp: API5:2023
#   cwe: [CWE-285]
#   remediation: Require authentication on the operation and an admin scope (for example admin:write) in its security requirement.
deny_admin_unprotected contains v if {
	some op in lib.operations
	admin(op)
	lib.anonymous(op)
	v := lib.at_op(op, sprintf("admin operation %s %s can be called without credentials", [op.method, op.path]))
}

deny_admin_unprotected contains v if {
	some op in lib.operations
	admin(op)
	not lib.anonymous(op)
	some req in lib.arr(op.security)
	some name, _ in req
	lib.schemes[name].type in oauth_types
	not any_admin_scope(op)
	v := lib.at_op(op, sprintf("admin operation %s %s does not require an admin scope", [op.method, op.path]))
}

any_admin_scope(op) if {
	some req in lib.arr(op.security)
	some _, scopes in req
	some s in lib.arr(scopes)
	admin_scope(s)
}

object_id(op) if {
	some p in lib.arr(object.get(op, "parameters", []))
	p["in"] == "path"
	regex.match(`^(id|.*[a-z0-9]Id|.*_id)$`, p.name)
}

owner_rule(op) if lib.ext(op, "x-escarp-owner") != null

owner_rule(op) if {
	some r in lib.arr(object.get(op, "responses", []))
	r.status in {"403", "404"}
}

# METADATA
# title: Object-id operations declare an ownership rule
# description: An operation that takes an object id in its path must say how ownership is enforced - an x-escarp-owner extension naming the owning field, or at least the 403/404 answer a caller gets for someone else's object. Without it nobody can review the BOLA control.
# custom:
#   id: ESC-POL-AUTHZ-003
#   severity: medium
#   owasp: API1:2023
#   cwe: [CWE-639]
#   remediation: "Declare the rule (x-escarp-owner: member_id) and document the 403 or 404 response for objects of other users."
deny_object_without_owner_rule contains v if {
	some op in lib.operations
	object_id(op)
	not lib.anonymous(op)
	not owner_rule(op)
	v := lib.at_op(op, sprintf("%s %s takes an object id but declares no ownership rule (x-escarp-owner, or a 403/404 response)", [op.method, op.path]))
}
