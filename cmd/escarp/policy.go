package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/gate"
	"github.com/escarp/escarp/internal/netedge"
	"github.com/escarp/escarp/internal/policy"
	"github.com/escarp/escarp/internal/report"
	"github.com/escarp/escarp/internal/spec"
)

// policyCmd is `escarp policy`: security policy as code over APIs,
// findings and TLS facts, with owners, reviews and waivers.
func (a *app) policyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Evaluate, test and review Rego security policies (built-in packs and your own)",
		Long: `policy evaluates Rego policies - escarp's built-in packs (authentication,
authorization, encryption, data protection, access control, lifecycle,
ownership) and your own files in policy/ or --policy DIR - over one input
document: the API description, the inventory, the findings of the current
run and, with --tls-probe, TLS facts of the target. docs/policy.md
documents the input, the packs and the governance annotations.

  escarp policy eval [SPEC]   violations as findings of kind policy, in every format
  escarp policy test [DIR]    run the Rego unit tests (test_*), like opa test
  escarp policy review        policies past their review date, waivers past expiry
  escarp policy list          every policy with its owner, review date and state`,
	}
	cmd.AddCommand(a.policyEvalCmd(), a.policyTestCmd(), a.policyReviewCmd(), a.policyListCmd())
	return cmd
}

// addPolicyFlags adds the flags that choose the policies.
func addPolicyFlags(f *pflag.FlagSet) {
	f.StringArray("policy", nil, "a directory (or file) of Rego policies; repeatable (default policy: dirs, else ./policy)")
	f.StringArray("rego-v0", nil, "parse the policies under `DIR` as Rego v0 (Conftest packs); repeatable")
	f.Bool("no-builtin", false, "leave out the built-in packs")
	f.StringSlice("pack", nil, "run only these built-in packs (authentication, authorization, encryption, data-protection, access-control, lifecycle, ownership)")
	f.StringSlice("disable", nil, "do not run these rule ids (patterns ending in * allowed)")
	f.String("suppressions", "", "the suppressions file holding waivers (default .escarp/suppressions.yaml)")
	f.String("today", "", "judge review dates and waiver expiry on this day (YYYY-MM-DD)")
}

// policyPlan is the resolved configuration of a policy command.
type policyPlan struct {
	cf   *config.File
	cfg  policy.Config
	opts policy.Options
	sup  *gate.Suppressions
	now  time.Time
}

func (a *app) planPolicy(cmd *cobra.Command, dirs []string) (*policyPlan, error) {
	cf, err := a.config()
	if err != nil {
		return nil, err
	}
	p := &policyPlan{cf: cf}
	if err := cf.Section("policy", &p.cfg); err != nil {
		return nil, err
	}
	f := cmd.Flags()
	if v, _ := f.GetStringArray("policy"); len(v) > 0 {
		dirs = append(dirs, v...)
	}
	if len(dirs) > 0 {
		p.cfg.Dirs = nil
	}
	if p.opts, err = p.cfg.Options(cf.Dir); err != nil {
		return nil, err
	}
	for _, d := range dirs {
		p.opts.Dirs = append(p.opts.Dirs, a.resolvePath(d, a.wd))
	}
	if v, _ := f.GetStringArray("rego-v0"); len(v) > 0 {
		for _, d := range v {
			p.opts.RegoV0 = append(p.opts.RegoV0, a.resolvePath(d, a.wd))
		}
	}
	if v, _ := f.GetBool("no-builtin"); v {
		p.opts.NoBuiltin = true
	}
	if v, _ := f.GetStringSlice("pack"); len(v) > 0 {
		p.opts.Packs = v
		if _, err := (policy.Config{Packs: v}).Options(cf.Dir); err != nil {
			return nil, err
		}
	}
	if v, _ := f.GetStringSlice("disable"); len(v) > 0 {
		p.opts.Disable = append(p.opts.Disable, v...)
	}
	p.now = time.Now().UTC()
	if v := a.setting(cmd, "today", "today", ""); v != "" {
		if p.now, err = time.Parse(time.DateOnly, v); err != nil {
			return nil, &escarp.Error{Op: "policy", Kind: escarp.Invalid, Message: fmt.Sprintf("--today %q: want YYYY-MM-DD", v)}
		}
	}
	var ci gate.Config
	if err := cf.Section("ci", &ci); err != nil {
		return nil, err
	}
	supPath, optional := a.setting(cmd, "suppressions", "suppressions", ""), false
	switch {
	case supPath != "":
		supPath = a.resolvePath(supPath, a.wd)
	case ci.Suppressions != "":
		supPath = a.resolvePath(ci.Suppressions, cf.Dir)
	default:
		supPath, optional = filepath.Join(cf.Dir, ".escarp", "suppressions.yaml"), true
	}
	if p.sup, err = gate.LoadSuppressions(supPath, optional); err != nil {
		return nil, err
	}
	p.sup.Path = a.rel(p.sup.Path) // for messages only: the file is read
	return p, nil
}

func (a *app) policyEvalCmd() *cobra.Command {
	var (
		outputs  []string
		format   string
		findings []string
		noStore  bool
	)
	cmd := &cobra.Command{
		Use:   "eval [SPEC]",
		Short: "Evaluate the policies; violations are findings of kind policy",
		Long: `eval evaluates the built-in packs and your policies over the API description
(SPEC, ESCARP_SPEC or spec:), the findings of earlier runs (--findings
REPORT.json, as escarp writes it), the inventory (--inventory, from the
store) and, with --tls-probe, TLS facts of the https:// target gathered
through escarp's network edge (only the target, and the http:// origin
given with --http-origin for the redirect check, are contacted).

Waivers are entries of the suppressions file with stage: policy; a
waived violation is reported, marked suppressed. Policies past their
review date and expired waivers are listed in the run's notes.

Exit codes: 0 evaluated; 1 --fail-on (or policy.fail_on) reached by an
unwaived violation; 2 bad Rego, spec, flags or configuration; 3 the TLS
probe could not reach the target.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runPolicyEval(cmd, args, format, outputs, findings, noStore)
		},
	}
	f := cmd.Flags()
	addPolicyFlags(f)
	f.StringArrayVarP(&outputs, "output", "o", nil, "write the report to `PATH` (format from the extension, or FORMAT:PATH); repeatable")
	f.StringVar(&format, "format", "text", "stdout format: text, json, sarif, junit, markdown or html")
	f.StringArrayVar(&findings, "findings", nil, "escarp JSON report whose findings the policies read; repeatable")
	f.Bool("inventory", false, "read the inventory (services and endpoints) from the store into the input")
	f.Bool("tls-probe", false, "gather TLS facts of the https:// target (versions, suites, chain, HSTS, redirect)")
	f.String("target", "", "the https:// origin to probe (default ESCARP_TARGET, then target:)")
	f.String("http-origin", "", "the plain http:// origin to check for a redirect to HTTPS (must be given to be contacted)")
	f.String("fail-on", "", "exit 1 when an unwaived violation has at least this severity")
	f.BoolVar(&noStore, "no-store", false, "do not record the run in the store")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	return cmd
}

func (a *app) runPolicyEval(cmd *cobra.Command, args []string, format string, outputs, findingFiles []string, noStore bool) error {
	started := time.Now().UTC()
	p, err := a.planPolicy(cmd, nil)
	if err != nil {
		return err
	}
	run, probeErr, err := a.policyRun(cmd, p, args, findingFiles, nil)
	if err != nil {
		return err
	}
	rep := newReport(started, run)
	if err := a.emit(rep, format, outputs); err != nil {
		return err
	}
	if !noStore {
		if err := a.recordRuns(cmd, run); err != nil {
			return err
		}
	}
	if probeErr != nil {
		return probeErr
	}
	return policyGate(run, a.setting(cmd, "fail-on", "fail_on", p.cfg.FailOn))
}

// policyRun loads the policies, builds the input and evaluates it. The
// second error is a TLS probe that could not complete (exit 3), which
// still leaves a run to report. prior are findings of runs of this
// invocation (the earlier stages of escarp ci).
func (a *app) policyRun(cmd *cobra.Command, p *policyPlan, args, findingFiles []string, prior []escarp.Finding) (*escarp.Run, error, error) {
	ctx := cmd.Context()
	set, err := policy.Load(ctx, p.opts)
	if err != nil {
		return nil, nil, err
	}
	set.Relocate(a.rel)
	in := &policy.Input{Now: p.now, Findings: prior}
	specArg := ""
	if len(args) > 0 {
		specArg = args[0]
	} else {
		specArg = a.setting(cmd, "spec", "spec", "")
	}
	specPath := a.resolvePath(specArg, a.wd)
	if specArg == "" && p.cf.Spec != "" {
		specArg, specPath = p.cf.Spec, a.resolvePath(p.cf.Spec, p.cf.Dir)
	}
	var notes []string
	if specPath != "" {
		api, warns, err := spec.Load(ctx, specPath, spec.Options{})
		if err != nil {
			return nil, nil, err
		}
		for _, w := range warns {
			notes = append(notes, w.String())
		}
		relocate(api, specPath, a.rel(specPath))
		in.API = api
	}
	for _, ff := range findingFiles {
		fh, err := os.Open(a.resolvePath(ff, a.wd))
		if err != nil {
			return nil, nil, &escarp.Error{Op: "policy", Kind: escarp.Invalid, Message: "--findings " + ff, Err: err}
		}
		rep, err := report.Read(fh)
		fh.Close()
		if err != nil {
			return nil, nil, &escarp.Error{Op: "policy", Kind: escarp.Invalid, Message: "--findings " + ff, Err: err}
		}
		in.Findings = append(in.Findings, rep.Findings()...)
	}
	if v, _ := cmd.Flags().GetBool("inventory"); v {
		db, err := a.openStore(cmd)
		if err != nil {
			return nil, nil, err
		}
		in.Services, err = db.Services(ctx)
		if err == nil {
			in.Endpoints, err = db.Endpoints(ctx, escarp.EndpointFilter{})
		}
		db.Close()
		if err != nil {
			return nil, nil, &escarp.Error{Op: "policy", Kind: escarp.Unavailable, Message: "read the inventory", Err: err}
		}
	}
	var probeErr error
	probe := p.cfg.TLSProbe
	if f := cmd.Flags().Lookup("tls-probe"); f != nil && f.Changed {
		probe, _ = cmd.Flags().GetBool("tls-probe")
	}
	if probe {
		target := a.setting(cmd, "target", "target", p.cf.Target)
		httpOrigin := a.setting(cmd, "http-origin", "http_origin", p.cfg.HTTPOrigin)
		facts, err := a.tlsProbe(ctx, target, httpOrigin)
		if err != nil {
			return nil, nil, err
		}
		if len(facts.Versions) == 0 {
			probeErr = &escarp.Error{Op: "policy", Kind: escarp.Unavailable, Message: "TLS probe of " + target + ": " + strings.Join(facts.Errors, "; ")}
		}
		in.TLS = []*policy.TLSFacts{facts}
	}
	run, err := set.Run(ctx, in, p.sup)
	if err != nil {
		return nil, nil, err
	}
	if specArg != "" {
		run.Spec = specArg
	}
	run.Notes = append(notes, run.Notes...)
	if probeErr != nil {
		run.Notes = append(run.Notes, "incomplete: "+probeErr.Error())
	}
	return run, probeErr, nil
}

// relocate makes the API's positions repository-relative, as reports want
// them.
func relocate(api *escarp.API, abs, rel string) {
	if rel == abs || rel == "" {
		return
	}
	fix := func(p *escarp.Position) {
		if p.File == abs {
			p.File = rel
		}
	}
	fix(&api.Pos)
	for _, s := range api.Servers {
		fix(&s.Pos)
	}
	for _, s := range api.SecuritySchemes {
		fix(&s.Pos)
	}
	for _, op := range api.Operations {
		fix(&op.Pos)
		for _, p := range op.Parameters {
			fix(&p.Pos)
		}
		for _, s := range op.Servers {
			fix(&s.Pos)
		}
	}
	seen := map[*escarp.Schema]bool{}
	walk := func(s *escarp.Schema) {
		escarp.WalkSchema(s, func(_ string, s *escarp.Schema) bool {
			if seen[s] {
				return false
			}
			seen[s] = true
			fix(&s.Pos)
			return true
		})
	}
	for _, s := range api.Schemas {
		walk(s)
	}
	for _, op := range api.Operations {
		if op.RequestBody != nil {
			for _, m := range op.RequestBody.Content {
				walk(m.Schema)
			}
		}
		for _, r := range op.Responses {
			for _, m := range r.Content {
				walk(m.Schema)
			}
		}
	}
}

// tlsProbe gathers the TLS facts of target through the network edge,
// scoped to the target and the http:// origin given.
func (a *app) tlsProbe(ctx context.Context, target, httpOrigin string) (*policy.TLSFacts, error) {
	if !strings.HasPrefix(strings.ToLower(target), "https://") {
		return nil, &escarp.Error{Op: "policy", Kind: escarp.Invalid,
			Message: fmt.Sprintf("--tls-probe needs an https:// target (--target, ESCARP_TARGET or target:), not %q", target)}
	}
	origins := []string{target}
	if httpOrigin != "" {
		if !strings.HasPrefix(strings.ToLower(httpOrigin), "http://") {
			return nil, &escarp.Error{Op: "policy", Kind: escarp.Invalid, Message: fmt.Sprintf("--http-origin %q: want an http:// origin", httpOrigin)}
		}
		origins = append(origins, httpOrigin)
	}
	// The probe reports on certificates rather than trusting them.
	edge := netedge.New(netedge.Config{Origins: origins, MaxRequests: 10, Timeout: 10 * time.Second,
		TLS: &tls.Config{InsecureSkipVerify: true}, Log: a.stderr}) // #nosec G402
	defer edge.Close()
	facts, err := policy.Probe(ctx, edge, target, policy.ProbeOptions{HTTPOrigin: httpOrigin})
	if err != nil {
		return nil, &escarp.Error{Op: "policy", Kind: escarp.Invalid, Message: err.Error()}
	}
	return facts, nil
}

// policyGate fails (exit 1) when an unwaived violation reaches failOn.
func policyGate(run *escarp.Run, failOn string) error {
	if failOn == "" {
		return nil
	}
	min, err := escarp.ParseSeverity(failOn)
	if err != nil {
		return &escarp.Error{Op: "policy", Kind: escarp.Invalid, Message: "--fail-on: " + err.Error()}
	}
	n := 0
	for _, f := range run.Findings {
		if f.Suppressed == nil && f.Severity >= min {
			n++
		}
	}
	if n > 0 {
		return &escarp.Error{Op: "policy", Kind: escarp.Threshold, Message: fmt.Sprintf("%d policy violation(s) at or above %s", n, min)}
	}
	return nil
}

func (a *app) policyTestCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run the Rego unit tests of your policies, like opa test",
		Long: `test runs every test_* rule of the policies in DIR (default the policy:
dirs, else ./policy), with the built-in packs and data.escarp.params
loaded, as opa test does. Each test prints PASS, FAIL, SKIP or ERROR with
its file and line.

Exit codes: 0 every test passed; 1 a test failed or errored; 2 bad Rego
or no test found.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := a.planPolicy(cmd, args)
			if err != nil {
				return err
			}
			if len(p.opts.Dirs) == 0 {
				return &escarp.Error{Op: "policy test", Kind: escarp.Invalid, Message: "no policy directory: give DIR, --policy DIR or policy.dirs"}
			}
			results, err := policy.RunTests(cmd.Context(), p.opts)
			if err != nil {
				return err
			}
			if len(results) == 0 {
				return &escarp.Error{Op: "policy test", Kind: escarp.Invalid, Message: "no test_* rule found in " + strings.Join(p.opts.Dirs, ", ")}
			}
			failed := 0
			for i := range results {
				results[i].Pos.File = a.rel(results[i].Pos.File)
				if !results[i].Pass && !results[i].Skip {
					failed++
				}
			}
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			} else {
				for _, r := range results {
					fmt.Fprintln(a.stdout, r)
				}
			}
			fmt.Fprintf(a.stderr, "policy test: %d passed, %d failed\n", len(results)-failed, failed)
			if failed > 0 {
				return &escarp.Error{Op: "policy test", Kind: escarp.Threshold, Message: fmt.Sprintf("%d of %d policy tests failed", failed, len(results))}
			}
			return nil
		},
	}
	addPolicyFlags(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func (a *app) policyReviewCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "review",
		Short: "List policies past their review date and waivers past their expiry",
		Long: `review lists every policy (package or rule) whose custom.review date in its
# METADATA annotation has passed, and every waiver (stage: policy in the
suppressions file) that has expired, with owner and file:line.

Exit codes: 0 nothing is overdue; 1 something is; 2 bad Rego or
configuration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.planPolicy(cmd, nil)
			if err != nil {
				return err
			}
			set, err := policy.Load(cmd.Context(), p.opts)
			if err != nil {
				return err
			}
			set.Relocate(a.rel)
			overdue := set.Review(p.sup, p.now)
			for i := range overdue {
				overdue[i].Pos.File = a.rel(overdue[i].Pos.File)
			}
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if overdue == nil {
					overdue = []policy.Overdue{}
				}
				if err := enc.Encode(overdue); err != nil {
					return err
				}
			} else {
				for _, o := range overdue {
					fmt.Fprintln(a.stdout, o)
				}
			}
			if len(overdue) > 0 {
				return &escarp.Error{Op: "policy review", Kind: escarp.Threshold, Message: fmt.Sprintf("%d policies or waivers are overdue for review", len(overdue))}
			}
			fmt.Fprintln(a.stderr, "policy review: nothing is overdue")
			return nil
		},
	}
	addPolicyFlags(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

// listedPolicy is one row of `escarp policy list`.
type listedPolicy struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Pack     string `json:"pack,omitempty"`
	Package  string `json:"package"`
	Severity string `json:"severity"`
	Owner    string `json:"owner,omitempty"`
	Review   string `json:"review,omitempty"`
	// State is enabled, disabled or review-overdue; Waivers counts the
	// live waivers naming the rule.
	State   string          `json:"state"`
	Waivers int             `json:"waivers"`
	Pos     escarp.Position `json:"pos"`
}

func (a *app) policyListCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every policy with its owner, review date and state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.planPolicy(cmd, nil)
			if err != nil {
				return err
			}
			enabled, err := policy.Load(cmd.Context(), p.opts)
			if err != nil {
				return err
			}
			all := p.opts
			all.Packs, all.Disable = nil, nil
			every, err := policy.Load(cmd.Context(), all)
			if err != nil {
				return err
			}
			on := map[string]bool{}
			for _, r := range enabled.Rules {
				on[r.ID] = true
			}
			pkgReview := map[string]string{}
			for _, pk := range every.Packages {
				pkgReview[pk.Path] = pk.Review
			}
			today := p.now.Format(time.DateOnly)
			rows := []listedPolicy{}
			for _, r := range every.Rules {
				row := listedPolicy{ID: r.ID, Title: r.Title, Pack: r.Pack, Package: r.Package, Severity: r.Severity.String(),
					Owner: r.Owner, Review: r.Review, State: "enabled", Pos: escarp.Position{File: a.rel(r.Pos.File), Line: r.Pos.Line}}
				if row.Review == "" {
					row.Review = pkgReview[r.Package]
				}
				switch {
				case !on[r.ID]:
					row.State = "disabled"
				case row.Review != "" && row.Review < today:
					row.State = "review-overdue"
				}
				for _, e := range p.sup.Entries {
					if (e.Stage == policy.Stage || e.Stage == "") && e.Rule == r.ID && !e.Expired(p.now) {
						row.Waivers++
					}
				}
				rows = append(rows, row)
			}
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tPACK\tOWNER\tREVIEW\tSTATE\tWAIVERS\tTITLE")
			for _, r := range rows {
				pack := r.Pack
				if pack == "" {
					pack = "(user)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Severity, pack, r.Owner, r.Review, r.State, r.Waivers, r.Title)
			}
			return tw.Flush()
		},
	}
	addPolicyFlags(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

// ciPolicy runs the policy stage of `escarp ci`: the policies over the
// spec and the findings of the stages that ran before it.
func (a *app) ciPolicy(cmd *cobra.Command, p *ciPlan, earlier []*escarp.Run) (*escarp.Run, error) {
	pp, err := a.planPolicy(cmd, nil)
	if err != nil {
		return nil, err
	}
	pp.now = time.Now().UTC()
	var args []string
	if p.specPath != "" {
		args = []string{p.specPath}
	}
	var prior []escarp.Finding
	for _, r := range earlier {
		prior = append(prior, r.Findings...)
	}
	run, probeErr, err := a.policyRun(cmd, pp, args, nil, prior)
	if err != nil {
		return nil, err
	}
	if p.specArg != "" {
		run.Spec = p.specArg
	}
	// The gate applies the suppressions file itself.
	for i := range run.Findings {
		run.Findings[i].Suppressed = nil
	}
	return run, probeErr
}

// regoAuditRules are the user's Rego rules that `escarp audit` runs: the
// directories of --rego, and the policy section's when policy.audit is set.
func (a *app) regoAuditRules(cmd *cobra.Command, cf *config.File, dirs []string) ([]*audit.Rule, error) {
	var cfg policy.Config
	if err := cf.Section("policy", &cfg); err != nil {
		return nil, err
	}
	var opts policy.Options
	if cfg.Audit {
		o, err := cfg.Options(cf.Dir)
		if err != nil {
			return nil, err
		}
		opts = o
	}
	for _, d := range dirs {
		opts.Dirs = append(opts.Dirs, a.resolvePath(d, a.wd))
	}
	if len(opts.Dirs) == 0 {
		return nil, nil
	}
	return policy.AuditRules(cmd.Context(), opts)
}
