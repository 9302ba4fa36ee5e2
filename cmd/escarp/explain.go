package main

import (
	"github.com/escarp/escarp/internal/threat"

	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/coderoutes"
	"github.com/escarp/escarp/internal/learn"
	"github.com/escarp/escarp/internal/policy"
	"github.com/escarp/escarp/internal/sast"
	"github.com/escarp/escarp/internal/sca"
	"github.com/escarp/escarp/internal/secrets"
	"github.com/escarp/escarp/internal/treesitter"
)

// explained is one rule as `escarp explain` shows it: the engine's rule
// info, and what the weakness catalogue (internal/learn) teaches about it.
type explained struct {
	escarp.RuleInfo
	Engine  string   `json:"engine"`
	Aliases []string `json:"aliases,omitempty"`
	// Class is the weakness class (internal/learn) the rule belongs to.
	Class string `json:"class,omitempty"`
	// Why says why the weakness matters; Testing how escarp looks for it.
	Why     string `json:"why,omitempty"`
	Testing string `json:"testing,omitempty"`
	// Examples are secure code in Go, Node.js, Python and Java; Steps
	// replace them for secrets and dependencies (rotate and purge; upgrade).
	Examples   []learn.Example `json:"examples,omitempty"`
	Steps      []string        `json:"steps,omitempty"`
	References []string        `json:"references,omitempty"`
	// Lesson is the `escarp learn` lesson that teaches the flaw, if any.
	Lesson string `json:"lesson,omitempty"`
}

// teach fills in what the weakness catalogue knows about e's rule.
func teach(e *explained, kind, testing string) {
	c := learn.ClassFor(e.CWE, e.OWASP, kind)
	e.Testing = testing
	if c != nil {
		e.Class, e.Why, e.Examples, e.Steps = c.ID, c.Why, c.Examples, c.Steps
	}
	refs := learn.References(e.OWASP, e.CWE, c)
	if e.HelpURI != "" && !slices.Contains(refs, e.HelpURI) {
		refs = append([]string{e.HelpURI}, refs...)
	}
	e.References = refs
	if l := learn.LessonFor(e.ID, c); l != nil {
		e.Lesson = l.ID
	}
}

// How each engine looks for what its rules report.
const (
	testingAudit = "Static: `escarp audit` reads the API description (OpenAPI 2.0 to 3.2) and checks it without " +
		"sending a request. The rule's test holds a description that breaks it and a compliant twin that passes."
	testingGosec = "Static: gosec's rule runs over the Go packages `escarp code` loads (types and SSA); a finding " +
		"that escarp's own taint analysis also reports is kept once, as escarp's, with `also: gosec:...`."
	testingTaint = "Static: escarp's taint analysis follows request data (net/http, gin, echo, chi, gorilla/mux, " +
		"fiber sources, or Express/Flask/FastAPI through tree-sitter) across functions, files and packages to the " +
		"sink, stopping at sanitizers; each finding carries the path from source to sink."
	testingSecret = "Static: gitleaks' rule runs over the working tree and the git history; the secret is " +
		"redacted in every output and named by a hash, and a secret only in the history names its commit."
	testingSCA = "Static: lockfiles and go.mod are matched against OSV advisories (online, or --offline-db); " +
		"for Go modules govulncheck's analysis says whether the vulnerable symbol is called."
	testingPolicy = "Policy as code: `escarp policy eval` evaluates the Rego rule over the normalised API description " +
		"(with source positions), the inventory, the current run's findings and, with --tls-probe, live TLS facts of the " +
		"target. Each built-in rule's test fires on a violating input and stays silent on its compliant twin."
	testingThreat = "Derived: `escarp threat` builds the threat model from the API description, the inventory and the " +
		"findings given or recorded, raises the threat per element from its attack-surface facts, and counts as " +
		"mitigations only what escarp can see (a scan that tested the operation, an audit rule that passed, auth " +
		"middleware found in code)."
	testingRoutes = "Static: routes extracted from the source (net/http, gin, echo, chi, gorilla/mux, fiber, " +
		"Express, Flask, FastAPI) are compared with the operations of the API description."
)

// testingCheck says how a DAST check tests the running API, from what it
// needs.
func testingCheck(r check.Requirements) string {
	var b strings.Builder
	b.WriteString("Dynamic: `escarp scan` sends requests to the running API from its description")
	switch {
	case r.Identities >= 2:
		fmt.Fprintf(&b, ", as %d identities compared with each other", r.Identities)
	case r.Identities == 1:
		b.WriteString(", as an authenticated identity")
	}
	if r.Privileged {
		b.WriteString(" and a privileged one as the baseline")
	}
	if r.Callback {
		b.WriteString(", with escarp's own callback listener to catch outbound requests")
	}
	b.WriteString(". ")
	if r.Mutating {
		b.WriteString("It writes only to objects it created itself and cleans them up")
		if r.Destructive {
			b.WriteString("; it runs only with --allow-destructive")
		}
		b.WriteString(". ")
	}
	b.WriteString("A finding is confirmed before it is reported; the check's tests fire on a vulnerable " +
		"fixture and stay silent on its fixed twin, and the lab scan finds every planted flaw with nothing on " +
		"the secure twin.")
	return b.String()
}

// allRules is every rule escarp knows, from every engine's explicit list.
func allRules() []explained {
	var out []explained
	for _, r := range rules.All() {
		e := explained{RuleInfo: auditRuleInfo(r), Engine: escarp.EngineAudit, Aliases: r.Aliases}
		teach(&e, "", testingAudit)
		out = append(out, e)
	}
	for _, c := range list.All() {
		e := explained{RuleInfo: c.Info().RuleInfo(), Engine: escarp.EngineScan}
		teach(&e, "", testingCheck(c.Info().Requires))
		out = append(out, e)
	}
	for _, r := range policy.Rules() {
		e := explained{RuleInfo: r, Engine: escarp.EnginePolicy}
		teach(&e, "", testingPolicy)
		out = append(out, e)
	}
	seen := map[string]bool{}
	for _, set := range []struct {
		rules   []escarp.RuleInfo
		kind    string
		testing string
	}{
		{sast.Rules(), "", ""}, {treesitter.Rules(), "", testingTaint}, {coderoutes.Rules(), "", testingRoutes},
		{secrets.Rules(), "secret", testingSecret}, {sca.Rules(), "sca", testingSCA},
	} {
		for _, r := range set.rules {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			e := explained{RuleInfo: r, Engine: escarp.EngineCode}
			testing := set.testing
			if testing == "" {
				testing = testingTaint
				if strings.HasPrefix(r.ID, "gosec:") {
					testing = testingGosec
				}
			}
			teach(&e, set.kind, testing)
			out = append(out, e)
		}
	}
	for _, r := range threat.Rules() {
		e := explained{RuleInfo: r, Engine: escarp.EngineThreat}
		teach(&e, "", testingThreat)
		out = append(out, e)
	}
	return out
}

// advisoryID matches the ids of vulnerability advisories, which are the
// rule ids of dependency findings: GO-2022-1059, GHSA-xxxx-xxxx-xxxx,
// CVE-2021-44228, PYSEC-2021-1, RUSTSEC-2021-0001 and OSV's other prefixes.
var advisoryID = regexp.MustCompile(`(?i)^(GO-\d{4}-\d+|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|CVE-\d{4}-\d+|[A-Z]+SEC-\d{4}-\d+|OSV-\d{4}-\d+)$`)

// advisoryRule explains a dependency finding's rule: the advisory itself
// lives in OSV, not in escarp.
func advisoryRule(id string) *explained {
	id = strings.ToUpper(id)
	if strings.HasPrefix(id, "GHSA-") {
		id = "GHSA-" + strings.ToLower(id[5:])
	}
	e := &explained{Engine: escarp.EngineCode, RuleInfo: escarp.RuleInfo{
		ID: id, Title: "Vulnerable dependency (advisory " + id + ")", Severity: escarp.SeverityHigh,
		HelpURI: "https://osv.dev/vulnerability/" + id,
		Description: "Dependency findings of `escarp code` use the advisory id as rule id. The advisory, with the " +
			"affected versions and its own severity, is at https://osv.dev/vulnerability/" + id + ". For Go modules, " +
			"escarp reports a vulnerable symbol that the code calls at the advisory's severity, and one that is only " +
			"imported, or a module whose vulnerable package is never imported, at info.",
		Remediation: "Upgrade the package to the first fixed version the finding names (fixedIn), or to any later " +
			"version; when no fix exists, remove the dependency or make sure the vulnerable function is never called.",
	}}
	teach(e, "sca", testingSCA)
	return e
}

func auditRuleInfo(r *audit.Rule) escarp.RuleInfo {
	return escarp.RuleInfo{ID: r.ID, Title: r.Title, Description: r.Description(), Remediation: r.Remediation(),
		Severity: r.Severity, OWASP: r.OWASP, CWE: r.CWE}
}

// explainCmd is `escarp explain ID`: what a rule checks, why it matters and
// how to fix what it finds.
func (a *app) explainCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "explain [ID]",
		Short: "Explain a rule: what it checks, why it matters, how to fix it",
		Long: `explain prints the documentation of any rule escarp reports: audit rules
(ESC-AUTH-002, or a Spectral OWASP alias such as owasp:api2:2023-write-restricted),
DAST checks (ESC-DAST-BOLA-001), code rules (ESC-SAST-SQLI-001, gosec:G401,
gitleaks:aws-access-token) and, for dependency findings, advisory ids
(GO-2022-1059, GHSA-...). Without an id it lists every rule.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			all := allRules()
			if len(args) == 0 {
				return a.listAllRules(all, format)
			}
			id := strings.TrimSpace(args[0])
			var found *explained
			for i := range all {
				if strings.EqualFold(all[i].ID, id) {
					found = &all[i]
					break
				}
				for _, al := range all[i].Aliases {
					if strings.EqualFold(al, id) {
						found = &all[i]
					}
				}
			}
			if found == nil && advisoryID.MatchString(strings.ToUpper(id)) {
				found = advisoryRule(id)
			}
			if found == nil {
				return &escarp.Error{Op: "explain", Kind: escarp.NotFound,
					Message: fmt.Sprintf("no rule %q: `escarp explain` lists every rule", id)}
			}
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(found)
			}
			a.printRule(found)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func (a *app) printRule(r *explained) {
	w := a.stdout
	fmt.Fprintf(w, "%s  %s\n\n", r.ID, r.Title)
	fmt.Fprintf(w, "  engine    %s\n  severity  %s\n", r.Engine, r.Severity)
	if r.OWASP != "" {
		fmt.Fprintf(w, "  OWASP     %s %s\n", r.OWASP, escarp.OWASPTop10[r.OWASP])
	}
	if len(r.CWE) > 0 {
		fmt.Fprintf(w, "  CWE       %s\n", strings.Join(r.CWE, ", "))
	}
	if len(r.Aliases) > 0 {
		fmt.Fprintf(w, "  aliases   %s\n", strings.Join(r.Aliases, ", "))
	}
	if r.Description != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(r.Description))
	}
	if r.Why != "" {
		fmt.Fprintf(w, "\nWhy it matters\n\n%s\n", r.Why)
	}
	if r.Testing != "" {
		fmt.Fprintf(w, "\nHow escarp tests it\n\n%s\n", r.Testing)
	}
	if r.Remediation != "" {
		fmt.Fprintf(w, "\nHow to fix\n\n%s\n", strings.TrimSpace(r.Remediation))
	}
	for i, st := range r.Steps {
		fmt.Fprintf(w, "\n%d. %s\n", i+1, st)
	}
	for _, ex := range r.Examples {
		fmt.Fprintf(w, "\n%s (%s):\n\n%s", ex.Framework, ex.Language, indent(ex.Code))
	}
	if r.Lesson != "" {
		fmt.Fprintf(w, "\nLesson: escarp learn show %s\n", r.Lesson)
	}
	if len(r.References) > 0 {
		fmt.Fprintf(w, "\nReferences\n\n")
		for _, ref := range r.References {
			fmt.Fprintf(w, "  %s\n", ref)
		}
	}
}

func (a *app) listAllRules(all []explained, format string) error {
	sort.SliceStable(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	if format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(all)
	}
	for _, r := range all {
		fmt.Fprintf(a.stdout, "%-22s %-8s %-9s %s\n", r.ID, r.Severity, r.OWASP, r.Title)
	}
	fmt.Fprintf(a.stdout, "\n%d rules. `escarp explain ID` shows one.\n", len(all))
	return nil
}
