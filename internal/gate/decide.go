package gate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// StageResult is the gate's view of one stage.
type StageResult struct {
	Stage string
	Run   *escarp.Run
	// Limits are the thresholds applied.
	Limits Limits
	// New are the unsuppressed findings not in the baseline.
	New []escarp.Finding
	// Failing are the new findings at or above the fail-on severity.
	Failing []escarp.Finding
	// Fixed are baseline entries the stage no longer finds.
	Fixed []Entry
	// Baselined and Suppressed count findings accepted by the baseline
	// and by the suppressions file (or inline in the spec).
	Baselined, Suppressed int
	// Reasons say why the stage failed; empty when it passed.
	Reasons []string
}

// Passed reports whether the stage passed.
func (s *StageResult) Passed() bool { return len(s.Reasons) == 0 }

// Decision is the gate's verdict over every stage that ran.
type Decision struct {
	Stages []*StageResult
	// Expired are suppressions whose expiry date has passed: they no
	// longer suppress anything.
	Expired []Suppression
	// Unused are live suppressions that matched no finding in a stage
	// that ran.
	Unused []Suppression
	// HasBaseline says whether a baseline was given; without one every
	// finding is new.
	HasBaseline bool
}

// Passed reports whether every stage passed.
func (d *Decision) Passed() bool {
	for _, s := range d.Stages {
		if !s.Passed() {
			return false
		}
	}
	return true
}

// Decide applies the suppressions and the baseline to the findings of
// every run (marking them in place with [escarp.Finding.Suppressed]) and
// checks each stage's limits. Suppressions are judged on the day now;
// base and sup may be nil.
func Decide(runs []*escarp.Run, cfg *Config, base *Baseline, sup *Suppressions, now time.Time) *Decision {
	if cfg == nil {
		cfg = &Config{}
	}
	d := &Decision{HasBaseline: base != nil}
	used := map[int]bool{}
	if sup != nil {
		for _, e := range sup.Entries {
			if e.Expired(now) {
				d.Expired = append(d.Expired, e)
			}
		}
	}
	for _, run := range runs {
		if run == nil {
			continue
		}
		stage := stageOf(run)
		sr := &StageResult{Stage: stage, Run: run, Limits: cfg.For(stage)}
		seen := map[string]bool{}
		for i := range run.Findings {
			f := &run.Findings[i]
			fp := f.SetFingerprint()
			seen[fp] = true
			if f.Suppressed != nil && f.Suppressed.Kind != KindFile && f.Suppressed.Kind != KindBaseline {
				sr.Suppressed++ // inline, in the spec
				continue
			}
			f.Suppressed = nil
			if sup != nil {
				for j := range sup.Entries {
					e := &sup.Entries[j]
					if e.Expired(now) || !e.Matches(stage, f) {
						continue
					}
					used[j] = true
					f.Suppressed = &escarp.Suppression{Kind: KindFile, Reason: e.Reason, Owner: e.Owner, Expires: e.Expires}
					break
				}
			}
			if f.Suppressed != nil {
				sr.Suppressed++
				continue
			}
			if base.Contains(stage, fp) {
				f.Suppressed = &escarp.Suppression{Kind: KindBaseline, Reason: "accepted in the baseline"}
				sr.Baselined++
				continue
			}
			sr.New = append(sr.New, *f)
			if f.Severity >= sr.Limits.FailOn {
				sr.Failing = append(sr.Failing, *f)
			}
		}
		if base != nil {
			for _, e := range base.Stages[stage] {
				if !seen[e.Fingerprint] {
					sr.Fixed = append(sr.Fixed, e)
				}
			}
		}
		sortFindings(sr.New)
		sortFindings(sr.Failing)
		if n := len(sr.Failing); n > 0 {
			sr.Reasons = append(sr.Reasons, fmt.Sprintf("%d new finding(s) at or above %s", n, sr.Limits.FailOn))
		}
		if sr.Limits.MaxNew >= 0 && len(sr.New) > sr.Limits.MaxNew {
			sr.Reasons = append(sr.Reasons, fmt.Sprintf("%d new finding(s), more than max_new %d", len(sr.New), sr.Limits.MaxNew))
		}
		if sr.Limits.MinScore >= 0 && run.Score != nil && run.Score.Overall < sr.Limits.MinScore {
			sr.Reasons = append(sr.Reasons, fmt.Sprintf("score %d is below min_score %d", run.Score.Overall, sr.Limits.MinScore))
		}
		d.Stages = append(d.Stages, sr)
	}
	if sup != nil {
		ran := map[string]bool{}
		for _, s := range d.Stages {
			ran[s.Stage] = true
		}
		for j, e := range sup.Entries {
			if used[j] || e.Expired(now) {
				continue
			}
			if e.Stage == "" || ran[e.Stage] {
				d.Unused = append(d.Unused, e)
			}
		}
	}
	return d
}

// maxNamed bounds how many findings the error message names.
const maxNamed = 10

// Err returns nil when the gate passed, else an *escarp.Error of kind
// Threshold whose message names the new findings that failed it.
func (d *Decision) Err() error {
	if d.Passed() {
		return nil
	}
	var parts, named []string
	for _, s := range d.Stages {
		if s.Passed() {
			continue
		}
		parts = append(parts, s.Stage+": "+strings.Join(s.Reasons, "; "))
		list := s.Failing
		if len(list) == 0 {
			list = s.New
		}
		for _, f := range list {
			named = append(named, Describe(&f))
		}
	}
	slices.Sort(named)
	named = slices.Compact(named)
	msg := "gate failed: " + strings.Join(parts, "; ")
	if len(named) > 0 {
		more := ""
		if len(named) > maxNamed {
			more = fmt.Sprintf(" and %d more", len(named)-maxNamed)
			named = named[:maxNamed]
		}
		msg += "; new: " + strings.Join(named, ", ") + more
	}
	return &escarp.Error{Op: "ci", Kind: escarp.Threshold, Message: msg}
}

// Describe names a finding in one line: severity, rule and where.
func Describe(f *escarp.Finding) string {
	s := fmt.Sprintf("%s %s", f.Severity, f.RuleID)
	if w := where(f); w != "" {
		s += " at " + w
	}
	return s
}

// sortFindings orders findings most severe first, then by rule and place.
func sortFindings(fs []escarp.Finding) {
	slices.SortStableFunc(fs, func(a, b escarp.Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(where(&a), where(&b)), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
}
