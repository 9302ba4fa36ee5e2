package threat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/escarp/escarp"
)

// STRIDE categories, as [escarp.Threat.STRIDE] names them.
const (
	Spoofing              = "Spoofing"
	Tampering             = "Tampering"
	Repudiation           = "Repudiation"
	InformationDisclosure = "Information disclosure"
	DenialOfService       = "Denial of service"
	ElevationOfPrivilege  = "Elevation of privilege"
)

// Class is one threat class: a rule of the threat engine. Applies says
// whether the class threatens an operation with the given surface and, if
// so, its likelihood and impact on Threagile's 1–4 scales and one sentence
// of why.
type Class struct {
	ID          string
	Title       string
	STRIDE      string
	OWASP       string
	CWE         []string
	Description string
	Remediation string
	// Control names the mitigation escarp looks for evidence of.
	Control string
	// Evidence lists the rule ids and rule-id prefixes of the engines whose
	// results confirm or refute the threat; OWASP categories match too.
	Evidence []string
	Applies  func(s *escarp.Surface) (likelihood, impact int, why string, ok bool)
}

// impactOfLevel maps a confidentiality level to an impact: public 1,
// internal and restricted 2, confidential 3, strictly-confidential 4.
func impactOfLevel(level string) int {
	switch levelRank(level) {
	case 0:
		return 1
	case 1, 2:
		return 2
	case 3:
		return 3
	default:
		return 4
	}
}

func list(xs []string) string {
	if len(xs) > 3 {
		return strings.Join(xs[:3], ", ") + fmt.Sprintf(" and %d more", len(xs)-3)
	}
	return strings.Join(xs, ", ")
}

// Classes is the explicit list of threat classes, in rule-id order within
// each STRIDE category.
var Classes = []*Class{
	{
		ID: "ESC-THREAT-S-001", Title: "Sensitive operation without authentication", STRIDE: Spoofing,
		OWASP: "API2:2023", CWE: []string{"CWE-306"}, Control: "authentication required on the operation",
		Evidence:    []string{"ESC-DAST-AUTHN-001"},
		Description: "The operation can be called without credentials although it changes state or handles non-public data: anyone on its network can act as any user.",
		Remediation: "Require authentication (a `security` requirement in the description, and the auth middleware on the route), or prove the data is public and the write harmless.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if !s.Anonymous || s.Credentials || (!s.Write && levelRank(s.Confidentiality) < levelRank("confidential")) {
				return 0, 0, "", false
			}
			l := 3
			if s.Exposure == "internal" {
				l = 2
			}
			i := impactOfLevel(s.Confidentiality)
			if s.Write {
				i = max(i, 3)
			}
			return l, i, fmt.Sprintf("it takes no credentials yet %s %s data", verb(s), s.Confidentiality), true
		},
	},
	{
		ID: "ESC-THREAT-S-002", Title: "Credential stuffing and brute force on a login", STRIDE: Spoofing,
		OWASP: "API2:2023", CWE: []string{"CWE-307", "CWE-1390"}, Control: "rate limiting, lockout and strong token signing on the login",
		Evidence:    []string{"ESC-DAST-AUTHN-006", "ESC-DAST-AUTHN-008", "ESC-DAST-AUTHN-009", "ESC-DAST-RATE-001"},
		Description: "An anonymous operation takes credentials or hands out tokens: attackers replay leaked passwords, guess weak ones, enumerate users or forge tokens signed with a weak secret.",
		Remediation: "Rate-limit and lock out per account and per client, answer the same for unknown users and wrong passwords, sign tokens with a strong key, and offer a second factor.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if !s.Credentials || !s.Anonymous {
				return 0, 0, "", false
			}
			return 3, 3, "it takes credentials from anyone on the internet and issues tokens", true
		},
	},
	{
		ID: "ESC-THREAT-S-003", Title: "Spoofed callback or webhook", STRIDE: Spoofing,
		OWASP: "API10:2023", CWE: []string{"CWE-345"}, Control: "signed callbacks (HMAC or mTLS) verified by the receiver",
		Description: "The API calls back a URL (OpenAPI callbacks or webhooks): without a signature the receiver cannot tell its calls from an attacker's.",
		Remediation: "Sign every callback (an HMAC header over the body and a timestamp) and document the verification; reject unsigned or stale calls.",
		Applies:     func(s *escarp.Surface) (int, int, string, bool) { return 0, 0, "", false }, // element threat: see callbacks
	},
	{
		ID: "ESC-THREAT-S-004", Title: "Forged, unsigned or expired tokens accepted", STRIDE: Spoofing,
		OWASP: "API2:2023", CWE: []string{"CWE-347", "CWE-613"}, Control: "token signature, algorithm, expiry and audience verified on every request",
		Evidence:    []string{"ESC-DAST-AUTHN-002", "ESC-DAST-AUTHN-003", "ESC-DAST-AUTHN-004", "ESC-DAST-AUTHN-005"},
		Description: "Bearer tokens are only as good as their verification: a server that accepts alg none, skips the signature or ignores expiry lets anyone mint a token for anyone.",
		Remediation: "Verify every token with a pinned algorithm and key, reject expired and not-yet-valid tokens, check issuer and audience, and keep signing keys long and secret.",
		Applies:     func(s *escarp.Surface) (int, int, string, bool) { return 0, 0, "", false }, // element threat: on each token scheme
	},
	{
		ID: "ESC-THREAT-I-007", Title: "Unencrypted communication", STRIDE: InformationDisclosure,
		OWASP: "API8:2023", CWE: []string{"CWE-319"}, Control: "TLS on every server URL",
		Evidence:    []string{"ESC-TLS-"},
		Description: "A server URL uses plain http: credentials and data cross the network readable and changeable by anyone on the path.",
		Remediation: "Serve the API over https only, redirect or refuse http, and send HSTS.",
		Applies:     func(s *escarp.Surface) (int, int, string, bool) { return 0, 0, "", false }, // flow threat
	},
	{
		ID: "ESC-THREAT-I-008", Title: "Security misconfiguration", STRIDE: InformationDisclosure,
		OWASP: "API8:2023", CWE: []string{"CWE-16"}, Control: "hardened defaults: CORS, headers, error handling, methods",
		Evidence:    []string{"ESC-DAST-CONF-", "ESC-DAST-SPEC-"},
		Description: "A test found the API misconfigured (permissive CORS, verbose errors, missing security headers, TRACE, technology disclosure): each one hands attackers information or a foothold.",
		Remediation: "Fix the configuration the finding names; keep one hardened server setup that every route shares.",
		Applies:     func(s *escarp.Surface) (int, int, string, bool) { return 0, 0, "", false }, // proven by findings only
	},
	{
		ID: "ESC-THREAT-T-001", Title: "OS command injection through a host or command input", STRIDE: Tampering,
		OWASP: "API8:2023", CWE: []string{"CWE-78"}, Control: "no shell: arguments passed as a list, input validated against an allow-list",
		Evidence:    []string{"ESC-DAST-INJ-003", "ESC-SAST-CMD", "gosec:G204"},
		Description: "A host name, address or command-like input is handed to a tool on the server: if it reaches a shell, the caller runs commands there.",
		Remediation: "Never build a shell command from input: call the library (net.LookupHost) or exec with an argument list, and validate the input (a host name pattern, a bounded length).",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if len(s.CommandInputs) == 0 {
				return 0, 0, "", false
			}
			return 3, 4, fmt.Sprintf("the input %s names a host or command the server acts on", list(s.CommandInputs)), true
		},
	},
	{
		ID: "ESC-THREAT-T-002", Title: "Server-side template injection", STRIDE: Tampering,
		OWASP: "API8:2023", CWE: []string{"CWE-1336", "CWE-94"}, Control: "templates from the server only; user text as data, never as template source",
		Evidence:    []string{"ESC-DAST-INJ-004"},
		Description: "The caller sends a template or expression that the server renders: template engines reach objects, files and code.",
		Remediation: "Render only templates the server owns, pass user text as a value, or use a logic-less engine with a sandbox and an allow-list of placeholders.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if len(s.TemplateInputs) == 0 {
				return 0, 0, "", false
			}
			return 3, 4, fmt.Sprintf("the input %s is a template the server renders", list(s.TemplateInputs)), true
		},
	},
	{
		ID: "ESC-THREAT-T-003", Title: "SQL or NoSQL injection through a lookup input", STRIDE: Tampering,
		OWASP: "API8:2023", CWE: []string{"CWE-89", "CWE-943"}, Control: "parameterized queries and typed, bounded inputs",
		Evidence:    []string{"ESC-DAST-INJ-001", "ESC-DAST-INJ-002", "ESC-SAST-SQL", "gosec:G201", "gosec:G202"},
		Description: "A free-text input is used to look something up: built into a query string, it changes the query.",
		Remediation: "Use parameterized queries or the driver's query builder, type and bound the input in the description (enum, pattern, maxLength), and never pass user objects as query operators.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if len(s.FilterInputs) == 0 {
				return 0, 0, "", false
			}
			l := 2
			if s.Anonymous && s.Exposure == "internet" {
				l = 3
			}
			return l, 3, fmt.Sprintf("the free-text input %s is used to look data up", list(s.FilterInputs)), true
		},
	},
	{
		ID: "ESC-THREAT-T-004", Title: "Open redirect", STRIDE: Tampering,
		OWASP: "API8:2023", CWE: []string{"CWE-601"}, Control: "redirect targets restricted to this site's paths",
		Evidence:    []string{"ESC-DAST-CONF-006"},
		Description: "The operation redirects to a URL the caller gives: phishing links borrow the API's domain, and OAuth flows leak codes.",
		Remediation: "Accept only relative paths (or an allow-list of hosts) as redirect targets and reject scheme-relative `//host` URLs.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if len(s.URLInputs) == 0 || !s.Redirects {
				return 0, 0, "", false
			}
			return 3, 2, fmt.Sprintf("it redirects to the URL in %s", list(s.URLInputs)), true
		},
	},
	{
		ID: "ESC-THREAT-T-005", Title: "Unsafe consumption of a third party's data", STRIDE: Tampering,
		OWASP: "API10:2023", CWE: []string{"CWE-20", "CWE-1287"}, Control: "third-party responses validated like user input, with timeouts and size limits",
		Evidence:    []string{"ESC-DAST-CONS-"},
		Description: "The server fetches and trusts data from another API or a URL: a compromised or spoofed partner feeds it oversized, malformed or malicious data.",
		Remediation: "Validate third-party responses against a schema, bound their size and time, pin the partner's host over TLS, and never follow redirects blindly.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if len(s.URLInputs) == 0 || s.Redirects || !s.Write {
				return 0, 0, "", false
			}
			return 2, 3, fmt.Sprintf("it fetches and processes what %s points at", list(s.URLInputs)), true
		},
	},
	{
		ID: "ESC-THREAT-T-006", Title: "Unrestricted file upload", STRIDE: Tampering,
		OWASP: "API8:2023", CWE: []string{"CWE-434"}, Control: "uploads checked for type and size and stored outside the web root",
		Description: "The operation accepts files: without type, size and content checks they become stored malware, web shells or a disk to fill.",
		Remediation: "Bound the size, check the content type by content, store outside any served path under generated names, and scan where it matters.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if !s.Upload {
				return 0, 0, "", false
			}
			return 2, 3, "it accepts uploaded files", true
		},
	},
	{
		ID: "ESC-THREAT-R-001", Title: "Privileged or money-moving action without an audit trail", STRIDE: Repudiation,
		OWASP: "API8:2023", CWE: []string{"CWE-778"}, Control: "an audit log of who did what, kept outside the caller's reach",
		Description: "Administrative and money-moving writes need a record of who did them: escarp cannot see logging, so the control is unknown until someone checks.",
		Remediation: "Log every privileged and money-moving action with the principal, the object, the time and the outcome, to a store the API cannot rewrite; alert on unusual volumes.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if !s.Write || (!s.Admin && !s.MoneyMoving) {
				return 0, 0, "", false
			}
			return 2, 2, "it is a privileged or money-moving write that must be attributable", true
		},
	},
	{
		ID: "ESC-THREAT-I-001", Title: "Server-side request forgery through a URL input", STRIDE: InformationDisclosure,
		OWASP: "API7:2023", CWE: []string{"CWE-918"}, Control: "outbound requests restricted to an allow-list, private and metadata addresses refused",
		Evidence:    []string{"ESC-DAST-SSRF-"},
		Description: "The server fetches a URL the caller gives: it reaches internal services and cloud metadata the caller cannot.",
		Remediation: "Fetch only from an allow-list of hosts over https, resolve and refuse private, loopback and link-local addresses (after redirects too), and return nothing of the fetched body that is not needed.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if len(s.URLInputs) == 0 || s.Redirects {
				return 0, 0, "", false
			}
			return 3, 4, fmt.Sprintf("the server fetches the URL in %s", list(s.URLInputs)), true
		},
	},
	{
		ID: "ESC-THREAT-I-002", Title: "Path traversal through a file input", STRIDE: InformationDisclosure,
		OWASP: "API8:2023", CWE: []string{"CWE-22"}, Control: "file names matched against an allow-list, never joined to a path",
		Evidence:    []string{"ESC-DAST-INJ-005", "gosec:G304"},
		Description: "A file or path name comes from the caller: `../` reads any file the server can.",
		Remediation: "Map names to files through an allow-list or an id, or clean the path and check it stays under the base directory (os.Root in Go).",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if len(s.FileInputs) == 0 {
				return 0, 0, "", false
			}
			return 3, 4, fmt.Sprintf("the input %s names a file the server reads", list(s.FileInputs)), true
		},
	},
	{
		ID: "ESC-THREAT-I-003", Title: "XML external entities", STRIDE: InformationDisclosure,
		OWASP: "API8:2023", CWE: []string{"CWE-611"}, Control: "an XML parser with DTDs and external entities disabled",
		Evidence:    []string{"ESC-DAST-INJ-006"},
		Description: "The operation parses XML from the caller: external entities read local files and reach internal URLs.",
		Remediation: "Disable DTDs and external entities in the parser, or accept JSON only.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if !s.XMLBody {
				return 0, 0, "", false
			}
			return 3, 4, "it parses an XML body from the caller", true
		},
	},
	{
		ID: "ESC-THREAT-I-004", Title: "Excessive exposure of sensitive data", STRIDE: InformationDisclosure,
		OWASP: "API3:2023", CWE: []string{"CWE-213", "CWE-359"}, Control: "responses limited to the fields the client needs, sensitive ones masked",
		Evidence:    []string{"ESC-DAST-PROP-002", "ESC-DAST-PROP-003", "ESC-DATA-"},
		Description: "The response carries confidential data (personal, payment, health or credentials): every client, log and cache that sees it can leak it.",
		Remediation: "Return only what the client needs, mask or drop sensitive fields server-side, and describe response schemas with additionalProperties: false so extra fields are caught.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			lvl := "public"
			for _, d := range s.DataRead {
				lvl = maxLevel(lvl, classLevel[strings.TrimPrefix(d, "data-")])
			}
			if levelRank(lvl) < levelRank("confidential") {
				return 0, 0, "", false
			}
			l := 2
			if s.BulkRead {
				l = 3
			}
			return l, impactOfLevel(lvl), fmt.Sprintf("its response carries %s data (%s)", lvl, list(s.DataRead)), true
		},
	},
	{
		ID: "ESC-THREAT-I-005", Title: "Credentials in the URL", STRIDE: InformationDisclosure,
		OWASP: "API2:2023", CWE: []string{"CWE-598"}, Control: "secrets in headers or bodies, never in the query string",
		Evidence:    []string{"ESC-DAST-AUTHN-007", "ESC-AUTH-"},
		Description: "A password or token travels in the query string, where proxies, logs, browser history and Referer headers keep it.",
		Remediation: "Take credentials in a POST body or the Authorization header only, and reject them in the query string.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if !s.CredentialsInURL {
				return 0, 0, "", false
			}
			return 3, 3, "it takes a credential in the query string", true
		},
	},
	{
		ID: "ESC-THREAT-I-006", Title: "Deprecated, shadow or zombie operation still answering", STRIDE: InformationDisclosure,
		OWASP: "API9:2023", CWE: []string{"CWE-1059", "CWE-912"}, Control: "an inventory with every live operation documented and old ones retired",
		Evidence:    []string{"ESC-DAST-INV-", "ESC-INV-"},
		Description: "An operation that is deprecated, undocumented or retired still answers: it misses the fixes and controls of the current version.",
		Remediation: "Retire deprecated operations on a published date (Sunset header), document or remove shadow endpoints, and keep the inventory current.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			switch {
			case s.Classification == escarp.ClassShadow || s.Classification == escarp.ClassZombie:
				return 3, max(2, impactOfLevel(s.Confidentiality)), "the inventory saw it answer although it is " + s.Classification, true
			case s.Deprecated:
				return 2, 2, "it is deprecated but still described, so still served", true
			}
			return 0, 0, "", false
		},
	},
	{
		ID: "ESC-THREAT-D-001", Title: "Unrestricted resource consumption", STRIDE: DenialOfService,
		OWASP: "API4:2023", CWE: []string{"CWE-770", "CWE-1333"}, Control: "bounds on page sizes, body sizes and patterns, and rate limits",
		Evidence:    []string{"ESC-DAST-RATE-", "ESC-RATE-", "ESC-INPUT-"},
		Description: "Nothing bounds what one call may cost: unbounded page sizes, strings or bodies, caller-supplied regular expressions, or no rate limit on an expensive operation.",
		Remediation: "Give every page size a maximum, every string a maxLength, bound body sizes at the server, never evaluate a caller's regular expression with a backtracking engine, and rate-limit per client.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			switch {
			case len(s.PatternInputs) > 0:
				return 3, 2, fmt.Sprintf("it evaluates the regular expression in %s", list(s.PatternInputs)), true
			case len(s.CommandInputs) > 0 || len(s.URLInputs) > 0 && !s.Redirects:
				return 2, 2, "each call makes the server do outbound work", true
			case s.Unbounded:
				return 2, 2, "no upper bound limits its page size or input lengths", true
			}
			return 0, 0, "", false
		},
	},
	{
		ID: "ESC-THREAT-E-001", Title: "Broken object level authorization", STRIDE: ElevationOfPrivilege,
		OWASP: "API1:2023", CWE: []string{"CWE-639"}, Control: "an ownership check on every object id",
		Evidence:    []string{"ESC-DAST-BOLA-"},
		Description: "The caller names an object by its id: unless the server checks that the object belongs to the caller, any user reads or changes anyone's.",
		Remediation: "Check ownership (or an explicit grant) for every object id on every operation, in one place the routes share, and answer 404 for objects that are not the caller's.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if len(s.ObjectIDs) == 0 {
				return 0, 0, "", false
			}
			i := impactOfLevel(s.Confidentiality)
			switch {
			case s.Delete:
				i = 4
			case s.Write:
				i = max(i, 3)
			}
			if s.Anonymous && !s.Write && levelRank(s.Confidentiality) == 0 {
				return 1, 1, fmt.Sprintf("it names public objects by %s", list(s.ObjectIDs)), true
			}
			return 3, i, fmt.Sprintf("it %s an object named by %s", verbObject(s), list(s.ObjectIDs)), true
		},
	},
	{
		ID: "ESC-THREAT-E-002", Title: "Broken function level authorization", STRIDE: ElevationOfPrivilege,
		OWASP: "API5:2023", CWE: []string{"CWE-285"}, Control: "a role check on every administrative function",
		Evidence:    []string{"ESC-DAST-BFLA-"},
		Description: "An administrative function is reachable on the same API as ordinary users: one missing role check lets any member run it.",
		Remediation: "Deny by default: check the caller's role on every administrative route (a middleware on the whole admin group), including every method of each path.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if !s.Admin {
				return 0, 0, "", false
			}
			i := 3
			if s.Write || (s.BulkRead && levelRank(s.Confidentiality) >= levelRank("confidential")) {
				i = 4
			}
			what := "an administrative function"
			if s.Write {
				what = "an administrative write"
			} else if s.BulkRead {
				what = "an administrative bulk read of " + s.Confidentiality + " data"
			}
			return 3, i, "it is " + what + " on the same API as ordinary callers", true
		},
	},
	{
		ID: "ESC-THREAT-E-003", Title: "Mass assignment of privileged properties", STRIDE: ElevationOfPrivilege,
		OWASP: "API3:2023", CWE: []string{"CWE-915"}, Control: "an explicit allow-list of writable properties per operation",
		Evidence:    []string{"ESC-DAST-PROP-001", "ESC-DATA-"},
		Description: "The request body can carry properties the caller must not set (role, ownership, status, price): bound automatically to the model, they escalate privileges or change state.",
		Remediation: "Bind request bodies to a dedicated input type with only the writable fields, drop readOnly properties from request schemas, and set additionalProperties: false.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if len(s.MassAssignable) == 0 || !s.Write {
				return 0, 0, "", false
			}
			priv := false
			for _, m := range s.MassAssignable {
				name := strings.TrimPrefix(strings.Fields(m)[0], "/")
				if i := strings.LastIndex(name, "/"); i >= 0 {
					name = name[i+1:]
				}
				if rePrivilege.MatchString(nameKey(name)) {
					priv = true
				}
			}
			if priv {
				return 3, 4, fmt.Sprintf("its body accepts %s, which grants privileges", list(s.MassAssignable)), true
			}
			return 2, 3, fmt.Sprintf("its body accepts server-owned state: %s", list(s.MassAssignable)), true
		},
	},
	{
		ID: "ESC-THREAT-E-004", Title: "Unrestricted access to a sensitive business flow", STRIDE: ElevationOfPrivilege,
		OWASP: "API6:2023", CWE: []string{"CWE-840", "CWE-841"}, Control: "server-side flow state, per-user limits and anti-automation on money-moving steps",
		Evidence:    []string{"ESC-DAST-FLOW-"},
		Description: "The operation moves money or quantities or is one step of a flow: skipping steps, replaying them or sending odd quantities abuses the business.",
		Remediation: "Keep the flow's state on the server and check it at every step, make one-time actions idempotent and single-use, validate quantities and prices server-side, and limit per user.",
		Applies: func(s *escarp.Surface) (int, int, string, bool) {
			if !s.MoneyMoving && !s.FlowStep {
				return 0, 0, "", false
			}
			if s.FlowStep {
				return 3, 3, "it is a declared step of a business flow whose order the server must enforce", true
			}
			return 2, 3, "it moves money or quantities", true
		},
	},
}

func verb(s *escarp.Surface) string {
	if s.Write {
		return "changes"
	}
	return "reads"
}

func verbObject(s *escarp.Surface) string {
	switch {
	case s.Delete:
		return "deletes"
	case s.Write:
		return "changes"
	}
	return "reads"
}

// Rules describes every threat class, for `escarp explain` and reports.
func Rules() []escarp.RuleInfo {
	out := make([]escarp.RuleInfo, 0, len(Classes))
	for _, c := range Classes {
		out = append(out, c.Info())
	}
	slices.SortFunc(out, func(a, b escarp.RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Info describes the class as a rule. Its severity is the class's
// highest possible band; each threat's severity comes from its own risk.
func (c *Class) Info() escarp.RuleInfo {
	return escarp.RuleInfo{ID: c.ID, Title: c.Title, Description: c.Description + "\n\nSTRIDE: " + c.STRIDE + ". Control: " + c.Control + ".",
		Remediation: c.Remediation, Severity: escarp.SeverityHigh, OWASP: c.OWASP, CWE: c.CWE,
		Tags: append([]string{"security", "threat", strings.ToLower(c.STRIDE)}, c.OWASP)}
}

// classByID returns the class with id, or nil.
func classByID(id string) *Class {
	for _, c := range Classes {
		if c.ID == id {
			return c
		}
	}
	return nil
}
