# METADATA
# title: Encryption in transit
# description: HTTPS only, TLS 1.2 or newer, no weak cipher suites, certificates valid long enough with strong keys, HSTS, and HTTP redirected to HTTPS. The TLS rules read the TLS facts escarp gathers with --tls-probe.
# custom:
#   pack: encryption
#   owner: escarp maintainers
#   rationale: Credentials and personal data cross the network on every call; weak transport security exposes them (OWASP API8:2023).
#   review: 2027-06-01
package escarp.pack.encryption

import data.escarp.lib

servers contains s if some s in lib.arr(object.get(object.get(input, "api", {}), "servers", []))

servers contains s if {
	some op in lib.operations
	some s in lib.arr(object.get(op, "servers", []))
}

# METADATA
# title: HTTPS only
# description: Every server of the API description must use https://; a plain http:// server sends credentials and data in clear text. Relative server URLs inherit the origin and are judged by the TLS probe instead.
# custom:
#   id: ESC-POL-ENC-001
#   severity: high
#   owasp: API8:2023
#   cwe: [CWE-319]
#   remediation: Serve the API over HTTPS only and change the server URL to https://.
deny_http_server contains v if {
	some s in servers
	startswith(lower(s.url), "http://")
	v := lib.at(s, sprintf("server %s is plain HTTP", [s.url]))
}

old_versions := {"SSL 3.0", "TLS 1.0", "TLS 1.1"}

tls := lib.arr(object.get(input, "tls", []))

# METADATA
# title: TLS 1.2 or newer
# description: TLS 1.0 and 1.1 are deprecated (RFC 8996) and broken by known attacks; the server must not offer them.
# custom:
#   id: ESC-POL-ENC-002
#   severity: high
#   owasp: API8:2023
#   cwe: [CWE-326]
#   remediation: Set the server's minimum protocol version to TLS 1.2 (better TLS 1.3).
deny_old_tls contains v if {
	some t in tls
	some ver in lib.arr(t.versions)
	ver in old_versions
	v := lib.at_url(t.origin, sprintf("%s offers %s", [t.origin, ver]))
}

weak(s) if s.insecure == true

weak(s) if regex.match(lib.params.weak_suite_pattern, s.name)

# METADATA
# title: No weak cipher suites
# description: The server must not negotiate weak cipher suites - RC4, 3DES, NULL, export or anonymous suites, RSA key exchange without forward secrecy, or CBC with SHA-1 (params.weak_suite_pattern).
# custom:
#   id: ESC-POL-ENC-003
#   severity: medium
#   owasp: API8:2023
#   cwe: [CWE-327]
#   remediation: Offer only AEAD suites with ECDHE key exchange (TLS_ECDHE_*_WITH_AES_*_GCM_*, CHACHA20_POLY1305) and TLS 1.3.
deny_weak_suite contains v if {
	some t in tls
	some s in lib.arr(t.cipherSuites)
	weak(s)
	v := lib.at_url(t.origin, sprintf("%s negotiates weak cipher suite %s with %s", [t.origin, s.name, s.version]))
}

# METADATA
# title: Certificate valid long enough
# description: The leaf certificate must be valid today and for at least params.min_cert_days more days, so renewal happens before clients start failing.
# custom:
#   id: ESC-POL-ENC-004
#   severity: high
#   owasp: API8:2023
#   cwe: [CWE-298]
#   remediation: Renew the certificate, and automate renewal (ACME) well before expiry.
deny_cert_expiry contains v if {
	some t in tls
	c := t.certificates[0]
	c.daysLeft < 0
	v := lib.at_url(t.origin, sprintf("%s: certificate %q expired on %s", [t.origin, c.subject, c.notAfter]))
}

deny_cert_expiry contains v if {
	some t in tls
	c := t.certificates[0]
	c.daysLeft < lib.params.min_cert_days
	c.daysLeft >= 0
	v := lib.at_url(t.origin, sprintf("%s: certificate %q expires in %d days (on %s), fewer than %d", [t.origin, c.subject, c.daysLeft, c.notAfter, lib.params.min_cert_days]))
}

# METADATA
# title: HSTS with a long max-age
# description: HTTPS responses must carry Strict-Transport-Security with max-age of at least params.hsts_min_age seconds, so browsers never fall back to HTTP.
# custom:
#   id: ESC-POL-ENC-005
#   severity: medium
#   owasp: API8:2023
#   cwe: [CWE-319]
#   remediation: "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on every HTTPS response."
deny_hsts contains v if {
	some t in tls
	t.hsts.checked
	not t.hsts.present
	v := lib.at_url(t.origin, sprintf("%s sends no Strict-Transport-Security header", [t.origin]))
}

deny_hsts contains v if {
	some t in tls
	t.hsts.checked
	t.hsts.present
	t.hsts.maxAge < lib.params.hsts_min_age
	v := lib.at_url(t.origin, sprintf("%s sends HSTS max-age=%d, less than %d", [t.origin, t.hsts.maxAge, lib.params.hsts_min_age]))
}

# METADATA
# title: HTTP redirects to HTTPS
# description: Where the plain http:// origin is in scope and answers, it must only redirect to https:// (301 or 308), never serve the API in clear text.
# custom:
#   id: ESC-POL-ENC-006
#   severity: medium
#   owasp: API8:2023
#   cwe: [CWE-319]
#   remediation: Answer every plain HTTP request with 301 or 308 to the https:// URL, or do not listen on port 80 at all.
deny_no_redirect contains v if {
	some t in tls
	r := t.httpRedirect
	r.checked
	not r.toHTTPS
	v := lib.at_url(r.origin, sprintf("%s answers %d without redirecting to HTTPS", [r.origin, r.status]))
}

# METADATA
# title: Strong certificate keys
# description: Certificate keys must be at least 2048-bit RSA or 256-bit elliptic curve.
# custom:
#   id: ESC-POL-ENC-007
#   severity: medium
#   owasp: API8:2023
#   cwe: [CWE-326]
#   remediation: Reissue the certificate with an RSA 3072 or ECDSA P-256 key.
deny_weak_key contains v if {
	some t in tls
	some c in lib.arr(t.certificates)
	least := {"RSA": 2048, "ECDSA": 256}[c.keyType]
	c.keyBits < least
	v := lib.at_url(t.origin, sprintf("%s: certificate %q has a %d-bit %s key", [t.origin, c.subject, c.keyBits, c.keyType]))
}
