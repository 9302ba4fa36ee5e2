package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/audit/specload"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/drift"
	"github.com/escarp/escarp/internal/gate"
	"github.com/escarp/escarp/internal/git"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/spec"
)

// ciCmd is `escarp ci`: run the configured stages and gate on what is new.
func (a *app) ciCmd() *cobra.Command {
	var fl ciFlags
	cmd := &cobra.Command{
		Use:   "ci",
		Short: "Run the configured stages (audit, scan, code) and fail only on new findings",
		Long: `ci runs the stages configured in the ci section of escarp.yaml (audit of
the spec; scan of the running target; code: SAST, dependencies and secrets
of the source tree), applies the suppressions kept in the
repository (.escarp/suppressions.yaml) and the baseline of accepted
findings (.escarp/baseline.json), and fails only on new findings that
reach each stage's thresholds: fail_on (default high), min_score and
max_new. Findings in the baseline that are no longer found are reported
as fixed; expired suppressions stop suppressing and are reported.

With --base-ref REF (or --previous FILE) the spec is compared with its
version at that git ref: new, removed and changed operations and breaking
changes are listed, breaking changes become ESC-INV-005 audit findings,
and --changed-only limits the scan's per-operation checks to new and
changed operations.

Reports: -o PATH (.sarif, .json, .xml for JUnit, .md, .html) or
FORMAT:PATH, including gitlab-dast:, gitlab-sast:,
gitlab-dependency-scanning: and gitlab-secret-detection:. A Markdown
summary of the gate goes to --summary FILE and is appended to
$GITHUB_STEP_SUMMARY when set.

Exit codes: 0 the gate passed; 1 the gate failed (the message names the
new findings); 2 bad configuration, spec or flags; 3 a stage could not
complete (target unreachable, no identity authenticated).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runCI(cmd, fl)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&fl.outputs, "output", "o", nil, "write the report to `PATH` (format from the extension, or FORMAT:PATH); repeatable")
	f.StringVar(&fl.format, "format", "text", "stdout format: text (the gate summary), json, sarif, junit, markdown, html or gitlab-*")
	f.StringVar(&fl.summary, "summary", "", "write the Markdown gate summary to `FILE` (also appended to $GITHUB_STEP_SUMMARY)")
	f.BoolVar(&fl.update, "update-baseline", false, "record the findings of the stages that ran as the new baseline")
	f.BoolVar(&fl.changedOnly, "changed-only", false, "scan only operations new or changed against --base-ref/--previous")
	f.BoolVar(&fl.noStore, "no-store", false, "do not record the runs in the store")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	f.String("fail-on", "", "fail on a new finding of at least this severity (default high; overrides the config)")
	f.Int("min-score", 0, "fail when the audit score is below `N`")
	f.Int("max-new", -1, "fail when a stage has more than `N` new findings (-1: no limit)")
	addStageFlags(f)
	f.String("today", "", "judge suppression expiry dates as of this `DATE` (YYYY-MM-DD; default today)")
	_ = f.MarkHidden("today")
	return cmd
}

// addStageFlags adds the flags that choose and feed the stages, shared by
// ci and baseline create.
func addStageFlags(f *pflag.FlagSet) {
	str := f.String
	str("stages", "", "stages to run, comma-separated (default: the ci section's, else audit and, with a target, scan)")
	str("spec", "", "OpenAPI document to audit and scan (default ESCARP_SPEC, then spec: in escarp.yaml)")
	str("target", "", "base URL of the running API for the scan stage (default ESCARP_TARGET, then target:)")
	str("baseline", "", "baseline file (default .escarp/baseline.json next to the config)")
	str("suppressions", "", "suppressions file (default .escarp/suppressions.yaml next to the config, when present)")
	str("base-ref", "", "git ref whose version of the spec is the previous one (spec drift)")
	str("previous", "", "previous version of the spec, as a file (spec drift)")
	addScanFlags(f)
	addCodeFlags(f)
}

type ciFlags struct {
	outputs     []string
	format      string
	summary     string
	update      bool
	changedOnly bool
	noStore     bool
}

// ciPlan is everything resolved before the stages run.
type ciPlan struct {
	cf           *config.File
	gate         gate.Config
	stages       []string
	skipped      []string // configured stages this build cannot run
	specArg      string   // as given
	specPath     string   // resolved
	target       string
	baselinePath string
	sup          *gate.Suppressions
	drift        *drift.Result
	prevAPI      *escarp.API
	changedOnly  bool
}

// runnable are the stages this build runs.
var runnable = []string{escarp.EngineAudit, escarp.EngineScan, escarp.EngineCode, escarp.EngineThreat, escarp.EnginePolicy}

// planCI resolves config, flags and environment into a plan.
func (a *app) planCI(cmd *cobra.Command) (*ciPlan, error) {
	const op = "ci"
	cf, err := a.validConfig(op)
	if err != nil {
		return nil, err
	}
	p := &ciPlan{cf: cf}
	if err := cf.Section("ci", &p.gate); err != nil {
		return nil, err
	}
	if err := p.gate.Validate(); err != nil {
		return nil, err
	}

	p.specArg = a.setting(cmd, "spec", "spec", "")
	p.specPath = a.resolvePath(p.specArg, a.wd)
	if p.specArg == "" && cf.Spec != "" {
		p.specArg, p.specPath = cf.Spec, a.resolvePath(cf.Spec, cf.Dir)
	}
	p.target = a.setting(cmd, "target", "target", cf.Target)

	names := p.gate.StageNames()
	if v := a.setting(cmd, "stages", "stages", ""); v != "" {
		names = splitList(v)
		sc := gate.Config{}
		for _, n := range names {
			sc.Stages = append(sc.Stages, gate.Stage{Name: n})
		}
		if err := sc.Validate(); err != nil {
			return nil, err
		}
	}
	if len(names) == 0 {
		names = []string{escarp.EngineAudit}
		if p.target != "" {
			names = append(names, escarp.EngineScan)
		}
		if cf.Has("code") {
			names = append(names, escarp.EngineCode)
		}
	}
	for _, n := range names {
		if slices.Contains(runnable, n) {
			p.stages = append(p.stages, n)
		} else {
			p.skipped = append(p.skipped, n)
		}
	}
	if len(p.stages) == 0 {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: fmt.Sprintf("no stage this build can run among %s (it runs %s)",
			strings.Join(names, ", "), strings.Join(runnable, ", "))}
	}
	needsSpec := slices.Contains(p.stages, escarp.EngineAudit) || slices.Contains(p.stages, escarp.EngineScan) || slices.Contains(p.stages, escarp.EngineThreat)
	if p.specPath == "" && needsSpec {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "no API description: give --spec FILE, ESCARP_SPEC or spec: in escarp.yaml"}
	}
	if slices.Contains(p.stages, escarp.EngineScan) && p.target == "" {
		return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "the scan stage needs a target: give --target URL, ESCARP_TARGET or target: in escarp.yaml"}
	}

	// The baseline and suppressions files live in .escarp/ next to the config.
	stateDir := filepath.Join(cf.Dir, ".escarp")
	p.baselinePath = a.setting(cmd, "baseline", "baseline", "")
	switch {
	case p.baselinePath != "":
		p.baselinePath = a.resolvePath(p.baselinePath, a.wd)
	case p.gate.Baseline != "":
		p.baselinePath = a.resolvePath(p.gate.Baseline, cf.Dir)
	default:
		p.baselinePath = filepath.Join(stateDir, "baseline.json")
	}
	supPath, optional := a.setting(cmd, "suppressions", "suppressions", ""), false
	switch {
	case supPath != "":
		supPath = a.resolvePath(supPath, a.wd)
	case p.gate.Suppressions != "":
		supPath = a.resolvePath(p.gate.Suppressions, cf.Dir)
	default:
		supPath, optional = filepath.Join(stateDir, "suppressions.yaml"), true
	}
	if p.sup, err = gate.LoadSuppressions(supPath, optional); err != nil {
		return nil, err
	}
	if err := a.ciThresholdFlags(cmd, &p.gate); err != nil {
		return nil, err
	}
	return p, nil
}

// ciThresholdFlags lets --fail-on, --min-score and --max-new (and their
// ESCARP_* variables) override every stage's thresholds.
func (a *app) ciThresholdFlags(cmd *cobra.Command, g *gate.Config) error {
	if cmd.Flags().Lookup("fail-on") == nil {
		return nil
	}
	override := func(set func(*gate.Thresholds)) {
		set(&g.Thresholds)
		for i := range g.Stages {
			set(&g.Stages[i].Thresholds)
		}
	}
	if v := a.setting(cmd, "fail-on", "fail_on", ""); v != "" {
		if _, err := escarp.ParseSeverity(v); err != nil {
			return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Message: "--fail-on: " + err.Error()}
		}
		override(func(t *gate.Thresholds) { t.FailOn = v })
	}
	for _, n := range []struct{ flag, key string }{{"min-score", "min_score"}, {"max-new", "max_new"}} {
		f := cmd.Flags().Lookup(n.flag)
		v := a.setting(cmd, n.flag, n.key, "")
		if v == "" || (!f.Changed && v == f.DefValue) {
			continue
		}
		x, err := strconv.Atoi(v)
		if err != nil {
			return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Message: fmt.Sprintf("--%s %q: not a number", n.flag, v)}
		}
		if n.flag == "min-score" {
			override(func(t *gate.Thresholds) { t.MinScore = &x })
		} else {
			override(func(t *gate.Thresholds) { t.MaxNew = &x })
		}
	}
	return g.Validate()
}

// loadDrift reads the previous spec (from --previous or git show
// REF:path) and compares it with the current one. A spec absent at the
// ref is not an error: every operation is then new.
func (a *app) loadDrift(cmd *cobra.Command, p *ciPlan) error {
	ctx := cmd.Context()
	prevFile := a.setting(cmd, "previous", "previous", "")
	ref := a.setting(cmd, "base-ref", "base_ref", "")
	if prevFile == "" && ref == "" {
		return nil
	}
	if strings.Contains(p.specPath, "://") {
		return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Message: "spec drift needs a local spec file, not a URL"}
	}
	cur, err := os.ReadFile(p.specPath)
	if err != nil {
		return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Pos: escarp.Position{File: p.specPath}, Message: "reading the spec", Err: err}
	}
	var prev []byte
	var prevName string
	if prevFile != "" {
		prevName = a.resolvePath(prevFile, a.wd)
		if prev, err = os.ReadFile(prevName); err != nil {
			return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Pos: escarp.Position{File: prevName}, Message: "reading the previous spec", Err: err}
		}
	} else {
		prevName = ref + ":" + filepath.Base(p.specPath)
		prev, err = git.Show(ctx, filepath.Dir(p.specPath), ref, filepath.Base(p.specPath))
		if errors.Is(err, git.ErrNotAtRef) {
			p.drift = &drift.Result{Previous: prevName}
			api, _, lerr := spec.LoadBytes(ctx, p.specPath, cur, spec.Options{})
			if lerr != nil {
				return lerr
			}
			for _, op := range api.Operations {
				p.drift.New = append(p.drift.New, op.Method+" "+op.Path)
			}
			slices.Sort(p.drift.New)
			return nil
		}
		if err != nil {
			return fmt.Errorf("--base-ref %s: %w", ref, err)
		}
	}
	if p.drift, err = drift.Compare(ctx, prevName, prev, p.specPath, cur); err != nil {
		return err
	}
	if p.prevAPI, _, err = spec.LoadBytes(ctx, prevName, prev, spec.Options{}); err != nil {
		return err
	}
	return nil
}

// runStages runs the planned stages. A stage that could not complete
// (target unreachable, osv.dev down) does not stop the others: its partial
// run (if any) is kept and the first such error is returned with all the
// runs. Bad input stops at once.
func (a *app) runStages(cmd *cobra.Command, p *ciPlan) ([]*escarp.Run, error) {
	var (
		runs     []*escarp.Run
		firstErr error
	)
	for _, st := range p.stages {
		var (
			run *escarp.Run
			err error
		)
		switch st {
		case escarp.EngineAudit:
			run, err = a.ciAudit(cmd, p)
		case escarp.EngineScan:
			run, err = a.ciScan(cmd, p)
		case escarp.EngineCode:
			run, err = a.ciCode(cmd, p)
		case escarp.EngineThreat:
			run, err = a.ciThreat(cmd, p)
		case escarp.EnginePolicy:
			run, err = a.ciPolicy(cmd, p, runs)
		}
		if run != nil {
			runs = append(runs, run)
		}
		if err != nil {
			if escarp.KindOf(err) == escarp.Invalid {
				return runs, err
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return runs, firstErr
}

func (a *app) ciAudit(cmd *cobra.Command, p *ciPlan) (*escarp.Run, error) {
	ctx := cmd.Context()
	all := rules.All()
	var cfg audit.Config
	if err := p.cf.Section("audit", &cfg); err != nil {
		return nil, err
	}
	cfg.FailOn, cfg.MinScore = "", 0 // the gate decides
	if err := cfg.Validate(all); err != nil {
		return nil, err
	}
	in, warns, err := specload.Load(ctx, p.specPath)
	if err != nil {
		return nil, err
	}
	in.Spec = p.specArg
	if p.prevAPI != nil {
		in.Previous = p.prevAPI
	} else if cfg.Previous != "" {
		old, _, err := specload.Load(ctx, a.resolvePath(cfg.Previous, p.cf.Dir))
		if err != nil {
			return nil, err
		}
		in.Previous = old.API
	}
	run, err := audit.RunInput(ctx, in, all, cfg)
	if err != nil {
		return nil, err
	}
	for _, w := range warns {
		run.Notes = append(run.Notes, w.String())
	}
	return run, nil
}

func (a *app) ciScan(cmd *cobra.Command, p *ciPlan) (*escarp.Run, error) {
	ctx := cmd.Context()
	cfg, err := a.scanConfig(cmd, p.cf)
	if err != nil {
		return nil, err
	}
	var note string
	if p.drift != nil && p.changedOnly {
		cfg.Operations = append(slices.Clone(p.drift.New), p.drift.Changed...)
		if len(cfg.Operations) == 0 {
			return &escarp.Run{Engine: escarp.EngineScan, Target: p.target, Spec: p.specArg, Rules: []escarp.RuleInfo{},
				Notes: []string{"--changed-only: no operation is new or changed, nothing scanned"}}, nil
		}
		note = "--changed-only: per-operation checks limited to " + strings.Join(cfg.Operations, ", ")
	} else if p.drift != nil && len(p.drift.New) > 0 {
		note = "new operations since " + p.drift.Previous + ": " + strings.Join(p.drift.New, ", ")
	}
	api, warnings, err := spec.Load(ctx, p.specPath, spec.Options{})
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintln(a.status(), "warning:", w)
	}
	run, err := scan.Run(ctx, api, p.target, cfg, list.All())
	if run == nil {
		return nil, err
	}
	if note != "" {
		run.Notes = append(run.Notes, note)
	}
	if err != nil {
		run.Notes = append(run.Notes, "scan stopped early: "+err.Error())
	}
	return run, err
}

// ciCode runs the code stage: SAST, dependencies and secrets over the
// code section's path.
func (a *app) ciCode(cmd *cobra.Command, p *ciPlan) (*escarp.Run, error) {
	cp, err := a.planCode(cmd, p.cf, "")
	if err != nil {
		return nil, err
	}
	if cp.spec == "" && p.specPath != "" && !strings.Contains(p.specPath, "://") {
		cp.specArg, cp.spec = p.specArg, p.specPath
	}
	run, _, err := a.codeRun(cmd.Context(), cp)
	if run != nil && err != nil {
		run.Notes = append(run.Notes, "code stage incomplete: "+err.Error())
	}
	return run, err
}

// today returns the day suppressions are judged on: --today, else now.
func (a *app) today(cmd *cobra.Command) (time.Time, error) {
	v := a.setting(cmd, "today", "today", "")
	if v == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, &escarp.Error{Op: "ci", Kind: escarp.Invalid, Message: fmt.Sprintf("--today %q: want YYYY-MM-DD", v)}
	}
	return t, nil
}

func (a *app) runCI(cmd *cobra.Command, fl ciFlags) error {
	p, err := a.planCI(cmd)
	if err != nil {
		return err
	}
	p.changedOnly = fl.changedOnly
	now, err := a.today(cmd)
	if err != nil {
		return err
	}
	var reviews []string
	reviews, fl.outputs = splitReviewOutputs(fl.outputs)
	if len(reviews) > 0 {
		if err := a.writeCIReview(cmd, p.specPath, reviews); err != nil {
			return err
		}
	}
	if _, err := a.outputs(fl.outputs); err != nil {
		return err
	}
	if err := a.loadDrift(cmd, p); err != nil {
		return err
	}
	started := time.Now().UTC()
	runs, stageErr := a.runStages(cmd, p)
	if stageErr != nil && escarp.KindOf(stageErr) == escarp.Invalid {
		return stageErr
	}
	if len(runs) == 0 {
		return stageErr
	}

	base, _, err := gate.LoadBaseline(p.baselinePath)
	if err != nil {
		return err
	}
	d := gate.Decide(runs, &p.gate, base, p.sup, now)
	if fl.update && stageErr == nil {
		if base == nil {
			base = gate.NewBaseline()
		}
		for _, run := range runs {
			base.Record(run)
		}
		if err := base.Save(p.baselinePath); err != nil {
			return err
		}
		d = gate.Decide(runs, &p.gate, base, p.sup, now)
	}
	for _, s := range d.Stages {
		s.Run.Notes = append(s.Run.Notes, fmt.Sprintf("gate: %d new, %d baselined, %d suppressed, %d fixed; %s",
			len(s.New), s.Baselined, s.Suppressed, len(s.Fixed), verdict(s.Passed())))
	}

	rep := newReport(started, runs...)
	sum := &gate.Summary{Decision: d, Drift: p.drift, Skipped: p.skipped, Baseline: a.rel(p.baselinePath),
		Updated: fl.update && stageErr == nil, Today: now}
	if stageErr != nil {
		sum.Incomplete = stageErr.Error()
	}
	if fl.format == "" || fl.format == "text" {
		outs, err := a.outputs(fl.outputs)
		if err != nil {
			return err
		}
		if err := a.reportOptions().WriteOutputs(rep, outs); err != nil {
			return err
		}
		sum.Text(a.stdout)
	} else if err := a.emit(rep, fl.format, fl.outputs); err != nil {
		return err
	}
	if err := a.writeSummary(fl.summary, sum); err != nil {
		return err
	}
	if !fl.noStore {
		if err := a.storeRuns(cmd, runs); err != nil {
			return err
		}
	}
	if err := d.Err(); err != nil {
		return err
	}
	return stageErr
}

func verdict(passed bool) string {
	if passed {
		return "passed"
	}
	return "FAILED"
}

// writeSummary writes the Markdown gate summary to path (when given) and
// appends it to $GITHUB_STEP_SUMMARY (when set).
func (a *app) writeSummary(path string, sum *gate.Summary) error {
	var md strings.Builder
	sum.Markdown(&md)
	if path != "" {
		path = a.resolvePath(path, a.wd)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Message: "create " + filepath.Dir(path), Err: err}
		}
		if err := os.WriteFile(path, []byte(md.String()), 0o644); err != nil {
			return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Message: "write " + path, Err: err}
		}
	}
	if gh, ok := a.getenv("GITHUB_STEP_SUMMARY"); ok && gh != "" {
		f, err := os.OpenFile(gh, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return &escarp.Error{Op: "ci", Kind: escarp.Invalid, Message: "open $GITHUB_STEP_SUMMARY " + gh, Err: err}
		}
		_, werr := io.WriteString(f, md.String())
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("writing $GITHUB_STEP_SUMMARY: %w", werr)
		}
	}
	return nil
}

// storeRuns records every run in the store.
func (a *app) storeRuns(cmd *cobra.Command, runs []*escarp.Run) error {
	return a.recordRuns(cmd, runs...)
}

// rel returns path relative to the working directory when under it.
func (a *app) rel(path string) string {
	if r, err := filepath.Rel(a.wd, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
