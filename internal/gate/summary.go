package gate

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/escarp/escarp/internal/drift"
	"github.com/escarp/escarp/internal/redact"
)

// Summary is what escarp ci tells people: the decision per stage, the
// spec drift, expired suppressions, and whether the baseline was updated.
type Summary struct {
	Decision *Decision
	// Drift is the comparison with the previous spec, or nil.
	Drift *drift.Result
	// Skipped are configured stages this build cannot run.
	Skipped []string
	// Baseline is the baseline file, as shown to people.
	Baseline string
	// Updated says the baseline was rewritten by this run.
	Updated bool
	// Incomplete says why a stage did not complete, or "".
	Incomplete string
	// Today is the day suppressions were judged on.
	Today time.Time
}

// maxListed bounds the findings listed per stage in the summaries.
const maxListed = 50

// Text writes the summary for a terminal or a CI log.
func (s *Summary) Text(w io.Writer) {
	d := s.Decision
	fmt.Fprintf(w, "escarp ci: %s\n", strings.ToLower(verdictWord(d.Passed())))
	if !d.HasBaseline {
		fmt.Fprintf(w, "  no baseline at %s: every finding counts as new (create one with `escarp baseline create`)\n", s.Baseline)
	}
	if s.Updated {
		fmt.Fprintf(w, "  baseline updated: %s\n", s.Baseline)
	}
	for _, st := range d.Stages {
		line := fmt.Sprintf("  %-6s %s: %d finding(s), %d new, %d baselined, %d suppressed, %d fixed (fail on %s",
			st.Stage, verdictWord(st.Passed()), len(st.Run.Findings), len(st.New), st.Baselined, st.Suppressed, len(st.Fixed), st.Limits.FailOn)
		if st.Limits.MaxNew >= 0 {
			line += fmt.Sprintf(", max new %d", st.Limits.MaxNew)
		}
		if st.Limits.MinScore >= 0 {
			line += fmt.Sprintf(", min score %d", st.Limits.MinScore)
		}
		line += ")"
		if st.Run.Score != nil {
			line += fmt.Sprintf(", score %d/100", st.Run.Score.Overall)
		}
		fmt.Fprintln(w, line)
		for _, r := range st.Reasons {
			fmt.Fprintf(w, "    failed: %s\n", r)
		}
		for i, f := range st.New {
			if i == maxListed {
				fmt.Fprintf(w, "    ... and %d more new\n", len(st.New)-maxListed)
				break
			}
			mark := "new"
			if f.Severity >= st.Limits.FailOn {
				mark = "NEW"
			}
			fmt.Fprintf(w, "    %s %s — %s\n", mark, Describe(&f), oneLine(f.Message))
		}
		for i, e := range st.Fixed {
			if i == maxListed {
				fmt.Fprintf(w, "    ... and %d more fixed\n", len(st.Fixed)-maxListed)
				break
			}
			fmt.Fprintf(w, "    fixed %s %s at %s\n", e.Severity, e.RuleID, e.Where)
		}
	}
	for _, n := range s.Skipped {
		fmt.Fprintf(w, "  %-6s skipped: not available in this build\n", n)
	}
	if s.Incomplete != "" {
		fmt.Fprintf(w, "  incomplete: %s\n", redact.String(s.Incomplete))
	}
	for _, e := range d.Expired {
		fmt.Fprintf(w, "  expired suppression (line %d): %s — no longer suppresses; owner %s\n", e.Line, e.String(), orDash(e.Owner))
	}
	for _, e := range d.Unused {
		fmt.Fprintf(w, "  unused suppression (line %d): %s matched no finding\n", e.Line, e.String())
	}
	if s.Drift != nil {
		r := s.Drift
		fmt.Fprintf(w, "  spec drift against %s: %d new, %d removed, %d changed operation(s), %d breaking change(s)\n",
			r.Previous, len(r.New), len(r.Removed), len(r.Changed), len(r.Breaking))
		for _, op := range r.New {
			fmt.Fprintf(w, "    new %s\n", op)
		}
		for _, op := range r.Changed {
			fmt.Fprintf(w, "    changed %s\n", op)
		}
		for _, c := range r.Breaking {
			fmt.Fprintf(w, "    BREAKING %s\n", c)
		}
	}
}

// Markdown writes the summary for a pull request or
// $GITHUB_STEP_SUMMARY.
func (s *Summary) Markdown(w io.Writer) {
	d := s.Decision
	icon := "✅"
	if !d.Passed() {
		icon = "❌"
	}
	fmt.Fprintf(w, "## %s escarp ci: %s\n\n", icon, strings.ToLower(verdictWord(d.Passed())))
	if !d.HasBaseline {
		fmt.Fprintf(w, "No baseline (`%s`): every finding counts as new.\n\n", s.Baseline)
	}
	if s.Updated {
		fmt.Fprintf(w, "Baseline updated: `%s`.\n\n", s.Baseline)
	}
	fmt.Fprintln(w, "| stage | result | findings | new | baselined | suppressed | fixed | score |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
	for _, st := range d.Stages {
		score := "–"
		if st.Run.Score != nil {
			score = fmt.Sprintf("%d/100", st.Run.Score.Overall)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d | %d | %s |\n", st.Stage, verdictWord(st.Passed()),
			len(st.Run.Findings), len(st.New), st.Baselined, st.Suppressed, len(st.Fixed), score)
	}
	for _, n := range s.Skipped {
		fmt.Fprintf(w, "| %s | skipped (not in this build) | | | | | | |\n", n)
	}
	fmt.Fprintln(w)
	for _, st := range d.Stages {
		for _, r := range st.Reasons {
			fmt.Fprintf(w, "- **%s failed:** %s\n", st.Stage, mdEscape(r))
		}
	}
	for _, st := range d.Stages {
		if len(st.New) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n### New in %s\n\n| severity | rule | where | message |\n|---|---|---|---|\n", st.Stage)
		for i, f := range st.New {
			if i == maxListed {
				fmt.Fprintf(w, "\n…and %d more.\n", len(st.New)-maxListed)
				break
			}
			fmt.Fprintf(w, "| %s | %s | `%s` | %s |\n", f.Severity, f.RuleID, mdCode(where(&f)), mdEscape(oneLine(f.Message)))
		}
	}
	var fixed []string
	for _, st := range d.Stages {
		for _, e := range st.Fixed {
			fixed = append(fixed, fmt.Sprintf("- %s: %s %s at `%s`", st.Stage, e.Severity, e.RuleID, mdCode(e.Where)))
		}
	}
	if len(fixed) > 0 {
		fmt.Fprintf(w, "\n### Fixed since the baseline\n\n")
		if len(fixed) > maxListed {
			fixed = append(fixed[:maxListed], fmt.Sprintf("- …and %d more", len(fixed)-maxListed))
		}
		fmt.Fprintln(w, strings.Join(fixed, "\n"))
	}
	if len(d.Expired) > 0 {
		fmt.Fprintf(w, "\n### Expired suppressions\n\n")
		for _, e := range d.Expired {
			fmt.Fprintf(w, "- line %d: %s (owner %s): %s\n", e.Line, mdEscape(e.String()), mdEscape(orDash(e.Owner)), mdEscape(e.Reason))
		}
	}
	if s.Drift != nil {
		r := s.Drift
		fmt.Fprintf(w, "\n### Spec drift against `%s`\n\n", mdCode(r.Previous))
		fmt.Fprintf(w, "%d new, %d removed, %d changed operation(s); %d breaking change(s).\n\n", len(r.New), len(r.Removed), len(r.Changed), len(r.Breaking))
		for _, op := range r.New {
			fmt.Fprintf(w, "- new `%s`\n", mdCode(op))
		}
		for _, op := range r.Changed {
			fmt.Fprintf(w, "- changed `%s`\n", mdCode(op))
		}
		for _, c := range r.Breaking {
			fmt.Fprintf(w, "- **breaking** %s\n", mdEscape(c.String()))
		}
	}
	if s.Incomplete != "" {
		fmt.Fprintf(w, "\n> A stage did not complete: %s\n", mdEscape(redact.String(s.Incomplete)))
	}
}

func verdictWord(passed bool) string {
	if passed {
		return "PASSED"
	}
	return "FAILED"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "\n", " ")
	return r.Replace(s)
}

func mdCode(s string) string { return strings.ReplaceAll(s, "`", "'") }
