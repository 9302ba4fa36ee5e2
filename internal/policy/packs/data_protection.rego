# METADATA
# title: Data protection
# description: Sensitive data stays out of URLs, and sensitive fields are marked as such. Names are judged by escarp's one catalogue of sensitive names (the "sensitive" flag of parameters and properties in the input).
# custom:
#   pack: data-protection
#   owner: escarp maintainers
#   rationale: URLs end up in logs, browser history, proxies and Referer headers; unmarked secrets end up in documentation examples and responses (OWASP API3:2023).
#   review: 2027-06-01
package escarp.pack.data_protection

import data.escarp.lib

# METADATA
# title: No sensitive data in URLs
# description: Passwords, tokens, keys and similar values must not travel in the path or the query string, which are logged and cached everywhere along the way.
# custom:
#   id: ESC-POL-DATA-001
#   severity: high
#   owasp: API3:2023
#   cwe: [CWE-598]
#   remediation: Move the value into a header (Authorization) or the request body of a POST.
deny_sensitive_in_url contains v if {
	some op in lib.operations
	some p in lib.arr(object.get(op, "parameters", []))
	p["in"] in {"query", "path"}
	p.sensitive == true
	v := lib.at(p, sprintf("%s %s takes sensitive %s parameter %q in the URL", [op.method, op.path, p["in"], p.name]))
}

marked(f) if f.format == "password"

marked(f) if f.writeOnly == true

marked(f) if f.classification != ""

marked(f) if f.readOnly == true

# Token responses (RFC 6749 section 5.1) return the tokens they issue by design.
marked(f) if f.name in {n | some n in lib.params.token_response_fields}

# METADATA
# title: Sensitive fields are marked
# description: A schema property whose name holds a secret (password, token, secret...) must be marked - format password, writeOnly, readOnly for values the server issues, or an x-escarp-classification - so tools mask it and clients never echo it. The fields of OAuth 2.0 token responses (params.token_response_fields) are exempt.
# custom:
#   id: ESC-POL-DATA-002
#   severity: low
#   owasp: API3:2023
#   cwe: [CWE-200]
#   remediation: "Mark the property: {type: string, format: password, writeOnly: true}."
deny_unmarked_sensitive_field contains v if {
	some f in lib.arr(object.get(input, "properties", []))
	f.sensitive == true
	not marked(f)
	v := lib.at(f, sprintf("property %q of %s holds sensitive data but is not marked (format: password, writeOnly or x-escarp-classification)", [f.name, f.schema]))
}
