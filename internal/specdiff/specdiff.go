// Package specdiff compares two versions of an API description as attack
// surface: which operations a change adds, removes or changes, what each
// gains or loses (object ids, URL inputs, anonymous access, admin
// functions, uploads, money-moving writes...), and, through the threat
// engine, which threats and how much risk it adds and removes.
//
// It is the engine behind `escarp threat diff` and the threat stage of
// `escarp ci`, and behind `escarp review`'s sentence on a pull request
// ("this pull request adds two operations that take an object id and one
// URL input"):
//
//	d := specdiff.Compare(prev, cur, specdiff.Options{})
//	d.Summary()          // one sentence for people
//	d.Operations         // per operation: Kind, Before, After, Gained, Lost
//	d.ThreatsAdded       // threat instances new in cur, most risky first
//	d.RiskAdded          // the sum of their current risk
//
// Operations are matched by method and path template, with path parameter
// names ignored ("/users/{id}" and "/users/{userId}" are the same
// operation). The facts come from [threat.SurfaceOf]; threats from
// [threat.Derive] run on both versions with the same evidence, so a
// threat is "added" only when its instance key (class and element) is new.
package specdiff

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/threat"
)

// Kinds of change of an operation.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Change is what happened to one operation.
type Change struct {
	Kind   string `json:"kind"`
	Method string `json:"method"`
	Path   string `json:"path"`
	// Before and After are the surfaces in the previous and current
	// versions; nil when the operation is absent there.
	Before *escarp.Surface `json:"before,omitempty"`
	After  *escarp.Surface `json:"after,omitempty"`
	// Gained and Lost are the attack-surface facts that appeared and
	// disappeared ("object id path:boatId", "anonymous", "URL input body:/url").
	Gained []string `json:"gained,omitempty"`
	Lost   []string `json:"lost,omitempty"`
}

// Key returns "METHOD /path".
func (c *Change) Key() string { return c.Method + " " + c.Path }

// Options carries the evidence both models are derived with.
type Options struct {
	Runs      []*escarp.Run
	Endpoints []*escarp.Endpoint
	Track     func(f *escarp.Finding) *escarp.Tracking
}

// Result is the comparison of two versions.
type Result struct {
	Previous, Current string // where each version came from, for people
	// Operations lists the operations added, removed or changed in their
	// attack surface, by path then method.
	Operations []Change `json:"operations"`
	// ThreatsAdded and ThreatsRemoved are threat instances present in only
	// one version, most risky first.
	ThreatsAdded   []*escarp.Threat `json:"threatsAdded"`
	ThreatsRemoved []*escarp.Threat `json:"threatsRemoved"`
	// RiskAdded and RiskRemoved sum the current risk of those threats.
	RiskAdded   int `json:"riskAdded"`
	RiskRemoved int `json:"riskRemoved"`
	// Before and After are the two derived models.
	Before *threat.Result `json:"-"`
	After  *threat.Result `json:"-"`
}

var reParam = regexp.MustCompile(`\{[^}]*\}`)

// opKey matches operations across versions: path parameter names do not
// matter.
func opKey(method, path string) string {
	return method + " " + reParam.ReplaceAllString(path, "{}")
}

// Compare compares prev with cur. A nil prev means an empty API: every
// operation of cur is added.
func Compare(prev, cur *escarp.API, opts Options) *Result {
	if prev == nil {
		prev = &escarp.API{Title: cur.Title}
	}
	r := &Result{Previous: prev.Location, Current: cur.Location}
	before := map[string]*escarp.Operation{}
	for _, op := range prev.Operations {
		before[opKey(op.Method, op.Path)] = op
	}
	seen := map[string]bool{}
	for _, op := range cur.Operations {
		k := opKey(op.Method, op.Path)
		seen[k] = true
		after := threat.SurfaceOf(cur, op)
		old, ok := before[k]
		if !ok {
			r.Operations = append(r.Operations, Change{Kind: Added, Method: op.Method, Path: op.Path, After: after, Gained: Facts(after)})
			continue
		}
		b := threat.SurfaceOf(prev, old)
		gained, lost := diffFacts(Facts(b), Facts(after))
		if len(gained) > 0 || len(lost) > 0 {
			r.Operations = append(r.Operations, Change{Kind: Changed, Method: op.Method, Path: op.Path, Before: b, After: after, Gained: gained, Lost: lost})
		}
	}
	for _, op := range prev.Operations {
		if k := opKey(op.Method, op.Path); !seen[k] {
			b := threat.SurfaceOf(prev, op)
			r.Operations = append(r.Operations, Change{Kind: Removed, Method: op.Method, Path: op.Path, Before: b, Lost: Facts(b)})
		}
	}
	slices.SortFunc(r.Operations, func(a, b Change) int { return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method)) })

	in := func(api *escarp.API) threat.Input {
		return threat.Input{APIs: []*escarp.API{api}, Runs: opts.Runs, Endpoints: opts.Endpoints, Track: opts.Track}
	}
	r.Before, r.After = threat.Derive(in(prev)), threat.Derive(in(cur))
	old := map[string]bool{}
	for _, t := range r.Before.Model.Threats {
		old[threatKey(t)] = true
	}
	now := map[string]bool{}
	for _, t := range r.After.Model.Threats {
		now[threatKey(t)] = true
		if !old[threatKey(t)] {
			r.ThreatsAdded = append(r.ThreatsAdded, t)
			r.RiskAdded += t.Current
		}
	}
	for _, t := range r.Before.Model.Threats {
		if !now[threatKey(t)] {
			r.ThreatsRemoved = append(r.ThreatsRemoved, t)
			r.RiskRemoved += t.Current
		}
	}
	byRisk := func(a, b *escarp.Threat) int {
		return cmp.Or(cmp.Compare(b.Current, a.Current), cmp.Compare(a.ID, b.ID))
	}
	slices.SortStableFunc(r.ThreatsAdded, byRisk)
	slices.SortStableFunc(r.ThreatsRemoved, byRisk)
	return r
}

// threatKey is a threat's instance key with path parameter names ignored.
func threatKey(t *escarp.Threat) string {
	if t.Method != "" && t.Element == t.Method+" "+t.Path {
		return t.RuleID + "@" + opKey(t.Method, t.Path)
	}
	return t.ID
}

// Added returns the threats of the current model whose instance is new,
// as findings of kind threat: what the ci stage gates on.
func (r *Result) AddedFindings() []escarp.Finding {
	added := map[string]bool{}
	for _, t := range r.ThreatsAdded {
		added[t.ID] = true
	}
	var out []escarp.Finding
	for _, f := range r.After.Run.Findings {
		if added[f.Properties["instance"]] {
			out = append(out, f)
		}
	}
	return out
}

// Facts lists the attack-surface facts of s, each a short phrase.
func Facts(s *escarp.Surface) []string {
	if s == nil {
		return nil
	}
	var out []string
	add := func(cond bool, f string) {
		if cond {
			out = append(out, f)
		}
	}
	add(s.Anonymous, "anonymous")
	add(s.Exposure == "internet", "internet-facing")
	for _, x := range s.ObjectIDs {
		out = append(out, "object id "+x)
	}
	for _, x := range s.URLInputs {
		out = append(out, "URL input "+x)
	}
	for _, x := range s.CommandInputs {
		out = append(out, "host or command input "+x)
	}
	for _, x := range s.FileInputs {
		out = append(out, "file input "+x)
	}
	for _, x := range s.TemplateInputs {
		out = append(out, "template input "+x)
	}
	for _, x := range s.PatternInputs {
		out = append(out, "pattern input "+x)
	}
	for _, x := range s.MassAssignable {
		out = append(out, "mass-assignable "+x)
	}
	add(s.XMLBody, "XML body")
	add(s.Upload, "upload")
	add(s.Admin, "admin function")
	add(s.MoneyMoving, "money-moving")
	add(s.FlowStep, "business flow step")
	add(s.BulkRead, "bulk read")
	add(s.Credentials, "takes credentials")
	add(s.CredentialsInURL, "credentials in URL")
	add(s.Deprecated, "deprecated")
	add(levelRank(s.Confidentiality) >= 3, s.Confidentiality+" data")
	return out
}

func levelRank(l string) int { return max(slices.Index(escarp.ConfidentialityLevels, l), 0) }

func diffFacts(before, after []string) (gained, lost []string) {
	for _, f := range after {
		if !slices.Contains(before, f) {
			gained = append(gained, f)
		}
	}
	for _, f := range before {
		if !slices.Contains(after, f) {
			lost = append(lost, f)
		}
	}
	return gained, lost
}

var numberWords = []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}

func count(n int, one, many string) string {
	w := fmt.Sprint(n)
	if n < len(numberWords) {
		w = numberWords[n]
	}
	if n == 1 {
		return w + " " + one
	}
	return w + " " + many
}

// Summary is one sentence on the change for people: "adds two operations
// that take an object id and one URL input; removes one; adds 4 threats
// (risk +238)".
func (r *Result) Summary() string {
	var added, removed, changed int
	var ids, urls, anon, admin int
	for _, c := range r.Operations {
		switch c.Kind {
		case Added:
			added++
		case Removed:
			removed++
		case Changed:
			changed++
		}
		if c.Kind == Removed {
			continue
		}
		gain := strings.Join(c.Gained, "\n")
		if strings.Contains(gain, "object id ") {
			ids++
		}
		if strings.Contains(gain, "URL input ") {
			urls++
		}
		if slices.Contains(c.Gained, "anonymous") {
			anon++
		}
		if slices.Contains(c.Gained, "admin function") {
			admin++
		}
	}
	var parts []string
	if added > 0 {
		parts = append(parts, "adds "+count(added, "operation", "operations"))
	}
	if changed > 0 {
		parts = append(parts, "changes the attack surface of "+count(changed, "operation", "operations"))
	}
	if removed > 0 {
		parts = append(parts, "removes "+count(removed, "operation", "operations"))
	}
	if len(parts) == 0 {
		return "changes no operation's attack surface"
	}
	s := strings.Join(parts, ", ")
	var what []string
	if ids > 0 {
		what = append(what, count(ids, "that takes an object id", "that take an object id"))
	}
	if urls > 0 {
		what = append(what, count(urls, "URL input", "URL inputs"))
	}
	if anon > 0 {
		what = append(what, count(anon, "anonymous operation", "anonymous operations"))
	}
	if admin > 0 {
		what = append(what, count(admin, "admin function", "admin functions"))
	}
	if len(what) > 0 {
		s += " (" + strings.Join(what, ", ") + ")"
	}
	if len(r.ThreatsAdded) > 0 || len(r.ThreatsRemoved) > 0 {
		s += fmt.Sprintf("; threats: %d added (risk +%d), %d removed (risk -%d)", len(r.ThreatsAdded), r.RiskAdded, len(r.ThreatsRemoved), r.RiskRemoved)
	}
	return s
}
