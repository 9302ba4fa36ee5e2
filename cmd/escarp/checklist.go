package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/learn"
	"github.com/escarp/escarp/internal/report"
)

// checklistEngines are the engines whose latest recorded run the checklist
// reads from the store.
var checklistEngines = []string{escarp.EngineAudit, escarp.EngineScan, escarp.EngineCode, escarp.EnginePolicy, escarp.EngineMonitor}

// checklistCmd is `escarp checklist`: the API Security Checklist assessed
// from what escarp found.
func (a *app) checklistCmd() *cobra.Command {
	var (
		specFlag string
		findings []string
		outputs  []string
		format   string
		noStore  bool
	)
	cmd := &cobra.Command{
		Use:   "checklist [--spec FILE] [--findings RUN.json ...]",
		Short: "Assess the API Security Checklist: every item pass, fail or unknown, with its evidence",
		Long: `checklist marks every item of the API Security Checklist
(shieldfy/API-Security-Checklist, restated in escarp's words and citing each
original item) pass, fail or unknown, with the evidence that decided it:

  fail     a rule that decides the item has a finding (named, with where)
  pass     such a rule ran and found nothing
  unknown  nothing that ran decides it (it says which command would), or
           escarp cannot see it at all (it says why: processes, infrastructure)

Evidence comes from --spec (audited now), --findings (saved JSON reports of
audit, scan, code, policy or monitor runs) and the latest recorded run of
each engine in the store (unless --no-store).`,
		Example: `  escarp checklist --spec openapi.yaml --findings scan.json -o checklist.md
  escarp checklist --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var runs []*escarp.Run
			if specFlag != "" {
				run, err := a.auditForChecklist(cmd, specFlag)
				if err != nil {
					return err
				}
				runs = append(runs, run)
			}
			for _, path := range findings {
				rep, err := readReportFile(a.resolvePath(path, a.wd))
				if err != nil {
					return err
				}
				runs = append(runs, rep.Runs...)
			}
			if !noStore {
				stored, err := a.storedRuns(cmd, runs)
				if err != nil {
					return err
				}
				runs = append(runs, stored...)
			}
			started := time.Now().UTC()
			as := learn.Assess(runs)
			rep := &escarp.Report{StartedAt: started, FinishedAt: time.Now().UTC()}
			for _, it := range as.Items {
				rep.Items = append(rep.Items, escarp.ChecklistItem{ID: it.ID, Title: it.Title, Section: it.Section,
					Number: it.Number, Status: it.Status, Evidence: it.Evidence})
			}
			fmt.Fprintf(a.stderr, "checklist: %d pass, %d fail, %d unknown of %d items; escarp can decide %d (%d%%), these runs decided %d (%s)\n",
				as.Counts[learn.StatusPass], as.Counts[learn.StatusFail], as.Counts[learn.StatusUnknown], len(as.Items),
				as.Decidable, 100*as.Decidable/len(as.Items), as.Decided, sourcesLine(as.Sources))
			if !noStore {
				run := &escarp.Run{Engine: "checklist", StartedAt: started, FinishedAt: rep.FinishedAt,
					Stats: map[string]int64{"pass": int64(as.Counts[learn.StatusPass]), "fail": int64(as.Counts[learn.StatusFail]),
						"unknown": int64(as.Counts[learn.StatusUnknown])}}
				if err := a.recordRuns(cmd, run); err != nil {
					return err
				}
			}
			return a.emit(rep, format, outputs)
		},
	}
	f := cmd.Flags()
	f.StringVar(&specFlag, "spec", "", "API description to audit for the checklist")
	f.StringArrayVar(&findings, "findings", nil, "a saved JSON report (audit, scan, code, policy, monitor); may repeat")
	f.StringArrayVarP(&outputs, "output", "o", nil, "write the checklist to PATH (.md, .html, .json, .txt); may repeat")
	f.StringVar(&format, "format", "", "stdout format: text (default), json, markdown or html")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	f.BoolVar(&noStore, "no-store", false, "neither read recorded runs nor record this one")
	return cmd
}

func sourcesLine(s []string) string {
	if len(s) == 0 {
		return "no runs: give --spec or --findings"
	}
	return "from " + strings.Join(s, ", ")
}

// auditForChecklist audits spec with `escarp audit` itself and returns its
// run.
func (a *app) auditForChecklist(cmd *cobra.Command, spec string) (*escarp.Run, error) {
	dir, err := os.MkdirTemp("", "escarp-checklist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "audit.json")
	var stderr bytes.Buffer
	sub := &app{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr, getenv: a.getenv, wd: a.wd, configPath: a.configPath}
	if err := sub.run(cmd.Context(), []string{"audit", spec, "--no-store", "-o", out}); err != nil && escarp.KindOf(err) != escarp.Threshold {
		return nil, err
	}
	rep, err := readReportFile(out)
	if err != nil {
		return nil, err
	}
	if len(rep.Runs) == 0 {
		return nil, &escarp.Error{Op: "checklist", Kind: escarp.Internal, Message: "the audit wrote no run"}
	}
	return rep.Runs[0], nil
}

func readReportFile(path string) (*escarp.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &escarp.Error{Op: "checklist", Kind: escarp.Invalid, Message: "read " + path, Err: err}
	}
	defer f.Close()
	rep, err := report.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// storedRuns returns the latest recorded run of each engine that the given
// runs do not already cover. A store that does not exist yet holds none.
func (a *app) storedRuns(cmd *cobra.Command, have []*escarp.Run) ([]*escarp.Run, error) {
	covered := map[string]bool{}
	for _, r := range have {
		covered[r.Engine] = true
	}
	st, err := a.openStore(cmd)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []*escarp.Run
	for _, e := range checklistEngines {
		if covered[e] {
			continue
		}
		scans, _, err := st.FindScans(cmd.Context(), escarp.ScanFilter{Engine: e, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(scans) == 0 {
			continue
		}
		fs, _, err := st.FindFindings(cmd.Context(), escarp.FindingFilter{ScanID: scans[0].ID, Limit: 25000})
		if err != nil {
			return nil, err
		}
		out = append(out, &escarp.Run{Engine: e, Target: scans[0].Target, Spec: scans[0].Spec,
			StartedAt: scans[0].StartedAt, FinishedAt: scans[0].FinishedAt, Findings: fs})
	}
	return out, nil
}
