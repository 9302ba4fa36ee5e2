package threat

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/escarp/escarp"
)

// evidence indexes what other engines saw: findings by operation, and the
// rules each engine ran.
type evidence struct {
	byOp map[string][]escarp.Finding
	// ran maps a rule id to the engine and target of a run that ran it.
	ran map[string]string
	// codeAuth maps "METHOD /path" to the auth middleware code routes
	// declare for it.
	codeAuth map[string][]string
}

func newEvidence(runs []*escarp.Run, eps []*escarp.Endpoint) *evidence {
	ev := &evidence{byOp: map[string][]escarp.Finding{}, ran: map[string]string{}, codeAuth: map[string][]string{}}
	for _, run := range runs {
		if run == nil || run.Engine == escarp.EngineThreat {
			continue
		}
		where := run.Engine
		if run.Target != "" {
			where += " of " + run.Target
		}
		for _, r := range run.Rules {
			if _, ok := ev.ran[r.ID]; !ok {
				ev.ran[r.ID] = where
			}
		}
		for _, f := range run.Findings {
			if f.Suppressed != nil || f.Kind == escarp.KindThreat {
				continue
			}
			if op := f.Location.Operation(); op != "" {
				key := strings.ToUpper(f.Location.Method) + " " + f.Location.Path
				ev.byOp[key] = append(ev.byOp[key], f)
			}
		}
	}
	for _, ep := range eps {
		if slices.Contains(ep.Sources, escarp.SourceCode) && len(ep.Auth) > 0 {
			ev.codeAuth[ep.Method+" "+ep.Template] = ep.Auth
		}
	}
	return ev
}

// matches reports whether rule id is evidence for class c.
func (c *Class) matches(ruleID string) bool {
	for _, e := range c.Evidence {
		if ruleID == e || strings.HasSuffix(e, "-") && strings.HasPrefix(ruleID, e) {
			return true
		}
	}
	return false
}

// threatsOf derives the threats of one operation and weighs the evidence.
func (b *builder) threatsOf(e *opEntry, ev *evidence) {
	s := e.surface
	key := s.Key()
	findings := ev.byOp[key]
	used := make([]bool, len(findings))
	for _, c := range Classes {
		l, i, why, ok := c.Applies(s)
		if !ok {
			continue
		}
		t := b.newThreat(c, key, e.op, l, i, why)
		b.weigh(t, c, key, findings, used, ev)
		e.threats = append(e.threats, t)
	}
	// Confirmed findings no derived threat explains still prove a threat:
	// the class whose evidence names the rule, else the first of its OWASP
	// category.
	for j, f := range findings {
		if used[j] || f.Severity < escarp.SeverityMedium {
			continue
		}
		c := classFor(f)
		if c == nil {
			continue
		}
		var t *escarp.Threat
		for _, x := range e.threats {
			if x.RuleID == c.ID {
				t = x
			}
		}
		if t == nil {
			t = b.newThreat(c, key, e.op, 1, severityImpact(f.Severity), "a test proved it although the description does not suggest it")
			e.threats = append(e.threats, t)
		}
		confirm(t, f)
		used[j] = true
	}
	for _, t := range e.threats {
		finish(t)
	}
	slices.SortStableFunc(e.threats, compareThreats)
}

func classFor(f escarp.Finding) *Class {
	for _, c := range Classes {
		if c.matches(f.RuleID) {
			return c
		}
	}
	return classByID(owaspDefault[f.OWASP])
}

// owaspDefault is the class a finding of an OWASP category proves when
// no class names its rule.
var owaspDefault = map[string]string{
	"API1:2023": "ESC-THREAT-E-001", "API2:2023": "ESC-THREAT-S-004", "API3:2023": "ESC-THREAT-I-004",
	"API4:2023": "ESC-THREAT-D-001", "API5:2023": "ESC-THREAT-E-002", "API6:2023": "ESC-THREAT-E-004",
	"API7:2023": "ESC-THREAT-I-001", "API8:2023": "ESC-THREAT-I-008", "API9:2023": "ESC-THREAT-I-006",
	"API10:2023": "ESC-THREAT-T-005",
}

func (b *builder) newThreat(c *Class, element string, op *escarp.Operation, l, i int, why string) *escarp.Threat {
	t := &escarp.Threat{ID: c.ID + "@" + element, RuleID: c.ID, Title: c.Title, STRIDE: c.STRIDE, Element: element,
		OWASP: c.OWASP, CWE: c.CWE, Why: why, Likelihood: l, Impact: i, CurrentLikelihood: l, Status: "open"}
	if op != nil {
		t.Method, t.Path = op.Method, op.Path
	}
	t.Mitigations = []escarp.Mitigation{{Control: c.Control, Status: "unknown"}}
	return t
}

// elementThreat is a threat on an asset or flow rather than an operation.
func (b *builder) elementThreat(id, element string, op *escarp.Operation, l, i int, why string) *escarp.Threat {
	t := b.newThreat(classByID(id), element, op, l, i, why)
	if op != nil {
		t.ID = id + "@" + element
	}
	return t
}

// weigh applies the evidence on key to t: findings of the class confirm
// it; a run that ran the class's rules and found nothing here verifies the
// mitigation; auth middleware in code routes verifies authentication.
func (b *builder) weigh(t *escarp.Threat, c *Class, key string, findings []escarp.Finding, used []bool, ev *evidence) {
	for j, f := range findings {
		if c.matches(f.RuleID) {
			confirm(t, f)
			used[j] = true
		}
	}
	if len(t.Confirmed) > 0 {
		return
	}
	for _, e := range c.Evidence {
		for id, where := range ev.ran {
			if id == e || strings.HasSuffix(e, "-") && strings.HasPrefix(id, e) {
				t.Mitigations[0] = escarp.Mitigation{Control: c.Control, Status: "verified",
					Evidence: fmt.Sprintf("%s ran in the %s and found nothing on %s", id, where, key)}
				t.CurrentLikelihood = max(1, t.Likelihood-2)
				t.Status = "mitigated"
				return
			}
		}
	}
	if c.ID == "ESC-THREAT-S-001" {
		if mw := ev.codeAuth[key]; len(mw) > 0 {
			t.Mitigations[0] = escarp.Mitigation{Control: c.Control, Status: "verified",
				Evidence: "code routes put " + strings.Join(mw, ", ") + " in front of " + key}
			t.CurrentLikelihood = 1
			t.Status = "mitigated"
		}
	}
}

// confirm records a finding that proves t: likelihood becomes certain
// (the top of the scale) and the impact at least what the finding's
// severity says.
func confirm(t *escarp.Threat, f escarp.Finding) {
	if f.Kind == escarp.KindAudit {
		// A flaw in the description makes the threat likelier; only a
		// test of the running API (or its code) proves it.
		t.CurrentLikelihood = max(t.CurrentLikelihood, min(t.Likelihood+1, 3))
		t.Mitigations = append(t.Mitigations, escarp.Mitigation{Control: "the description", Status: "failed",
			Evidence: fmt.Sprintf("%s (%s) found it in the description", f.RuleID, f.Severity)})
		return
	}
	if !slices.Contains(t.Confirmed, f.RuleID) {
		t.Confirmed = append(t.Confirmed, f.RuleID)
		slices.Sort(t.Confirmed)
	}
	sev := f.Severity
	if t.ConfirmedSeverity == nil || sev > *t.ConfirmedSeverity {
		t.ConfirmedSeverity = &sev
	}
	t.CurrentLikelihood = 4
	t.Impact = max(t.Impact, severityImpact(sev))
	t.Status = "confirmed"
	t.Mitigations[0] = escarp.Mitigation{Control: t.Mitigations[0].Control, Status: "failed",
		Evidence: fmt.Sprintf("%s (%s) found it on %s", f.RuleID, f.Severity, t.Element)}
}

// finish computes the scores of t.
func finish(t *escarp.Threat) {
	t.Inherent = Score(t.Likelihood, t.Impact)
	t.Current = Score(t.CurrentLikelihood, t.Impact)
	t.Projected = t.Current
	t.Band = Band(t.CurrentLikelihood * t.Impact)
}

// applyTracking lowers the projected risk of a tracked threat: in
// progress or mitigated (outside what escarp sees) to unlikely, a false
// positive to nothing; an accepted risk stays as it is.
func applyTracking(t *escarp.Threat) {
	switch t.Tracking.State {
	case "in-progress", "mitigated":
		t.Projected = Score(1, t.Impact)
		t.Mitigations = append(t.Mitigations, escarp.Mitigation{Control: "tracked: " + t.Tracking.State, Status: "planned", Evidence: t.Tracking.Ticket})
	case "false-positive":
		t.Projected = 0
	}
	if t.Status != "confirmed" {
		t.Status = "tracked"
	}
}

func compareThreats(a, b *escarp.Threat) int {
	return cmp.Or(cmp.Compare(b.Current, a.Current), cmp.Compare(confirmedSev(b), confirmedSev(a)),
		cmp.Compare(b.Inherent, a.Inherent), cmp.Compare(a.RuleID, b.RuleID))
}

func confirmedSev(t *escarp.Threat) int {
	if t.ConfirmedSeverity == nil {
		return -1
	}
	return int(*t.ConfirmedSeverity)
}

// elementThreats finishes the threats on assets and flows.
func (b *builder) elementThreats(ev *evidence) {
	for _, t := range b.element {
		if t.Method != "" {
			c := classByID(t.RuleID)
			key := t.Method + " " + t.Path
			fs := ev.byOp[key]
			b.weigh(t, c, key, fs, make([]bool, len(fs)), ev)
		}
		finish(t)
	}
}

// allThreats lists every threat: operations in model order, then the
// element threats, each list most risky first.
func (b *builder) allThreats() []*escarp.Threat {
	var out []*escarp.Threat
	seen := map[string]bool{}
	for _, key := range b.order {
		for _, t := range b.ops[key].threats {
			if !seen[t.ID] {
				seen[t.ID] = true
				out = append(out, t)
			}
		}
	}
	el := slices.Clone(b.element)
	slices.SortStableFunc(el, compareThreats)
	for _, t := range el {
		if !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	return out
}

// finding turns a threat into a finding of kind threat. Its fingerprint
// is the threat instance key: class and element.
func (b *builder) finding(t *escarp.Threat) escarp.Finding {
	f := escarp.Finding{RuleID: t.RuleID, Title: t.Title, Kind: escarp.KindThreat, Severity: Severity(t.Band),
		Confidence: escarp.ConfidenceMedium, OWASP: t.OWASP, CWE: t.CWE,
		Message:     fmt.Sprintf("%s: %s (likelihood %s × impact %s, risk %d, %s)", t.Title, t.Why, likelihoodName(t.CurrentLikelihood), impactName(t.Impact), t.Current, t.Band),
		Remediation: classByID(t.RuleID).Remediation,
		Properties: map[string]string{"stride": t.STRIDE, "instance": t.ID, "status": t.Status,
			"likelihood": strconv.Itoa(t.CurrentLikelihood), "impact": strconv.Itoa(t.Impact),
			"inherent": strconv.Itoa(t.Inherent), "current": strconv.Itoa(t.Current), "projected": strconv.Itoa(t.Projected)},
	}
	if len(t.Confirmed) > 0 {
		f.Confidence = escarp.ConfidenceCertain
		f.Properties["confirmedBy"] = strings.Join(t.Confirmed, ",")
	}
	if t.Method != "" {
		f.Location = escarp.Location{Method: t.Method, Path: t.Path}
		if e := b.ops[t.Method+" "+t.Path]; e != nil && e.op != nil {
			f.Location = f.Location.At(e.op.Pos)
			f.Location.Method, f.Location.Path = t.Method, t.Path
		}
		if t.Element != t.Method+" "+t.Path {
			f.Location.Param = "element:" + t.Element
		}
	} else {
		f.Location = escarp.Location{Param: "element:" + t.Element}
	}
	f.Fingerprint = ""
	f.SetFingerprint()
	return f
}

var likelihoodNames = []string{"", "unlikely", "likely", "very likely", "frequent"}
var impactNames = []string{"", "low", "medium", "high", "very high"}

func likelihoodName(l int) string { return likelihoodNames[min(max(l, 0), 4)] }
func impactName(i int) string     { return impactNames[min(max(i, 0), 4)] }

// rank orders operations by current risk, then by the most severe
// confirmed finding, then by the sum of their threats' current risk, then
// inherent risk, then name.
func (b *builder) rank() []escarp.RankedOperation {
	type row struct {
		r   escarp.RankedOperation
		sev int
		sum int
	}
	var rows []row
	for _, key := range b.order {
		e := b.ops[key]
		if len(e.threats) == 0 {
			continue
		}
		ro := escarp.RankedOperation{Method: e.surface.Method, Path: e.surface.Path, Service: e.service}
		sev, sum := -1, 0
		for _, t := range e.threats {
			ro.Risk = max(ro.Risk, t.Current)
			ro.Inherent = max(ro.Inherent, t.Inherent)
			ro.Projected = max(ro.Projected, t.Projected)
			sev = max(sev, confirmedSev(t))
			sum += t.Current
			ro.Threats = append(ro.Threats, t.ID)
		}
		ro.Current = ro.Risk
		ro.Band = BandOfScore(ro.Risk)
		ro.Why = why(e)
		rows = append(rows, row{ro, sev, sum})
	}
	slices.SortStableFunc(rows, func(x, y row) int {
		return cmp.Or(cmp.Compare(y.r.Risk, x.r.Risk), cmp.Compare(y.sev, x.sev), cmp.Compare(y.sum, x.sum),
			cmp.Compare(y.r.Inherent, x.r.Inherent), cmp.Compare(x.r.Path, y.r.Path), cmp.Compare(x.r.Method, y.r.Method))
	})
	out := make([]escarp.RankedOperation, len(rows))
	for i, r := range rows {
		out[i] = r.r
	}
	return out
}

// why is the one sentence of a ranking line.
func why(e *opEntry) string {
	t := e.threats[0]
	var s string
	if len(t.Confirmed) > 0 {
		s = fmt.Sprintf("Confirmed %s by %s: %s", lowerFirst(t.Title), strings.Join(t.Confirmed, ", "), t.Why)
	} else {
		s = fmt.Sprintf("%s is %s: %s", t.Title, likelihoodName(t.CurrentLikelihood), t.Why)
	}
	if n := len(e.threats) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more threat", n)
		if n > 1 {
			s += "s"
		}
		s += ")"
	}
	return s + "."
}

// lowerFirst lower-cases the first letter of a title unless it starts an
// acronym ("SQL", "OS").
func lowerFirst(s string) string {
	if len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
