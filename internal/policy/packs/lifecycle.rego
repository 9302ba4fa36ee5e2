# METADATA
# title: Lifecycle
# description: Deprecations carry a sunset date, and the API follows a versioning scheme.
# custom:
#   pack: lifecycle
#   owner: escarp maintainers
#   rationale: Deprecated endpoints without an end date live forever as zombie APIs nobody patches (OWASP API9:2023).
#   review: 2027-06-01
package escarp.pack.lifecycle

import data.escarp.lib

sunset(op) if lib.ext(op, "x-sunset") != null

sunset(op) if lib.ext(op, "x-sunset-date") != null

sunset(op) if {
	some r in lib.arr(object.get(op, "responses", []))
	some h in lib.arr(object.get(r, "headers", []))
	lower(h.name) == "sunset"
}

# METADATA
# title: Deprecations carry a sunset date
# description: A deprecated operation must say when it goes away - an x-sunset extension or a Sunset response header (RFC 8594).
# custom:
#   id: ESC-POL-LIFE-001
#   severity: medium
#   owasp: API9:2023
#   cwe: [CWE-1059]
#   remediation: "Add x-sunset: 2027-03-31 to the operation and send the Sunset header on its responses."
deny_deprecated_without_sunset contains v if {
	some op in lib.operations
	op.deprecated == true
	not sunset(op)
	v := lib.at_op(op, sprintf("%s %s is deprecated without a sunset date", [op.method, op.path]))
}

# METADATA
# title: The API follows a versioning scheme
# description: info.version must follow the versioning scheme (params.version_pattern, semantic versioning by default), so consumers can tell breaking releases from others.
# custom:
#   id: ESC-POL-LIFE-002
#   severity: low
#   owasp: API9:2023
#   cwe: [CWE-1059]
#   remediation: "Version the description with semantic versioning: info.version: 2.4.1."
deny_version_scheme contains v if {
	api := input.api
	not regex.match(lib.params.version_pattern, object.get(api, "version", ""))
	v := lib.at_api(sprintf("info.version %q does not follow the versioning scheme %s", [object.get(api, "version", ""), lib.params.version_pattern]))
}
