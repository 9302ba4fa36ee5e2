# METADATA
# title: Ownership
# description: Every API, and every service of the inventory, has an owner.
# custom:
#   pack: ownership
#   owner: escarp maintainers
#   rationale: An API without an owner has nobody to fix its findings, review its policies or retire it (OWASP API9:2023).
#   review: 2027-06-01
package escarp.pack.ownership

import data.escarp.lib

owned(api) if object.get(object.get(api, "contact", {}), "email", "") != ""

owned(api) if object.get(object.get(api, "contact", {}), "name", "") != ""

owned(api) if lib.ext(api, "x-owner") != null

owned(api) if lib.ext(api, "x-escarp-owner") != null

# METADATA
# title: Every API has an owner
# description: The API description must name its owner - info.contact (name or email), or an x-owner extension.
# custom:
#   id: ESC-POL-OWN-001
#   severity: medium
#   owasp: API9:2023
#   cwe: [CWE-1059]
#   remediation: "Name the owning team: info: {contact: {name: Payments team, email: payments@example.com}}."
deny_api_without_owner contains v if {
	api := input.api
	not owned(api)
	v := lib.at_api(sprintf("API %q names no owner (info.contact or x-owner)", [object.get(api, "title", "")]))
}

# METADATA
# title: Every inventory service has an owner
# description: Each service of the inventory must have an owner, set with escarp inventory or in the service's spec.
# custom:
#   id: ESC-POL-OWN-002
#   severity: low
#   owasp: API9:2023
#   cwe: [CWE-1059]
#   remediation: Set the service's owner in the inventory.
deny_service_without_owner contains v if {
	some s in lib.arr(object.get(object.get(input, "inventory", {}), "services", []))
	object.get(s, "owner", "") == ""
	v := {"msg": sprintf("inventory service %q has no owner", [s.name]), "service": s.name}
}
