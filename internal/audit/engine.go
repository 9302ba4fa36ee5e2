package audit

import (
	"context"
	"fmt"
	"runtime/debug"
	"sort"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/escarp/escarp"
)

// Input is what an audit reads: the API, and what the loader knows about
// the document beyond the model.
type Input struct {
	API *escarp.API
	// Spec is the spec as the user named it (Run.Spec); API.Location when
	// empty.
	Spec string
	// Problems are the loader's reports of OpenAPI-schema violations and
	// unresolvable references (ESC-SPEC-001, ESC-SPEC-002).
	Problems []Problem
	// Raw reads the root document beyond the model, or nil.
	Raw Raw
	// Previous is the previous version of the API for ESC-INV-005, or nil.
	Previous *escarp.API
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Run audits api with rules under cfg and returns the run: every rule that
// ran as RuleInfo, the findings (suppressed ones included, marked) and the
// score. The error is of Kind Invalid when cfg does not fit the rules.
func Run(ctx context.Context, api *escarp.API, rules []*Rule, cfg Config) (*escarp.Run, error) {
	return RunInput(ctx, Input{API: api}, rules, cfg)
}

// RunInput is [Run] with loader problems and a previous version.
func RunInput(ctx context.Context, in Input, rules []*Rule, cfg Config) (*escarp.Run, error) {
	if in.API == nil {
		return nil, &escarp.Error{Op: "audit.Run", Kind: escarp.Invalid, Message: "no API to audit"}
	}
	now := in.Now
	if now == nil {
		now = time.Now
	}
	if err := Validate(rules); err != nil {
		return nil, &escarp.Error{Op: "audit.Run", Kind: escarp.Internal, Err: err}
	}
	res, err := cfg.resolve(rules)
	if err != nil {
		return nil, err
	}
	run := &escarp.Run{Engine: escarp.EngineAudit, Spec: in.Spec, StartedAt: now().UTC()}
	if run.Spec == "" {
		run.Spec = in.API.Location
	}
	idx := NewIndex(in.API)

	seen := make(map[string]bool)
	order := make(map[string]int, len(res.enabled))
	for i, r := range res.enabled {
		order[r.ID] = i
		info := r.Info()
		if sev, ok := res.severity[r.ID]; ok {
			info.Severity = sev
		}
		run.Rules = append(run.Rules, info)
	}
	var bar *progressbar.ProgressBar
	if cfg.Bar != nil {
		bar = progressbar.NewOptions(len(res.enabled), progressbar.OptionSetWriter(cfg.Bar),
			progressbar.OptionSetDescription("audit"), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond))
		defer func() { _ = bar.Finish() }()
	}
	for _, r := range res.enabled {
		if bar != nil {
			_ = bar.Add(1)
		}
		if err := ctx.Err(); err != nil {
			return nil, &escarp.Error{Op: "audit.Run", Kind: escarp.Unavailable, Message: "audit interrupted", Err: err}
		}
		r := r
		pass := &Pass{API: in.API, Rule: r, Index: idx, Problems: in.Problems, Previous: in.Previous, Raw: in.Raw}
		pass.Report = func(f escarp.Finding) {
			f.RuleID, f.Title, f.Kind = r.ID, r.Title, escarp.KindAudit
			f.Location = exact(in, f.Location)
			if sev, ok := res.severity[r.ID]; ok {
				f.Severity = sev
			}
			if f.OWASP == "" {
				f.OWASP = r.OWASP
			}
			if f.CWE == nil {
				f.CWE = r.CWE
			}
			f.Confidence = escarp.ConfidenceHigh
			if r.Heuristic {
				f.Confidence = escarp.ConfidenceMedium
			}
			if f.Remediation == "" {
				f.Remediation = r.Remediation()
			}
			f.Fingerprint = ""
			f.SetFingerprint()
			if seen[f.Fingerprint] {
				return // the same element reached twice (a shared parameter)
			}
			seen[f.Fingerprint] = true
			run.Findings = append(run.Findings, f)
		}
		if err := runRule(r, pass); err != nil {
			run.Notes = append(run.Notes, fmt.Sprintf("rule %s could not run: %v", r.ID, err))
		}
	}

	inl, notes := inlineSuppressions(in.API, idx, in.Raw, rules)
	run.Notes = append(run.Notes, notes...)
	today := now().UTC().Format("2006-01-02")
	for _, ig := range res.ignore {
		if ig.Expires != "" && ig.Expires < today {
			run.Notes = append(run.Notes, fmt.Sprintf("the audit.ignore entry for %s at %q expired on %s", ig.Rule, ig.Pointer, ig.Expires))
		}
	}
	suppress(run.Findings, inl, res.ignore, today)

	sort.SliceStable(run.Findings, func(i, j int) bool {
		a, b := &run.Findings[i], &run.Findings[j]
		if order[a.RuleID] != order[b.RuleID] {
			return order[a.RuleID] < order[b.RuleID]
		}
		if a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		if a.Location.Line != b.Location.Line {
			return a.Location.Line < b.Location.Line
		}
		if a.Location.Column != b.Location.Column {
			return a.Location.Column < b.Location.Column
		}
		return a.Location.Pointer < b.Location.Pointer
	})
	if run.Findings == nil {
		run.Findings = []escarp.Finding{}
	}
	run.Score = Score(run.Findings, res.enabled)
	suppressed := 0
	for i := range run.Findings {
		if run.Findings[i].Suppressed != nil {
			suppressed++
		}
	}
	run.Stats = map[string]int64{
		"operations": int64(len(in.API.Operations)),
		"schemas":    int64(len(idx.Schemas)),
		"rules":      int64(len(res.enabled)),
		"findings":   int64(len(run.Findings)),
		"suppressed": int64(suppressed),
	}
	run.FinishedAt = now().UTC()
	return run, nil
}

// runRule runs one rule, turning a panic into an error so that one broken
// rule cannot take the audit down; the note names the rule.
func runRule(r *Rule, p *Pass) (err error) {
	defer func() {
		if v := recover(); v != nil {
			st := debug.Stack()
			if len(st) > 2000 {
				st = st[:2000]
			}
			err = fmt.Errorf("panic: %v\n%s", v, st)
		}
	}()
	return r.Run(p)
}

// exact moves a location in the root document to the exact position of
// its JSON pointer, when the raw document resolves it: rules may locate a
// finding at its parent element (an operation for its responses object).
func exact(in Input, l escarp.Location) escarp.Location {
	if in.Raw == nil || l.Pointer == "" || (l.File != "" && l.File != in.API.Location) {
		return l
	}
	if pos, ok := in.Raw.Pos(l.Pointer); ok && pos.Line > 0 {
		return l.At(pos)
	}
	return l
}
