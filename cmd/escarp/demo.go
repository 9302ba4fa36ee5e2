package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/audit/specload"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/code"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/inventory"
	"github.com/escarp/escarp/internal/inventory/probe"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/report"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/spec"
)

// demoCmd is `escarp demo`: the lab, every engine against it, every
// report format, one command.
func (a *app) demoCmd() *cobra.Command {
	var (
		dir     string
		noStore bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the lab, run every engine against it, and write every report format",
		Long: `demo starts the deliberately vulnerable lab on a free loopback port, audits
its OpenAPI description, scans it with three identities (two members and
the harbour master), discovers what it serves without documenting, records
the runs in the store, writes every report format into ./escarp-demo/
(escarp.sarif, escarp.json, escarp.html, escarp.md, escarp-junit.xml), prints
a summary, and exits. Exit code 0 when it ran.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDemo(cmd, dir, noStore)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "escarp-demo", "where the reports go")
	cmd.Flags().BoolVar(&noStore, "no-store", false, "do not record the runs in the store")
	cmd.Flags().String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	return cmd
}

func (a *app) runDemo(cmd *cobra.Command, dir string, noStore bool) error {
	const op = "demo"
	ctx := cmd.Context()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(a.wd, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "creating " + dir, Err: err}
	}
	started := time.Now()
	// Stage lines go to stderr whatever it is; only bars need a terminal.
	progress := a.status()

	// The lab, on a free loopback port, for as long as the demo runs.
	fmt.Fprintln(progress, "demo: starting the lab")
	labCtx, stopLab := context.WithCancel(ctx)
	defer stopLab()
	ready := make(chan string, 1)
	labDone := make(chan error, 1)
	go func() {
		labDone <- lab.Serve(labCtx, "127.0.0.1:0", lab.Options{Dir: os.TempDir()}, func(base string) { ready <- base })
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-labDone:
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "starting the lab", Err: err}
	case <-time.After(30 * time.Second):
		return &escarp.Error{Op: op, Kind: escarp.Unavailable, Message: "the lab did not start within 30s"}
	}
	fmt.Fprintf(a.stdout, "escarp demo: the Quayside Marina lab is running at %s\n", base)

	// Its description, written beside the reports so findings point at it.
	specPath := filepath.Join(dir, "quayside-openapi.yaml")
	specData := lab.Spec(false)
	if err := os.WriteFile(specPath, specData, 0o644); err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "writing " + specPath, Err: err}
	}
	api, _, err := spec.LoadBytes(ctx, specPath, specData, spec.Options{})
	if err != nil {
		return &escarp.Error{Op: op, Message: "loading the lab's spec", Err: err}
	}

	// 1. Audit the description.
	fmt.Fprintln(progress, "demo: auditing the spec")
	in, _, err := specload.LoadBytes(ctx, specPath, specData)
	if err != nil {
		return err
	}
	auditRun, err := audit.RunInput(ctx, in, rules.All(), audit.Config{})
	if err != nil {
		return err
	}

	// 2. Scan the running lab with its identities.
	fmt.Fprintln(progress, "demo: scanning the lab")
	labCfg, err := config.Parse("lab-scan.yaml", lab.ScanConfig(base, false), a.getenv)
	if err != nil {
		return &escarp.Error{Op: op, Message: "the lab's scan config", Err: err}
	}
	sc, err := a.scanConfig(nil, labCfg)
	if err != nil {
		return err
	}
	sc.Progress, sc.Detail, sc.Bar = progress, a.detail(), barWriter(a.progress())
	scanRun, err := scan.Run(ctx, api, base, sc, list.All())
	if scanRun == nil {
		return err
	}
	if err != nil {
		scanRun.Notes = append(scanRun.Notes, "scan stopped early: "+err.Error())
	}

	// 3. Discover what the lab serves without documenting it.
	fmt.Fprintln(progress, "demo: discovering undocumented endpoints")
	disc, derr := probe.Discover(ctx, probe.Config{Target: base, Known: api, Rate: 500, Concurrency: 4,
		MaxDuration: time.Minute})
	stopLab()
	<-labDone

	// 4. Look inside: SAST, dependencies and secrets of an excerpt of the
	// lab's source, matched offline against the OSV records it ships with.
	fmt.Fprintln(progress, "demo: analysing the lab's source excerpt")
	codeRun, err := a.demoCode(ctx, filepath.Join(dir, "quayside-code"))
	if err != nil {
		return err
	}

	rep := newReport(started, auditRun, scanRun, codeRun)
	outputs := []string{
		filepath.Join(dir, "escarp.sarif"), filepath.Join(dir, "escarp.json"), filepath.Join(dir, "escarp.html"),
		filepath.Join(dir, "escarp.md"), "junit:" + filepath.Join(dir, "escarp-junit.xml"),
	}
	outs, err := a.outputs(outputs)
	if err != nil {
		return err
	}
	fmt.Fprintln(progress, "demo: writing the reports")
	if err := a.reportOptions().WriteOutputs(rep, outs); err != nil {
		return err
	}

	var stored string
	if !noStore {
		if err := a.recordDemo(cmd, rep, disc, api); err != nil {
			return err
		}
		stored = "recorded in the store"
	}
	a.printDemoSummary(rep, disc, derr, dir, stored)
	return nil
}

// missedSourceFlaws lists the flaws of lab.SourceFlaws that run does not
// report in their file.
func missedSourceFlaws(run *escarp.Run) []string {
	var missed []string
	for _, fl := range lab.SourceFlaws {
		found := false
		for _, f := range run.Findings {
			if f.RuleID == fl.Rule && strings.HasSuffix(f.Location.File, fl.File) {
				found = true
				break
			}
		}
		if !found {
			missed = append(missed, fl.Rule)
		}
	}
	return missed
}

// demoCode writes the lab's source excerpt under dir and runs every code
// engine over it, offline and without git history.
func (a *app) demoCode(ctx context.Context, dir string) (*escarp.Run, error) {
	src, osv, err := lab.WriteSource(dir)
	if err != nil {
		return nil, &escarp.Error{Op: "demo", Kind: escarp.Internal, Message: "writing the lab's source excerpt", Err: err}
	}
	p := &codePlan{root: src, cfg: code.Config{OfflineDB: osv, History: new(false)}}
	run, _, err := a.codeRun(ctx, p)
	if run == nil || escarp.KindOf(err) == escarp.Invalid {
		return nil, err
	}
	if err != nil {
		run.Notes = append(run.Notes, "code analysis incomplete: "+err.Error())
	}
	return run, nil
}

// recordDemo records every run in the store and the discovery in the
// inventory.
func (a *app) recordDemo(cmd *cobra.Command, rep *escarp.Report, disc *probe.Result, api *escarp.API) error {
	db, inv, err := a.openInventory(cmd)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := cmd.Context()
	if err := putRuns(ctx, db, rep.Runs); err != nil {
		return err
	}
	svc := inventory.ServiceForSpec(api, "quayside-marina")
	obs := inventory.SpecObservations(api, svc.Name, time.Now().UTC())
	if disc != nil {
		svc.Hosts = append(svc.Hosts, hostOf(disc.Target))
		obs = append(obs, disc.Observations(svc.Name)...)
	}
	_, err = inv.Import(ctx, []inventory.SpecService{svc}, obs, svc.Name)
	return err
}

func (a *app) printDemoSummary(rep *escarp.Report, disc *probe.Result, derr error, dir, stored string) {
	w := a.stdout
	fmt.Fprintln(w)
	for _, run := range rep.Runs {
		counts := map[escarp.Severity]int{}
		for _, f := range run.Findings {
			if f.Suppressed == nil {
				counts[f.Severity]++
			}
		}
		var parts []string
		for _, s := range escarp.Severities {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
		line := fmt.Sprintf("  %-6s %3d findings (%s)", run.Engine, len(run.Findings), strings.Join(parts, ", "))
		if run.Score != nil {
			line += fmt.Sprintf(", score %d/100", run.Score.Overall)
		}
		if n := run.Stats["requests"]; n > 0 {
			line += fmt.Sprintf(", %d requests", n)
		}
		fmt.Fprintln(w, line)
	}
	var scanFindings []escarp.Finding
	for _, run := range rep.Runs {
		if run.Engine == escarp.EngineScan {
			scanFindings = run.Findings
		}
	}
	flaws := lab.Flaws()
	var missed []string
	for _, f := range flaws {
		if !f.FoundIn(scanFindings) {
			missed = append(missed, f.ID)
		}
	}
	sort.Strings(missed)
	fmt.Fprintf(w, "  lab    %d of %d planted flaws found by the scan", len(flaws)-len(missed), len(flaws))
	if len(missed) > 0 {
		fmt.Fprintf(w, " (missed: %s)", strings.Join(missed, ", "))
	}
	fmt.Fprintln(w)
	for _, run := range rep.Runs {
		if run.Engine != escarp.EngineCode {
			continue
		}
		missed := missedSourceFlaws(run)
		fmt.Fprintf(w, "  source %d of %d planted flaws found in the lab's source excerpt", len(lab.SourceFlaws)-len(missed), len(lab.SourceFlaws))
		if len(missed) > 0 {
			fmt.Fprintf(w, " (missed: %s)", strings.Join(missed, ", "))
		}
		fmt.Fprintln(w)
	}
	switch {
	case derr != nil && !errors.Is(derr, probe.ErrBudget):
		fmt.Fprintf(w, "  discover failed: %v\n", derr)
	case disc != nil:
		var undoc []string
		for _, r := range disc.Routes {
			if !r.Documented && r.Reason != "spec" {
				undoc = append(undoc, r.Method+" "+r.Path)
			}
		}
		fmt.Fprintf(w, "  discover %d API description(s), %d undocumented route(s): %s\n", len(disc.Specs), len(undoc), strings.Join(undoc, ", "))
	}
	fmt.Fprintf(w, "\nReports in %s:\n", dir)
	for _, f := range []string{"escarp.html", "escarp.sarif", "escarp.json", "escarp.md", "escarp-junit.xml", "quayside-openapi.yaml"} {
		fmt.Fprintf(w, "  %s\n", filepath.Join(dir, f))
	}
	if stored != "" {
		fmt.Fprintf(w, "\nRuns %s; see `escarp inventory list` for the lab's endpoints.\n", stored)
	}
	fmt.Fprintf(w, "Open %s in a browser, or run `escarp lab` and explore the lessons at its landing page.\n",
		filepath.Join(dir, "escarp.html"))
	_ = report.FormatHTML
}
