package learn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/escarp/escarp"
)

// ChecklistItem is one item of the API Security Checklist, restated in
// escarp's words, with the rules whose results decide it.
type ChecklistItem struct {
	ID string `json:"id"` // "ASC-17"
	// Section and Number cite the original item of
	// shieldfy/API-Security-Checklist (MIT).
	Section string `json:"section"`
	Number  int    `json:"number"`
	Title   string `json:"title"`
	// Rules decide the item: a rule id, a rule id prefix ending in "-" or
	// ":", or "kind:sca" / "kind:secret" for every finding of that kind.
	Rules []string `json:"rules,omitempty"`
	// Outside says why escarp cannot decide the item, for items no rule
	// covers (processes, infrastructure).
	Outside string `json:"outside,omitempty"`
}

// The checklist statuses.
const (
	StatusPass    = "pass"
	StatusFail    = "fail"
	StatusUnknown = "unknown"
)

// Assessed is an item with its result and the evidence that decided it.
type Assessed struct {
	ChecklistItem
	Status   string   `json:"status"`
	Evidence []string `json:"evidence"`
}

// Assessment is the whole checklist assessed against some runs.
type Assessment struct {
	Items []Assessed `json:"items"`
	// Decidable is how many items some escarp rule can decide;
	// Decided how many were decided (pass or fail) by these runs.
	Decidable int            `json:"decidable"`
	Decided   int            `json:"decided"`
	Counts    map[string]int `json:"counts"`
	// Sources names the runs that were read.
	Sources []string `json:"sources"`
}

// Checklist returns the items, in the original's order.
func Checklist() []ChecklistItem { return slices.Clone(checklist) }

// Assess decides every item from the runs' findings and rules: an item
// fails when a rule that decides it has an unsuppressed finding (info
// findings, and low ones of the static audit, are advice), passes
// when such a rule ran and found nothing, and is unknown otherwise (with
// the reason). A run without a rule list (one read back from the store)
// counts as having run every rule of its engine.
func Assess(runs []*escarp.Run) *Assessment {
	a := &Assessment{Counts: map[string]int{}}
	for _, r := range runs {
		src := r.Engine
		if r.Spec != "" {
			src += " of " + r.Spec
		} else if r.Target != "" {
			src += " of " + r.Target
		}
		a.Sources = append(a.Sources, src)
	}
	for _, it := range checklist {
		as := Assessed{ChecklistItem: it}
		switch {
		case len(it.Rules) == 0:
			as.Status = StatusUnknown
			as.Evidence = []string{"escarp cannot see this: " + it.Outside}
		default:
			a.Decidable++
			as.Status, as.Evidence = decide(it, runs)
		}
		if as.Status != StatusUnknown {
			a.Decided++
		}
		a.Counts[as.Status]++
		a.Items = append(a.Items, as)
	}
	return a
}

func decide(it ChecklistItem, runs []*escarp.Run) (string, []string) {
	var failed []string
	var ran []string
	notes := 0
	engines := map[string]bool{}
	for _, rule := range it.Rules {
		engines[ruleEngine(rule)] = true
	}
	for _, r := range runs {
		for i := range r.Findings {
			f := &r.Findings[i]
			if f.Suppressed != nil || !it.matches(f.RuleID, f.Kind) {
				continue
			}
			if f.Severity == escarp.SeverityInfo || (r.Engine == escarp.EngineAudit && f.Severity < escarp.SeverityMedium) {
				notes++ // advice, not a failed item
				continue
			}
			if len(failed) < 3 {
				failed = append(failed, fmt.Sprintf("%s (%s): %s", f.RuleID, r.Engine, where(f)))
			} else if len(failed) == 3 {
				failed = append(failed, "and more")
			}
		}
		if !engines[r.Engine] {
			continue
		}
		if len(r.Rules) == 0 {
			ran = append(ran, r.Engine+" (every rule of the recorded run)")
			continue
		}
		for _, ri := range r.Rules {
			if it.matches(ri.ID, "") && !slices.Contains(ran, ri.ID) {
				ran = append(ran, ri.ID)
			}
		}
		if slices.Contains(it.Rules, "kind:sca") && r.Engine == escarp.EngineCode && hasKindRule(r, escarp.KindSCA) {
			ran = append(ran, "dependency analysis")
		}
	}
	switch {
	case len(failed) > 0:
		return StatusFail, failed
	case len(ran) > 0:
		if len(ran) > 6 {
			ran = append(ran[:6], fmt.Sprintf("and %d more", len(ran)-6))
		}
		ev := []string{"ran with no finding that fails it: " + strings.Join(ran, ", ")}
		if notes > 0 {
			ev = append(ev, fmt.Sprintf("%d finding(s) of these rules are advice (info, or low in the audit)", notes))
		}
		return StatusPass, ev
	}
	var need []string
	for _, e := range []string{escarp.EngineAudit, escarp.EngineScan, escarp.EngineCode, escarp.EnginePolicy, escarp.EngineMonitor} {
		if engines[e] {
			need = append(need, "escarp "+e)
		}
	}
	return StatusUnknown, []string{"not tested yet: run " + strings.Join(need, " or ") + " (rules " + strings.Join(it.Rules, ", ") + ")"}
}

// hasKindRule reports whether the code run analysed dependencies: it lists
// an advisory rule or says so in its notes.
func hasKindRule(r *escarp.Run, k escarp.Kind) bool {
	for i := range r.Findings {
		if r.Findings[i].Kind == k {
			return true
		}
	}
	for _, n := range r.Notes {
		if k == escarp.KindSCA && strings.Contains(strings.ToLower(n), "sca") {
			return true
		}
	}
	for _, ri := range r.Rules {
		if k == escarp.KindSCA && (strings.HasPrefix(ri.ID, "GO-") || strings.HasPrefix(ri.ID, "GHSA-") || strings.HasPrefix(ri.ID, "ESC-SCA")) {
			return true
		}
	}
	return false
}

func where(f *escarp.Finding) string {
	l := f.Location
	switch {
	case l.Method != "":
		return l.Method + " " + l.Path
	case l.File != "" && l.Line > 0:
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	case l.File != "":
		return l.File
	case l.Pointer != "":
		return l.Pointer
	}
	return f.Title
}

func (it ChecklistItem) matches(id string, kind escarp.Kind) bool {
	for _, r := range it.Rules {
		switch {
		case strings.HasPrefix(r, "kind:"):
			if kind != "" && string(kind) == r[len("kind:"):] {
				return true
			}
		case strings.HasSuffix(r, "-") || strings.HasSuffix(r, ":"):
			if strings.HasPrefix(id, r) {
				return true
			}
		case id == r:
			return true
		}
	}
	return false
}

// ruleEngine names the engine that reports a rule id.
func ruleEngine(id string) string {
	switch {
	case strings.HasPrefix(id, "ESC-DAST-"):
		return escarp.EngineScan
	case strings.HasPrefix(id, "ESC-SAST-"), strings.HasPrefix(id, "gosec:"), strings.HasPrefix(id, "gitleaks:"),
		strings.HasPrefix(id, "ESC-SECRET-"), strings.HasPrefix(id, "kind:"):
		return escarp.EngineCode
	case strings.HasPrefix(id, "ESC-POL-"), strings.HasPrefix(id, "policy:"):
		return escarp.EnginePolicy
	case strings.HasPrefix(id, "ESC-MON-"):
		return escarp.EngineMonitor
	}
	return escarp.EngineAudit
}

func item(section string, n int, title string, rules ...string) ChecklistItem {
	return ChecklistItem{ID: fmt.Sprintf("ASC-%d", n), Section: section, Number: n, Title: title, Rules: rules}
}

func outside(section string, n int, title, why string) ChecklistItem {
	return ChecklistItem{ID: fmt.Sprintf("ASC-%d", n), Section: section, Number: n, Title: title, Outside: why}
}

// checklist restates the API Security Checklist (shieldfy, MIT; items as of
// 2026-07-21) in escarp's words. Number is the item's position in the
// original, counted through its sections.
var checklist = []ChecklistItem{
	item("Authentication", 1, "Use a standard authentication scheme, not HTTP Basic", "ESC-AUTH-006", "ESC-AUTH-007", "ESC-AUTH-001"),
	item("Authentication", 2, "Rely on proven standards for authentication, tokens and password storage", "ESC-AUTH-011", "ESC-AUTH-013",
		"ESC-DAST-AUTHN-002", "ESC-DAST-AUTHN-003", "ESC-DAST-AUTHN-004", "ESC-DAST-AUTHN-005", "ESC-DAST-AUTHN-006", "gosec:G401", "gosec:G501", "gosec:G505"),
	item("Authentication", 3, "Limit login attempts and lock out repeated failures", "ESC-DAST-AUTHN-009", "ESC-DAST-AUTHN-008"),
	item("Authentication", 4, "Encrypt sensitive data", "ESC-AUTH-010", "ESC-TLS-001", "gosec:G405", "gosec:G503", "gosec:G502"),
	item("Access", 5, "Throttle requests to resist denial of service and brute force", "ESC-DAST-RATE-001", "ESC-RATE-001", "ESC-RATE-002", "ESC-RATE-003"),
	item("Access", 6, "Serve HTTPS only, with TLS 1.2 or newer and strong ciphers", "ESC-TLS-001", "ESC-TLS-002", "ESC-TLS-003", "ESC-POL-ENC-", "gosec:G402"),
	item("Access", 7, "Send HSTS so clients never fall back to plain HTTP", "ESC-TLS-005", "ESC-POL-ENC-"),
	item("Access", 8, "Turn off directory listings", "gosec:G111"),
	outside("Access", 9, "Restrict private APIs to allow-listed networks or hosts", "network allow-lists live in gateways and firewalls, outside the API description and code"),
	item("Authorization (OAuth)", 10, "Validate redirect_uri on the server against an allow-list", "ESC-DAST-CONF-006", "ESC-SAST-REDIRECT-001", "gosec:G710"),
	item("Authorization (OAuth)", 11, "Exchange codes, not tokens: refuse the implicit grant", "ESC-AUTH-011"),
	outside("Authorization (OAuth)", 12, "Use an unguessable state parameter against CSRF in OAuth flows", "the state parameter belongs to the client's OAuth flow, which escarp does not drive"),
	item("Authorization (OAuth)", 13, "Define a default scope and validate requested scopes per client", "ESC-AUTH-014", "ESC-AUTHZ-003", "ESC-AUTHZ-004"),
	item("Input", 14, "Use the right HTTP method per operation and answer 405 otherwise", "ESC-DAST-CONF-004", "ESC-DAST-BFLA-002"),
	outside("Input", 15, "Negotiate content from the Accept header and answer 406 when unsupported", "no escarp rule probes content negotiation yet"),
	item("Input", 16, "Validate the content type of request bodies", "ESC-INPUT-010"),
	item("Input", 17, "Validate user input against injection (XSS, SQL, commands)", "ESC-DAST-INJ-", "ESC-SAST-SQLI-", "ESC-SAST-CMDI-", "ESC-SAST-XSS-",
		"ESC-SAST-PATH-", "gosec:G201", "gosec:G202", "gosec:G203", "gosec:G204", "ESC-INPUT-001", "ESC-INPUT-002"),
	item("Input", 18, "Keep credentials, tokens and keys out of URLs", "ESC-AUTH-008", "ESC-AUTH-009", "ESC-DAST-AUTHN-007"),
	outside("Input", 19, "Encrypt on the server side only", "where encryption happens is an architecture decision escarp cannot observe"),
	outside("Input", 20, "Put an API gateway in front for caching, quotas and spike arrest", "gateways are infrastructure; escarp sees their effect through the rate-limit items"),
	item("Processing", 21, "Keep every endpoint behind authentication", "ESC-AUTH-002", "ESC-AUTH-003", "ESC-AUTH-004", "ESC-DAST-AUTHN-001", "ESC-DAST-BFLA-001"),
	item("Processing", 22, "Address the caller's own resources without their id (/me/orders)", "ESC-AUTHZ-005", "ESC-DAST-BOLA-"),
	item("Processing", 23, "Use non-sequential ids (UUIDs), not auto-increment", "ESC-AUTHZ-001"),
	item("Processing", 24, "Disable external entities when parsing XML", "ESC-DAST-INJ-006"),
	item("Processing", 25, "Disable entity and alias expansion in XML, YAML and similar formats", "ESC-DAST-INJ-006", "gosec:G110"),
	outside("Processing", 26, "Serve uploads through a CDN", "hosting of uploads is infrastructure"),
	outside("Processing", 27, "Process large work in queues and answer fast", "escarp cannot see how work is scheduled behind the API"),
	item("Processing", 28, "Turn debug modes and endpoints off", "ESC-DAST-INV-001", "ESC-INV-007", "gosec:G108", "ESC-DAST-CONF-003"),
	outside("Processing", 29, "Use non-executable stacks", "a compiler and platform setting (Go binaries have them by default)"),
	item("Output", 30, "Send X-Content-Type-Options: nosniff", "ESC-DAST-CONF-002", "ESC-DATA-005"),
	item("Output", 31, "Send X-Frame-Options: deny", "ESC-DAST-CONF-002"),
	item("Output", 32, "Send Content-Security-Policy: default-src 'none'", "ESC-DAST-CONF-002"),
	item("Output", 33, "Remove fingerprinting headers (Server versions, X-Powered-By)", "ESC-DAST-CONF-005"),
	item("Output", 34, "Force the response content type", "ESC-DATA-001", "ESC-DAST-SPEC-002"),
	item("Output", 35, "Keep error messages generic; details belong in server logs", "ESC-DAST-CONF-003", "ESC-ERR-006", "ESC-DAST-SPEC-003"),
	item("Output", 36, "Never return credentials, passwords or tokens", "ESC-DAST-PROP-002", "ESC-DAST-PROP-003", "ESC-DATA-004", "gosec:G117", "ESC-SECRET-SPEC-001"),
	item("Output", 37, "Return the right status codes", "ESC-ERR-001", "ESC-ERR-004", "ESC-ERR-005", "ESC-DAST-SPEC-001"),
	outside("CI & CD", 38, "Audit the design and implementation, with unit and integration tests", "test coverage of the API's own code is not something escarp measures"),
	outside("CI & CD", 39, "Review code before merging, with no self-approval", "review rules live in the forge (branch protection), not in the repository escarp reads"),
	item("CI & CD", 40, "Scan every component, dependencies included, before production", "kind:sca", "gosec:"),
	outside("CI & CD", 41, "Run security tests continuously, static and dynamic", "whether tests run on every commit is a CI setting: `escarp ci` in the pipeline is how escarp does it"),
	item("CI & CD", 42, "Check dependencies for known vulnerabilities", "kind:sca"),
	outside("CI & CD", 43, "Have a rollback plan for deployments", "deployment tooling is outside escarp's view"),
	outside("Monitoring", 44, "Centralise logs of every service", "logging infrastructure is outside the API's description and code"),
	item("Monitoring", 45, "Watch all traffic, errors, requests and responses", "ESC-MON-"),
	outside("Monitoring", 46, "Alert through the channels the team uses", "alert routing is configured outside escarp (escarp monitor sends webhooks and Slack messages)"),
	item("Monitoring", 47, "Never log sensitive data", "gosec:G706"),
	item("Monitoring", 48, "Monitor requests and instances with IDS/IPS", "ESC-MON-"),
	item("Advanced: rate limiting", 49, "Rate-limit with a sliding window per API key and per IP", "ESC-DAST-RATE-001", "ESC-RATE-001"),
	item("Advanced: rate limiting", 50, "Back off exponentially after failed authentication", "ESC-DAST-AUTHN-009"),
	outside("Advanced: rate limiting", 51, "Challenge suspicious clients (CAPTCHA, proof of work)", "challenges are a product decision escarp cannot test safely"),
	item("Advanced: rate limiting", 52, "Monitor and alert on unusual usage", "ESC-MON-"),
	outside("Advanced: GraphQL", 53, "Disable GraphQL introspection in production", "escarp does not test GraphQL APIs yet"),
	outside("Advanced: GraphQL", 54, "Limit GraphQL query depth", "escarp does not test GraphQL APIs yet"),
	outside("Advanced: GraphQL", 55, "Analyse GraphQL query cost", "escarp does not test GraphQL APIs yet"),
	outside("Advanced: GraphQL", 56, "Allow-list GraphQL queries in production", "escarp does not test GraphQL APIs yet"),
	outside("Advanced: secrets", 57, "Rotate keys and secrets on a schedule", "rotation happens in the secret manager, outside the repository"),
	outside("Advanced: secrets", 58, "Sign with keys kept in HSMs", "key custody is infrastructure"),
	item("Advanced: secrets", 59, "Scan for secrets in CI/CD", "kind:secret", "gitleaks:", "ESC-SECRET-SPEC-001"),
	item("Advanced: secrets", 60, "Never commit secrets; use the environment or a secret manager", "kind:secret", "gitleaks:", "gosec:G101"),
	outside("Advanced: zero trust", 61, "Use mutual TLS between services", "service-to-service transport is outside the public API escarp tests"),
	item("Advanced: zero trust", 62, "Validate every request, internal callers included", "ESC-DAST-AUTHN-004", "ESC-DAST-AUTHN-002"),
	item("Advanced: zero trust", 63, "Use short-lived tokens with automatic refresh", "ESC-DAST-AUTHN-005", "ESC-AUTH-012"),
	outside("Advanced: zero trust", 64, "Sign requests for sensitive operations", "request signing is a protocol choice escarp does not test yet"),
}
