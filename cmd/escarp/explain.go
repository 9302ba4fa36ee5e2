package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/coderoutes"
	"github.com/escarp/escarp/internal/sast"
	"github.com/escarp/escarp/internal/sca"
	"github.com/escarp/escarp/internal/secrets"
	"github.com/escarp/escarp/internal/treesitter"
)

// explained is one rule as `escarp explain` shows it.
type explained struct {
	escarp.RuleInfo
	Engine  string   `json:"engine"`
	Aliases []string `json:"aliases,omitempty"`
}

// allRules is every rule escarp knows, from every engine's explicit list.
func allRules() []explained {
	var out []explained
	for _, r := range rules.All() {
		out = append(out, explained{RuleInfo: auditRuleInfo(r), Engine: escarp.EngineAudit, Aliases: r.Aliases})
	}
	for _, c := range list.All() {
		out = append(out, explained{RuleInfo: c.Info().RuleInfo(), Engine: escarp.EngineScan})
	}
	seen := map[string]bool{}
	for _, set := range [][]escarp.RuleInfo{sast.Rules(), treesitter.Rules(), coderoutes.Rules(), secrets.Rules(), sca.Rules()} {
		for _, r := range set {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, explained{RuleInfo: r, Engine: escarp.EngineCode})
			}
		}
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
	return &explained{Engine: escarp.EngineCode, RuleInfo: escarp.RuleInfo{
		ID: id, Title: "Vulnerable dependency (advisory " + id + ")", Severity: escarp.SeverityHigh,
		HelpURI: "https://osv.dev/vulnerability/" + id,
		Description: "Dependency findings of `escarp code` use the advisory id as rule id. The advisory, with the " +
			"affected versions and its own severity, is at https://osv.dev/vulnerability/" + id + ". For Go modules, " +
			"escarp reports a vulnerable symbol that the code calls at the advisory's severity, and one that is only " +
			"imported, or a module whose vulnerable package is never imported, at info.",
		Remediation: "Upgrade the package to the first fixed version the finding names (fixedIn), or to any later " +
			"version; when no fix exists, remove the dependency or make sure the vulnerable function is never called.",
	}}
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
				// escarp knows an advisory only from the OSV database: an
				// id it cannot find there is unknown (exit 2), never an
				// invented "high".
				db := a.setting(cmd, "offline-db", "offline_db", "")
				if db == "" {
					return &escarp.Error{Op: "explain", Kind: escarp.NotFound, Message: fmt.Sprintf(
						"%s looks like an advisory id, but advisory text needs the database: escarp explain %s --offline-db DIR (a directory of OSV JSON records), or see https://osv.dev/vulnerability/%s",
						id, id, strings.ToUpper(id))}
				}
				adv, err := sca.LookupAdvisory(a.resolvePath(db, a.wd), id)
				if err != nil {
					return err
				}
				found = advisoryRule(adv.ID)
				found.Severity = adv.Severity
				if adv.Summary != "" {
					found.Title = adv.Summary
				}
				found.Description = strings.TrimSpace(adv.Details + "\n\nAffects: " + strings.Join(adv.Packages, ", ") + ". " + found.Description)
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
	cmd.Flags().String("offline-db", "", "explain advisory ids from this `DIR` of OSV JSON records")
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
	if r.Remediation != "" {
		fmt.Fprintf(w, "\nHow to fix\n\n%s\n", strings.TrimSpace(r.Remediation))
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
