package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/audit/specload"
)

// auditCmd is `escarp audit`: the static security audit of an API
// description.
func (a *app) auditCmd() *cobra.Command {
	var (
		outputs   []string
		format    string
		disable   []string
		severity  []string
		listRules bool
		noStore   bool
	)
	cmd := &cobra.Command{
		Use:   "audit [SPEC]",
		Short: "Audit an API description (OpenAPI 2.0/3.x) for security flaws and score it",
		Long: `audit checks an OpenAPI 2.0, 3.0, 3.1 or 3.2 document against escarp's
ESC-* rules (authentication, authorization, transport, input validation,
data exposure, rate limiting, errors, inventory and spec integrity) and
scores it from 0 to 100 overall and per theme. Every finding points at the
offending element's file, line and JSON pointer. "escarp audit --list-rules"
lists the rules; docs/audit.md documents each one and the score formula.

SPEC defaults to ESCARP_SPEC, then spec: in escarp.yaml. The audit section
of escarp.yaml disables rules, overrides severities and sets min_score and
fail_on; Spectral OWASP rule ids are accepted wherever a rule id is.
x-escarp-ignore on an element of the spec suppresses findings there (they
are still reported, marked suppressed).

Exit codes: 0 audited; 1 --fail-on reached by an unsuppressed finding, or
the score is below --min-score; 2 unreadable or unparseable spec, or bad
flags or configuration.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if listRules {
				return a.listAuditRules(format)
			}
			return a.runAudit(cmd, args, auditFlags{format: format, outputs: outputs, disable: disable, severity: severity, noStore: noStore})
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&outputs, "output", "o", nil, "write the report to `PATH` (format from the extension, or FORMAT:PATH); repeatable")
	f.StringVar(&format, "format", "text", "stdout format: text, json, sarif, junit, markdown or html")
	f.String("fail-on", "", "exit 1 when an unsuppressed finding has at least this severity (critical, high, medium, low, info)")
	f.Int("min-score", 0, "exit 1 when the score is below `N` (0-100)")
	f.StringSliceVar(&disable, "disable", nil, "do not run these rules (ids, Spectral aliases or prefixes ending in *); repeatable")
	f.StringArrayVar(&severity, "severity", nil, "override a rule's severity as `RULE=SEVERITY`; repeatable")
	f.String("previous", "", "previous version of the spec, for breaking changes (ESC-INV-005)")
	f.BoolVar(&listRules, "list-rules", false, "list every rule and exit")
	f.BoolVar(&noStore, "no-store", false, "do not record the findings in the store")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	f.StringArray("rego", nil, "also run the Rego rules under `DIR` as audit rules (ids policy:<package>.<rule>); repeatable")
	return cmd
}

type auditFlags struct {
	format            string
	outputs           []string
	disable, severity []string
	noStore           bool
}

// listAuditRules prints every rule: a table, or JSON with --format json.
func (a *app) listAuditRules(format string) error {
	all := rules.All()
	if err := audit.Validate(all); err != nil {
		return &escarp.Error{Op: "audit", Kind: escarp.Internal, Err: err}
	}
	if format == "json" {
		infos := make([]escarp.RuleInfo, 0, len(all))
		for _, r := range all {
			infos = append(infos, r.Info())
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(infos)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tOWASP\tTHEME\tTITLE\tALIASES")
	for _, r := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.OWASP, r.Theme, r.Title, strings.Join(r.Aliases, ", "))
	}
	return tw.Flush()
}

func (a *app) runAudit(cmd *cobra.Command, args []string, fl auditFlags) error {
	const op = "audit"
	ctx := cmd.Context()
	all := rules.All()
	if err := audit.Validate(all); err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Internal, Err: err}
	}
	cf, err := a.validConfig(op)
	if err != nil {
		return err
	}
	regoDirs, _ := cmd.Flags().GetStringArray("rego")
	rego, err := a.regoAuditRules(cmd, cf, regoDirs)
	if err != nil {
		return err
	}
	all = append(all, rego...)
	var cfg audit.Config
	if err := cf.Section("audit", &cfg); err != nil {
		return err
	}
	cfg.Disable = append(cfg.Disable, fl.disable...)
	for _, s := range fl.severity {
		rule, sev, err := audit.ParseSeverityOverride(s)
		if err != nil {
			return err
		}
		if cfg.Severity == nil {
			cfg.Severity = make(map[string]string)
		}
		cfg.Severity[rule] = sev
	}
	if err := a.auditSettings(cmd, &cfg); err != nil {
		return err
	}
	if err := cfg.Validate(all); err != nil {
		return err
	}

	specArg := ""
	if len(args) > 0 {
		specArg = args[0]
	}
	specPath := a.resolvePath(specArg, a.wd)
	if specArg == "" {
		if v, ok := a.getenv("ESCARP_SPEC"); ok && v != "" {
			specArg, specPath = v, a.resolvePath(v, a.wd)
		} else if cf.Spec != "" {
			specArg, specPath = cf.Spec, a.resolvePath(cf.Spec, cf.Dir)
		}
	}
	if specPath == "" {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "no API description: give SPEC, ESCARP_SPEC or spec: in escarp.yaml"}
	}

	started := time.Now().UTC()
	in, warns, err := specload.Load(ctx, specPath)
	if err != nil {
		return err
	}
	in.Spec = specArg
	prev := a.setting(cmd, "previous", "previous", "")
	prevPath := a.resolvePath(prev, a.wd)
	if prev == "" && cfg.Previous != "" {
		prevPath = a.resolvePath(cfg.Previous, cf.Dir)
	}
	if prevPath != "" {
		old, _, err := specload.Load(ctx, prevPath)
		if err != nil {
			return err
		}
		in.Previous = old.API
	}
	cfg.Bar = barWriter(a.progress())
	run, err := audit.RunInput(ctx, in, all, cfg)
	if err != nil {
		return err
	}
	for _, w := range warns {
		run.Notes = append(run.Notes, w.String())
	}
	rep := newReport(started, run)
	if err := a.emit(rep, fl.format, fl.outputs); err != nil {
		return err
	}
	if !fl.noStore {
		if err := a.storeAudit(cmd, run); err != nil {
			return err
		}
	}
	return audit.Gate(run, cfg.FailOn, cfg.MinScore)
}

// resolvePath makes a local path absolute against dir; URLs and "" are
// returned unchanged.
func (a *app) resolvePath(p, dir string) string {
	if p == "" || strings.Contains(p, "://") || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// storeAudit records the run in the store.
func (a *app) storeAudit(cmd *cobra.Command, run *escarp.Run) error {
	return a.recordRuns(cmd, run)
}
