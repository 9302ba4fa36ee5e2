package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/check/list"
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
	return out
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
(ESC-AUTH-002, or a Spectral OWASP alias such as owasp:api2:2023-write-restricted)
and DAST checks (ESC-DAST-BOLA-001). Without an id it lists every rule.`,
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
