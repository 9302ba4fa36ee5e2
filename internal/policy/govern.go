package policy

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/gate"
)

// Stage is the suppressions-file stage of policy waivers.
const Stage = escarp.EnginePolicy

// Overdue is one item `escarp policy review` reports: a policy (package
// or rule) past its review date, or a waiver past its expiry.
type Overdue struct {
	// Kind is "policy" or "waiver".
	Kind string `json:"kind"`
	// What names it: a rule id, a package, or the waiver's match.
	What  string `json:"what"`
	Owner string `json:"owner,omitempty"`
	// Date is the review date or the expiry, YYYY-MM-DD.
	Date string          `json:"date"`
	Pos  escarp.Position `json:"pos"`
}

// String is the review line: "file:line: policy X (owner O) was due for review on D".
func (o Overdue) String() string {
	owner := ""
	if o.Owner != "" {
		owner = " (owner " + o.Owner + ")"
	}
	if o.Kind == "waiver" {
		return fmt.Sprintf("%s: waiver %s%s expired on %s", o.Pos, o.What, owner, o.Date)
	}
	return fmt.Sprintf("%s: policy %s%s was due for review on %s", o.Pos, o.What, owner, o.Date)
}

// Review lists the policies of s whose review date is before now, and the
// waivers (stage policy) of sup that have expired on now. A package's date
// covers its rules unless a rule has its own.
func (s *Set) Review(sup *gate.Suppressions, now time.Time) []Overdue {
	today := now.UTC().Format(time.DateOnly)
	var out []Overdue
	for _, p := range s.Packages {
		if p.Review != "" && p.Review < today {
			out = append(out, Overdue{Kind: "policy", What: p.Path, Owner: p.Owner, Date: p.Review, Pos: p.Pos})
		}
	}
	pkgReview := map[string]string{}
	for _, p := range s.Packages {
		pkgReview[p.Path] = p.Review
	}
	for _, r := range s.Rules {
		if r.Review != "" && r.Review != pkgReview[r.Package] && r.Review < today {
			out = append(out, Overdue{Kind: "policy", What: r.ID, Owner: r.Owner, Date: r.Review, Pos: r.Pos})
		}
	}
	if sup != nil {
		for _, e := range sup.Entries {
			if e.Stage == Stage && e.Expired(now) {
				out = append(out, Overdue{Kind: "waiver", What: e.String(), Owner: e.Owner, Date: e.Expires,
					Pos: escarp.Position{File: sup.Path, Line: e.Line}})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// Waive marks the findings that a live waiver of sup matches (stage
// policy, or no stage) as suppressed, and returns how many it marked.
func Waive(findings []escarp.Finding, sup *gate.Suppressions, now time.Time) int {
	if sup == nil {
		return 0
	}
	n := 0
	for i := range findings {
		f := &findings[i]
		for j := range sup.Entries {
			e := &sup.Entries[j]
			if e.Expired(now) || !e.Matches(Stage, f) {
				continue
			}
			f.Suppressed = &escarp.Suppression{Kind: gate.KindFile, Reason: e.Reason, Owner: e.Owner, Expires: e.Expires}
			n++
			break
		}
	}
	return n
}

// Run evaluates s over in and returns the run of the policy engine: every
// rule that ran, the findings with waivers applied, review warnings in the
// notes, and counters.
func (s *Set) Run(ctx context.Context, in *Input, sup *gate.Suppressions) (*escarp.Run, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	run := &escarp.Run{Engine: escarp.EnginePolicy, StartedAt: time.Now().UTC(), Rules: s.Infos()}
	if in.API != nil {
		run.Spec = in.API.Location
	}
	for _, t := range in.TLS {
		if run.Target == "" {
			run.Target = t.Origin
		}
	}
	start := time.Now()
	fs, err := s.Eval(ctx, in)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	waived := Waive(fs, sup, now)
	run.Findings = fs
	run.Notes = append(run.Notes, s.Notes...)
	for _, o := range s.Review(sup, now) {
		run.Notes = append(run.Notes, "review: "+o.String())
	}
	for _, t := range in.TLS {
		for _, e := range t.Errors {
			run.Notes = append(run.Notes, "tls probe "+t.Origin+": "+e)
		}
	}
	run.Stats = map[string]int64{"rules": int64(len(s.Rules)), "findings": int64(len(fs)), "waived": int64(waived),
		"durationMs": elapsed.Milliseconds()}
	if in.API != nil {
		run.Stats["operations"] = int64(len(in.API.Operations))
	}
	run.FinishedAt = time.Now().UTC()
	return run, nil
}
