package sast

import "github.com/escarp/escarp"

// gosecInfo is escarp's metadata for a gosec rule: gosec gives ids and
// descriptions; titles, default severities, OWASP ids and remediations are
// escarp's.
type gosecInfo struct {
	title       string
	severity    escarp.Severity
	owasp       string
	remediation string
}

func gosecMeta(id string) gosecInfo {
	if m, ok := gosecTable[id]; ok {
		return m
	}
	return gosecInfo{severity: escarp.SeverityMedium,
		remediation: "Review the flagged code against the gosec rule description and fix or justify it with `// #nosec " + id + " -- reason`."}
}

const (
	high = escarp.SeverityHigh
	med  = escarp.SeverityMedium
	low  = escarp.SeverityLow
)

// gosecCWE gives the weakness of the gosec rules that gosec maps to no CWE,
// so every rule is explained through its weakness class.
var gosecCWE = map[string]string{
	"G116": "CWE-1007", // bidirectional characters: insufficient visual distinction
	"G121": "CWE-352",  // a cross-origin protection bypass is a CSRF weakness
	"G710": "CWE-601",  // open redirect
}

// gosecTable covers every rule and analyzer of gosec v2.30.0.
var gosecTable = map[string]gosecInfo{
	"G101": {"Hard-coded credentials", high, "API2:2023", "Load secrets from the environment or a secret manager at run time: `key := os.Getenv(\"API_KEY\")`; rotate any secret that was committed."},
	"G102": {"Bind to all network interfaces", med, "API8:2023", "Listen on a specific address (`127.0.0.1:8080`) or make the address configurable instead of `0.0.0.0` / `:port`."},
	"G103": {"Use of package unsafe", low, "", "Avoid `unsafe`; use safe conversions (`[]byte(s)`, `string(b)`) or document why the unsafe code is sound."},
	"G104": {"Unchecked error", low, "", "Handle every returned error: `if err := f(); err != nil { return fmt.Errorf(\"f: %w\", err) }`."},
	"G106": {"SSH host key not verified", med, "API8:2023", "Verify host keys with `knownhosts.New(path)` instead of `ssh.InsecureIgnoreHostKey()`."},
	"G107": {"URL of an HTTP request built from a variable", med, "API7:2023", "Build outbound URLs from constants, or parse the URL and check its scheme and host against an allow-list before the request."},
	"G108": {"Profiling endpoint exposed", high, "API8:2023", "Do not import `net/http/pprof` in servers reachable from outside; serve pprof on a separate loopback-only listener."},
	"G109": {"Integer overflow converting strconv.Atoi's result", high, "", "Parse with the target size: `strconv.ParseInt(s, 10, 32)` and check the error before converting."},
	"G110": {"Decompression bomb", med, "API4:2023", "Bound decompression: `io.CopyN(dst, r, maxBytes)` or `io.LimitReader(r, maxBytes)`."},
	"G111": {"Directory traversal with http.Dir(\"/\")", high, "API8:2023", "Serve a dedicated directory (`http.Dir(\"./public\")`) or an `embed.FS`, never the file system root."},
	"G112": {"Slowloris: ReadHeaderTimeout not set", med, "API4:2023", "Set `ReadHeaderTimeout` (and `ReadTimeout`/`WriteTimeout`) on every `http.Server`."},
	"G113": {"HTTP request smuggling", med, "API8:2023", "Reject requests with both `Content-Length` and `Transfer-Encoding`, and do not parse bodies with bare LF line endings."},
	"G114": {"HTTP serve function without timeouts", med, "API4:2023", "Use an `http.Server` with `ReadHeaderTimeout`, `ReadTimeout` and `WriteTimeout` instead of `http.ListenAndServe`."},
	"G115": {"Integer overflow in type conversion", high, "", "Check the range before converting (`if v > math.MaxInt32 { ... }`) or parse with the target bit size."},
	"G116": {"Trojan Source: bidirectional Unicode characters", high, "", "Remove bidirectional control characters from source; write them as escapes (`\\u202e`) when they are data."},
	"G117": {"Secret exposed through marshaling", med, "API3:2023", "Tag secret fields `json:\"-\"` (and likewise for YAML/XML/TOML), or marshal a response type without them."},
	"G118": {"Context not propagated", med, "API4:2023", "Pass the request's `ctx` down to goroutines and calls, and cancel derived contexts with `defer cancel()`."},
	"G119": {"Redirect policy forwards sensitive headers", med, "API8:2023", "In `CheckRedirect`, drop `Authorization` and cookies when the redirect leaves the original host."},
	"G120": {"Unbounded form parsing", med, "API4:2023", "Limit the body before parsing: `r.Body = http.MaxBytesReader(w, r.Body, max)` and `r.ParseMultipartForm(max)`."},
	"G121": {"CrossOriginProtection bypass", med, "API8:2023", "Do not add broad bypass patterns to `http.CrossOriginProtection`; list only the exact paths that must accept cross-origin requests."},
	"G122": {"TOCTOU race in filepath.Walk callback", med, "", "Use `os.Root` or open files with `O_NOFOLLOW` inside Walk callbacks instead of re-resolving paths."},
	"G123": {"TLS resumption bypasses VerifyPeerCertificate", high, "API8:2023", "Set `VerifyConnection` (which also runs on resumed sessions) instead of relying on `VerifyPeerCertificate` alone."},
	"G124": {"Cookie without Secure, HttpOnly or SameSite", med, "API2:2023", "Set `Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode` (or Lax) on session cookies."},
	"G125": {"Unescaped element in url.JoinPath", med, "API7:2023", "Escape user input with `url.PathEscape` before `url.JoinPath`, and reject `..` segments."},
	"G201": {"SQL built with a format string", high, "", "Use placeholders and pass values as arguments: `db.QueryContext(ctx, \"SELECT * FROM t WHERE id = ?\", id)`; map identifiers (ORDER BY columns) through an allow-list."},
	"G202": {"SQL built by string concatenation", high, "", "Use placeholders and pass values as arguments: `db.QueryContext(ctx, \"SELECT * FROM t WHERE name = ?\", name)`."},
	"G203": {"Unescaped data in HTML template", med, "", "Do not convert input to `template.HTML`/`template.JS`/`template.URL`; pass plain strings and let html/template escape them."},
	"G204": {"Subprocess launched with variable", med, "", "Run a fixed program with fixed arguments; validate any variable argument against an allow-list, and never pass input to `sh -c`."},
	"G301": {"Poor directory permissions", med, "", "Create directories with `0o750` or stricter."},
	"G302": {"Poor file permissions", med, "", "Create or chmod files with `0o600` (or `0o640`) or stricter."},
	"G303": {"Predictable temporary file", med, "", "Use `os.CreateTemp(\"\", \"prefix-*\")` instead of a fixed path under the temp directory."},
	"G304": {"File path from variable", med, "", "Clean the path, join it under a base directory and check containment, or use `os.Root` (`root.Open(name)`)."},
	"G305": {"Zip Slip: path traversal while extracting an archive", high, "", "Reject entries whose cleaned path is absolute or escapes the destination (`filepath.IsLocal(name)`)."},
	"G306": {"Poor permissions writing a file", med, "", "Write files with `0o600` (or `0o640`) or stricter."},
	"G307": {"Poor permissions creating a file", med, "", "Create files with `os.OpenFile(name, flags, 0o600)` instead of `os.Create` when the content is sensitive."},
	"G401": {"Weak hash (MD5/SHA1)", med, "", "Use SHA-256 or stronger (`crypto/sha256`); for passwords use bcrypt, scrypt or argon2."},
	"G402": {"Bad TLS settings", high, "API8:2023", "Do not set `InsecureSkipVerify`; require `MinVersion: tls.VersionTLS12` or later with modern cipher suites."},
	"G403": {"RSA key shorter than 2048 bits", med, "", "Generate RSA keys of at least 2048 bits (3072 recommended)."},
	"G404": {"Weak random number source", high, "", "Use `crypto/rand` for tokens, ids and keys, not `math/rand`."},
	"G405": {"Weak cipher (DES/RC4)", med, "", "Use AES-GCM or ChaCha20-Poly1305."},
	"G406": {"Deprecated hash (MD4/RIPEMD160)", med, "", "Use SHA-256 or stronger."},
	"G407": {"Hard-coded IV or nonce", high, "", "Generate a fresh random nonce per message with `crypto/rand` (`io.ReadFull(rand.Reader, nonce)`)."},
	"G408": {"Stateful misuse of ssh.PublicKeyCallback", high, "API2:2023", "Decide authentication from the `ssh.Permissions` returned for the connection, not from state captured in PublicKeyCallback."},
	"G501": {"Import of crypto/md5", med, "", "Use `crypto/sha256` or stronger."},
	"G502": {"Import of crypto/des", med, "", "Use `crypto/aes` with GCM."},
	"G503": {"Import of crypto/rc4", med, "", "Use `crypto/aes` with GCM or `golang.org/x/crypto/chacha20poly1305`."},
	"G504": {"Import of net/http/cgi", high, "", "Do not use CGI (httpoxy, CVE-2016-5386); serve with `net/http`."},
	"G505": {"Import of crypto/sha1", med, "", "Use `crypto/sha256` or stronger."},
	"G506": {"Import of golang.org/x/crypto/md4", med, "", "Use `crypto/sha256` or stronger."},
	"G507": {"Import of golang.org/x/crypto/ripemd160", med, "", "Use `crypto/sha256` or stronger."},
	"G601": {"Implicit memory aliasing in range loop", med, "", "Copy the loop variable before taking its address (only needed before Go 1.22)."},
	"G602": {"Slice index out of range", med, "", "Check `len(s)` before indexing or slicing."},
	"G701": {"SQL injection (taint)", high, "", "Use placeholders and pass user input as query arguments: `db.QueryContext(ctx, \"SELECT * FROM t WHERE id = ?\", id)`."},
	"G702": {"Command injection (taint)", high, "", "Run a fixed program with `exec.Command(name, args...)` without a shell, and validate each argument against an allow-list."},
	"G703": {"Path traversal (taint)", high, "", "Clean the path, join it under a base directory and check containment, or open it through `os.Root`."},
	"G704": {"Server-side request forgery (taint)", high, "API7:2023", "Parse the URL and check scheme and host against an allow-list; never fetch a URL taken from the request as is."},
	"G705": {"Cross-site scripting (taint)", med, "", "Render HTML with html/template, or escape with `html.EscapeString` before writing input into a response."},
	"G706": {"Log injection (taint)", low, "", "Log input as structured fields (`slog.String(\"user\", name)`) or strip CR/LF before logging."},
	"G707": {"SMTP injection (taint)", high, "", "Reject CR and LF in addresses and headers (`net/mail.ParseAddress`) before sending mail."},
	"G708": {"Server-side template injection (taint)", high, "", "Never parse templates from input; pass input as data to a fixed template."},
	"G709": {"Unsafe deserialization (taint)", high, "API8:2023", "Decode untrusted data only into concrete, minimal types; never gob/yaml-decode into interfaces from input."},
	"G710": {"Open redirect (taint)", med, "", "Redirect only to relative paths or to hosts on an allow-list: parse with `url.Parse` and check `u.Host`."},
}
