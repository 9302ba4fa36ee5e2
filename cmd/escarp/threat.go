package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/gate"
	"github.com/escarp/escarp/internal/git"
	"github.com/escarp/escarp/internal/report"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/specdiff"
	"github.com/escarp/escarp/internal/threat"
)

// threatFlags are the flags `escarp threat` and `threat diff` share.
type threatFlags struct {
	specs, findings, outputs []string
	format, suppressions     string
	noStore                  bool
}

func addThreatFlags(cmd *cobra.Command, fl *threatFlags, format string) {
	f := cmd.Flags()
	f.StringArrayVar(&fl.specs, "spec", nil, "API description to model (default ESCARP_SPEC, then spec: and threat.specs in escarp.yaml); repeatable")
	f.StringArrayVar(&fl.findings, "findings", nil, "JSON report of audit, scan or code (`RUN.json`) whose findings are evidence; repeatable")
	f.StringArrayVarP(&fl.outputs, "output", "o", nil, "write to `PATH` (format from the extension, or FORMAT:PATH: threagile:, threatdragon:, otm:, mermaid:); repeatable")
	f.StringVar(&fl.format, "format", format, "stdout format: text, json, sarif, junit, markdown or html")
	f.StringVar(&fl.suppressions, "suppressions", "", "suppressions file with the risk-tracking entries (default .escarp/suppressions.yaml next to the config)")
	f.BoolVar(&fl.noStore, "no-store", false, "neither read the inventory from the store nor record the run")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
}

// threatCmd is `escarp threat`: the threat model and risk ranking derived
// from the specs, the inventory and findings.
func (a *app) threatCmd() *cobra.Command {
	var fl threatFlags
	cmd := &cobra.Command{
		Use:   "threat [--spec FILE] [--findings RUN.json ...]",
		Short: "Derive a threat model and a ranking of what to fix first from specs, inventory and findings",
		Long: `threat derives a threat model from what escarp knows: assets and trust
boundaries, data assets with their confidentiality, data flows, the attack
surface of every operation and STRIDE threats on each, mapped to the OWASP
API Security Top 10 2023 and CWE. Findings given with --findings (or
recorded in the store) confirm threats; rules that ran and found nothing,
and auth middleware found in code routes, are evidence of mitigations.
Risk is likelihood × impact on Threagile's 4×4 scale, scored 0-100 as
inherent, current and projected risk; the ranking says what to fix first.

Threats are findings of kind threat: the gate, baselines and suppressions
work on them. Risk tracking is entries with stage: threat (state and
ticket) in .escarp/suppressions.yaml.

  escarp threat --spec openapi.yaml -o threat.html -o threagile:threagile.yaml
  escarp threat --findings scan.json --format json | jq .ranking
  escarp threat diff --base-ref origin/main -o threat-diff.md

Exit codes: 0 modelled; 1 --fail-on reached by an untracked threat; 2 bad
input; 3 a findings report or the store could not be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runThreat(cmd, fl) },
	}
	addThreatFlags(cmd, &fl, "text")
	cmd.Flags().String("fail-on", "", "exit 1 when an untracked threat reaches this severity (critical, high, medium, low, info)")
	cmd.Flags().String("title", "", "title of the model (default: the API's title)")
	cmd.AddCommand(a.threatDiffCmd())
	return cmd
}

// threatConfig reads the threat section.
func (a *app) threatConfig() (*config.File, threat.Config, error) {
	var c threat.Config
	cf, err := a.config()
	if err != nil {
		return nil, c, err
	}
	if err := cf.Section("threat", &c); err != nil {
		return nil, c, err
	}
	return cf, c, c.Validate()
}

// threatSpecs resolves the descriptions to model: --spec, else
// ESCARP_SPEC, else spec:, plus threat.specs.
func (a *app) threatSpecs(cf *config.File, c threat.Config, flags []string) []string {
	var out []string
	for _, s := range flags {
		out = append(out, a.resolvePath(s, a.wd))
	}
	if len(out) == 0 {
		if v, ok := a.getenv("ESCARP_SPEC"); ok && v != "" {
			out = append(out, a.resolvePath(v, a.wd))
		} else if cf.Spec != "" {
			out = append(out, a.resolvePath(cf.Spec, cf.Dir))
		}
		for _, s := range c.Specs {
			out = append(out, a.resolvePath(s, cf.Dir))
		}
	}
	return out
}

// threatEvidence reads the findings reports and, unless --no-store, the
// inventory.
func (a *app) threatEvidence(cmd *cobra.Command, cf *config.File, c threat.Config, fl threatFlags) ([]*escarp.Run, []*escarp.Endpoint, []string, error) {
	var runs []*escarp.Run
	var notes []string
	paths := fl.findings
	if len(paths) == 0 {
		for _, p := range c.Findings {
			paths = append(paths, a.resolvePath(p, cf.Dir))
		}
	}
	for _, p := range paths {
		rep, err := a.readReport(p)
		if err != nil {
			return nil, nil, nil, err
		}
		runs = append(runs, rep.Runs...)
	}
	var eps []*escarp.Endpoint
	if !fl.noStore {
		db, err := a.openStore(cmd)
		if err != nil {
			return nil, nil, nil, err
		}
		defer db.Close()
		eps, err = db.Endpoints(cmd.Context(), escarp.EndpointFilter{})
		if err != nil {
			notes = append(notes, "inventory not read: "+err.Error())
		}
		if len(paths) == 0 {
			for _, engine := range []string{escarp.EngineScan, escarp.EngineAudit} {
				if run, err := latestRun(cmd.Context(), db, engine); err == nil && run != nil {
					runs = append(runs, run)
					notes = append(notes, fmt.Sprintf("evidence: the last %s run recorded in the store (%d findings)", engine, len(run.Findings)))
				}
			}
		}
	}
	return runs, eps, notes, nil
}

// latestRun returns the newest recorded run of engine, with its findings.
func latestRun(ctx context.Context, db escarp.FindingStore, engine string) (*escarp.Run, error) {
	scans, _, err := db.FindScans(ctx, escarp.ScanFilter{Engine: engine, Limit: 1})
	if err != nil || len(scans) == 0 {
		return nil, err
	}
	fs, _, err := db.FindFindings(ctx, escarp.FindingFilter{ScanID: scans[0].ID, Limit: 10000})
	if err != nil {
		return nil, err
	}
	return &escarp.Run{Engine: engine, Target: scans[0].Target, Findings: fs}, nil
}

// tracker returns the risk-tracking lookup of the suppressions file:
// entries with stage threat (or no stage) that have not expired.
func (a *app) tracker(cf *config.File, path string, now time.Time) (func(*escarp.Finding) *escarp.Tracking, error) {
	optional := path == ""
	if path == "" {
		path = filepath.Join(cf.Dir, ".escarp", "suppressions.yaml")
	} else {
		path = a.resolvePath(path, a.wd)
	}
	sup, err := gate.LoadSuppressions(path, optional)
	if err != nil {
		return nil, err
	}
	return func(f *escarp.Finding) *escarp.Tracking {
		for i := range sup.Entries {
			e := &sup.Entries[i]
			if (e.Stage == "" || e.Stage == escarp.EngineThreat) && !e.Expired(now) && e.Matches(escarp.EngineThreat, f) {
				return &escarp.Tracking{State: e.State, Ticket: e.Ticket, Owner: e.Owner, Reason: e.Reason}
			}
		}
		return nil
	}, nil
}

// loadSpecs loads every description; an unreadable one is an input error.
func loadSpecs(ctx context.Context, paths []string) ([]*escarp.API, []string, error) {
	var apis []*escarp.API
	var notes []string
	for _, p := range paths {
		api, warns, err := spec.Load(ctx, p, spec.Options{})
		if err != nil {
			return nil, nil, err
		}
		for _, w := range warns {
			notes = append(notes, w.String())
		}
		apis = append(apis, api)
	}
	return apis, notes, nil
}

// splitModelOutputs separates model outputs (threagile:, otm:...) from
// report outputs, resolving their paths.
func (a *app) splitModelOutputs(specs []string) (models []report.Output, rest []string, err error) {
	for _, s := range specs {
		o, ok, err := report.ParseModelOutput(s)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			rest = append(rest, s)
			continue
		}
		if o.Format == report.FormatCycloneDX {
			return nil, nil, &escarp.Error{Op: "threat", Kind: escarp.Invalid, Message: "-o cyclonedx: is the SBOM of escarp code, not a threat model"}
		}
		o.Path = a.resolvePath(o.Path, a.wd)
		models = append(models, o)
	}
	return models, rest, nil
}

func (a *app) runThreat(cmd *cobra.Command, fl threatFlags) error {
	const op = "threat"
	ctx := cmd.Context()
	cf, c, err := a.threatConfig()
	if err != nil {
		return err
	}
	models, outputs, err := a.splitModelOutputs(fl.outputs)
	if err != nil {
		return err
	}
	paths := a.threatSpecs(cf, c, fl.specs)
	if len(paths) == 0 {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "no API description: give --spec FILE, ESCARP_SPEC or spec: in escarp.yaml"}
	}
	started := time.Now().UTC()
	apis, notes, err := loadSpecs(ctx, paths)
	if err != nil {
		return err
	}
	runs, eps, evNotes, err := a.threatEvidence(cmd, cf, c, fl)
	if err != nil {
		return err
	}
	track, err := a.tracker(cf, fl.suppressions, started)
	if err != nil {
		return err
	}
	res := threat.Derive(threat.Input{Title: a.setting(cmd, "title", "threat_title", c.Title), APIs: apis, Endpoints: eps, Runs: runs, Track: track, Now: started})
	res.Run.StartedAt, res.Run.FinishedAt = started, time.Now().UTC()
	res.Run.Spec = strings.Join(fl.specs, ",")
	if res.Run.Spec == "" {
		res.Run.Spec = cf.Spec
	}
	res.Run.Notes = append(append(append(res.Run.Notes, notes...), evNotes...), res.Model.Assumptions...)
	res.Run.Stats["durationMs"] = time.Since(started).Milliseconds()
	rep := newReport(started, res.Run)
	rep.FinishedAt, rep.Ranking, rep.ThreatModel = res.Run.FinishedAt, res.Ranking, res.Model
	if err := report.WriteModels(rep, models); err != nil {
		return err
	}
	for _, m := range models {
		fmt.Fprintf(a.stderr, "wrote %s\n", a.rel(m.Path))
	}
	if err := a.emit(rep, fl.format, outputs); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "threat: %d operations, %d threats, top risk %s\n", len(res.Ranking), len(res.Model.Threats), topRisk(res.Ranking))
	if !fl.noStore {
		if err := a.recordThreatRun(cmd, res); err != nil {
			return err
		}
	}
	failOn := a.setting(cmd, "fail-on", "threat_fail_on", c.FailOn)
	if failOn == "" {
		return nil
	}
	sev, err := escarp.ParseSeverity(failOn)
	if err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "--fail-on: " + err.Error()}
	}
	n := 0
	for _, f := range res.Run.Findings {
		if f.Suppressed == nil && f.Severity >= sev {
			n++
		}
	}
	if n > 0 {
		return &escarp.Error{Op: op, Kind: escarp.Threshold, Message: fmt.Sprintf("%d untracked threats at %s or above", n, sev)}
	}
	return nil
}

func topRisk(r []escarp.RankedOperation) string {
	if len(r) == 0 {
		return "none"
	}
	return strconv.Itoa(r[0].Risk) + " (" + r[0].Method + " " + r[0].Path + ")"
}

// threatDiffCmd is `escarp threat diff`: threats and risk a change adds
// and removes, against --previous FILE or the spec at --base-ref.
func (a *app) threatDiffCmd() *cobra.Command {
	var fl threatFlags
	cmd := &cobra.Command{
		Use:   "diff (--previous FILE | --base-ref REF) [--spec FILE]",
		Short: "List the attack surface, threats and risk a change adds and removes (Markdown for a PR comment)",
		Long: `diff compares the current API description with its previous version
(--previous FILE, or the same file at --base-ref REF, as escarp ci does)
as attack surface: operations added, removed and changed with the facts
each gained or lost, and the threats and risk added and removed. The
default output is Markdown for a pull-request comment.

Exit codes: 0 nothing added above --max-risk without a tracking entry;
1 an added, untracked threat's current risk exceeds --max-risk (default
threat.max_risk, else 55); 2 bad input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runThreatDiff(cmd, fl) },
	}
	addThreatFlags(cmd, &fl, "markdown")
	f := cmd.Flags()
	f.String("previous", "", "previous version of the spec")
	f.String("base-ref", "", "git ref whose version of the spec is the previous one")
	f.Int("max-risk", -1, "fail when an added, untracked threat's risk (0-100) exceeds `N` (default threat.max_risk, else 55)")
	return cmd
}

// threatDiff derives the diff of the current spec against its previous
// version. prevName says where the previous version came from.
func (a *app) threatDiff(cmd *cobra.Command, specPath, prevFile, ref string, opts specdiff.Options) (*specdiff.Result, error) {
	ctx := cmd.Context()
	cur, _, err := spec.Load(ctx, specPath, spec.Options{})
	if err != nil {
		return nil, err
	}
	var prev *escarp.API
	switch {
	case prevFile != "":
		if prev, _, err = spec.Load(ctx, a.resolvePath(prevFile, a.wd), spec.Options{}); err != nil {
			return nil, err
		}
	case ref != "":
		data, err := git.Show(ctx, filepath.Dir(specPath), ref, filepath.Base(specPath))
		if errors.Is(err, git.ErrNotAtRef) {
			break // a new spec: everything is added
		}
		if err != nil {
			return nil, fmt.Errorf("--base-ref %s: %w", ref, err)
		}
		if prev, _, err = spec.LoadBytes(ctx, ref+":"+filepath.Base(specPath), data, spec.Options{}); err != nil {
			return nil, err
		}
	default:
		return nil, &escarp.Error{Op: "threat diff", Kind: escarp.Invalid, Message: "give --previous FILE or --base-ref REF"}
	}
	return specdiff.Compare(prev, cur, opts), nil
}

func (a *app) runThreatDiff(cmd *cobra.Command, fl threatFlags) error {
	const op = "threat diff"
	cf, c, err := a.threatConfig()
	if err != nil {
		return err
	}
	paths := a.threatSpecs(cf, c, fl.specs)
	if len(paths) != 1 {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: fmt.Sprintf("threat diff compares one description, got %d (give --spec FILE)", len(paths))}
	}
	if strings.Contains(paths[0], "://") {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "threat diff needs a local spec file, not a URL"}
	}
	runs, eps, _, err := a.threatEvidence(cmd, cf, c, fl)
	if err != nil {
		return err
	}
	track, err := a.tracker(cf, fl.suppressions, time.Now().UTC())
	if err != nil {
		return err
	}
	d, err := a.threatDiff(cmd, paths[0], a.setting(cmd, "previous", "previous", ""), a.setting(cmd, "base-ref", "base_ref", ""),
		specdiff.Options{Runs: runs, Endpoints: eps, Track: track})
	if err != nil {
		return err
	}
	limit := c.Limit()
	if v, _ := cmd.Flags().GetInt("max-risk"); v >= 0 {
		limit = v
	}
	models, outputs, err := a.splitModelOutputs(fl.outputs)
	if err != nil {
		return err
	}
	if len(models) > 0 {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "threat diff writes no model; use escarp threat for " + models[0].Format + ":"}
	}
	// Markdown goes through the diff writer; other formats get the added
	// threats as findings.
	run := d.After.Run
	run.Findings = d.AddedFindings()
	run.Notes = append(run.Notes, d.Summary())
	rep := newReport(run.StartedAt, run)
	rep.FinishedAt = run.FinishedAt
	for _, o := range outputs {
		out, err := report.ParseOutput(o)
		if err != nil {
			return err
		}
		path := a.resolvePath(out.Path, a.wd)
		if out.Format == report.FormatMarkdown {
			if err := writeFileWith(path, func(f *os.File) error { return report.WriteThreatDiff(f, d, limit) }); err != nil {
				return err
			}
		} else if err := a.emit(rep, "", nil); err != nil {
			return err
		} else if err := a.reportOptions().WriteOutputs(rep, []report.Output{{Format: out.Format, Path: path}}); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "wrote %s\n", a.rel(path))
	}
	if fl.format == "" || fl.format == report.FormatMarkdown {
		if err := report.WriteThreatDiff(a.stdout, d, limit); err != nil {
			return err
		}
	} else if err := a.emit(rep, fl.format, nil); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "threat diff: %s\n", d.Summary())
	n := 0
	for _, t := range d.ThreatsAdded {
		if t.Tracking == nil && t.Current > limit {
			n++
		}
	}
	if n > 0 {
		return &escarp.Error{Op: op, Kind: escarp.Threshold, Message: fmt.Sprintf("%d added threats above risk %d have no tracking entry", n, limit)}
	}
	return nil
}

func writeFileWith(path string, write func(*os.File) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return &escarp.Error{Op: "threat", Kind: escarp.Invalid, Message: "create output directory", Err: err}
	}
	f, err := os.Create(path)
	if err != nil {
		return &escarp.Error{Op: "threat", Kind: escarp.Invalid, Message: "create output " + path, Err: err}
	}
	werr := write(f)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// ciThreat is the ci threat stage: the threats of the current spec, or
// with --previous/--base-ref only those the change adds, as findings the
// gate judges (fail_on, suppressions with stage threat, the baseline).
func (a *app) ciThreat(cmd *cobra.Command, p *ciPlan) (*escarp.Run, error) {
	var c threat.Config
	if err := p.cf.Section("threat", &c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	prevFile := a.setting(cmd, "previous", "previous", "")
	ref := a.setting(cmd, "base-ref", "base_ref", "")
	if prevFile == "" && ref == "" {
		apis, notes, err := loadSpecs(cmd.Context(), []string{p.specPath})
		if err != nil {
			return nil, err
		}
		res := threat.Derive(threat.Input{Title: c.Title, APIs: apis})
		res.Run.Spec = p.specArg
		res.Run.Notes = append(res.Run.Notes, notes...)
		return res.Run, nil
	}
	d, err := a.threatDiff(cmd, p.specPath, prevFile, ref, specdiff.Options{})
	if err != nil {
		return nil, err
	}
	run := d.After.Run
	run.Spec = p.specArg
	run.Findings = d.AddedFindings()
	run.Notes = append(run.Notes, "threat stage: "+d.Summary())
	return run, nil
}

// recordThreatRun records the threat run's findings as a scan and its
// model and ranking beside it.
func (a *app) recordThreatRun(cmd *cobra.Command, res *threat.Result) error {
	db, err := a.openStore(cmd)
	if err != nil {
		return err
	}
	defer db.Close()
	run := res.Run
	sc := &escarp.Scan{Engine: run.Engine, Target: run.Target, Spec: run.Spec, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, Stats: run.Stats}
	if err := db.PutScan(cmd.Context(), sc, run.Findings); err != nil {
		return fmt.Errorf("recording the threat run: %w", err)
	}
	return db.PutThreatModel(cmd.Context(), &escarp.ThreatModelRecord{ScanID: sc.ID, Created: run.FinishedAt, Model: res.Model, Ranking: res.Ranking})
}
