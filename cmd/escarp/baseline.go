package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/gate"
	"github.com/escarp/escarp/internal/report"
)

// baselineCmd is `escarp baseline`: record the accepted findings that
// escarp ci compares against.
func (a *app) baselineCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Record the findings escarp ci accepts (the baseline)",
		Long: `The baseline (.escarp/baseline.json next to the config, committed with the
code) holds the fingerprints of accepted findings, per stage. escarp ci fails
only on findings that are not in it, and reports those it no longer finds
as fixed. Fingerprints never include ids, timestamps, ports or tokens, so
the baseline survives a restarted target, a new port or reordered output.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	create := &cobra.Command{
		Use:   "create [REPORT.json...]",
		Short: "Record the findings of JSON reports, or of a run of the configured stages",
		Long: `create records the findings of the given JSON reports (as written by -o
escarp.json), or, with no argument, runs the configured stages as escarp ci
would and records theirs. Only the stages present are replaced: a stage
that did not run keeps its entries. Findings suppressed in the spec or in
the suppressions file are not recorded, so that an expiring suppression
is not silently turned into a permanent acceptance.

Exit codes: 0 recorded; 2 bad input; 3 a stage could not complete.`,
		RunE: func(cmd *cobra.Command, args []string) error { return a.runBaselineCreate(cmd, args) },
	}
	addStageFlags(create.Flags())
	create.Flags().String("today", "", "judge suppression expiry dates as of this `DATE` (YYYY-MM-DD)")
	_ = create.Flags().MarkHidden("today")
	cmd.AddCommand(create)
	return cmd
}

func (a *app) runBaselineCreate(cmd *cobra.Command, args []string) error {
	var runs []*escarp.Run
	var p *ciPlan
	var err error
	if len(args) == 0 {
		if p, err = a.planCI(cmd); err != nil {
			return err
		}
		if runs, err = a.runStages(cmd, p); err != nil {
			return err
		}
	} else {
		if p, err = a.planBaselineOnly(cmd); err != nil {
			return err
		}
		for _, arg := range args {
			path := a.resolvePath(arg, a.wd)
			f, err := os.Open(path)
			if err != nil {
				return &escarp.Error{Op: "baseline", Kind: escarp.Invalid, Pos: escarp.Position{File: path}, Message: "reading the report", Err: err}
			}
			rep, err := report.Read(f)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			runs = append(runs, rep.Runs...)
		}
	}
	now, err := a.today(cmd)
	if err != nil {
		return err
	}
	base, _, err := gate.LoadBaseline(p.baselinePath)
	if err != nil {
		return err
	}
	if base == nil {
		base = gate.NewBaseline()
	}
	// Mark suppressions (not the old baseline) so that Record leaves
	// suppressed findings out.
	gate.Decide(runs, &p.gate, nil, p.sup, now)
	// Several reports may hold the same stage: merge them first.
	merged := map[string]*escarp.Run{}
	var order []string
	for _, run := range runs {
		m, ok := merged[run.Engine]
		if !ok {
			m = &escarp.Run{Engine: run.Engine}
			merged[run.Engine] = m
			order = append(order, run.Engine)
		}
		m.Findings = append(m.Findings, run.Findings...)
	}
	slices.Sort(order)
	for _, st := range order {
		base.Record(merged[st])
		fmt.Fprintf(a.stdout, "baseline: %s: %d finding(s) accepted\n", st, len(base.Stages[st]))
	}
	if err := base.Save(p.baselinePath); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "baseline written to %s (commit it)\n", a.rel(p.baselinePath))
	return nil
}

// planBaselineOnly resolves the baseline and suppressions files without
// requiring a spec or target (for reports given as arguments).
func (a *app) planBaselineOnly(cmd *cobra.Command) (*ciPlan, error) {
	if err := cmd.Flags().Set("stages", "audit"); err != nil {
		return nil, err
	}
	if err := cmd.Flags().Set("spec", "-"); err != nil {
		return nil, err
	}
	return a.planCI(cmd)
}
