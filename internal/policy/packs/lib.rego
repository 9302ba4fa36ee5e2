# METADATA
# title: escarp policy library
# description: Helpers shared by the built-in packs and available to user policies as data.escarp.lib.
# custom:
#   owner: escarp maintainers
#   rationale: One place for locating violations, so every pack reports file, line and JSON pointer the same way.
#   review: 2027-06-01
package escarp.lib

# at is a violation at an element of the API description (anything with pos and pointer).
at(el, msg) := {"msg": msg, "pos": object.get(el, "pos", {}), "pointer": object.get(el, "pointer", "")}

# at_op is a violation at an operation: its position, pointer, method and path.
at_op(op, msg) := object.union(at(op, msg), {"method": op.method, "path": op.path})

# at_api is a violation at the root of the API description.
at_api(msg) := {"msg": msg, "pos": object.get(object.get(input, "api", {}), "pos", {})}

# at_url is a violation about a live origin (TLS facts).
at_url(u, msg) := {"msg": msg, "url": u}

# arr is x when it is an array, else the empty array (JSON null for "no scopes").
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# ext is the extension name of element el, or null.
ext(el, name) := object.get(object.get(el, "extensions", {}), name, null)

# anonymous is true when an operation can be called without credentials.
anonymous(op) if count(arr(object.get(op, "security", []))) == 0

anonymous(op) if {
	some req in arr(object.get(op, "security", []))
	count(req) == 0
}

# operations are the API's operations, or none (an array: a set would hash every operation).
operations := arr(object.get(object.get(input, "api", {}), "operations", []))

# schemes are the API's security schemes by name, or none.
schemes := object.get(object.get(input, "api", {}), "securitySchemes", {})

# params are the pack parameters (escarp's defaults merged with the policy section's params).
params := data.escarp.params
