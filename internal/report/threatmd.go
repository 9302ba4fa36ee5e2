package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/specdiff"
)

// markdownRanking writes a threat run's ranking: what to fix first.
func markdownRanking(bw *bufio.Writer, r *escarp.Report) {
	if len(r.Ranking) == 0 {
		return
	}
	const most = 20
	fmt.Fprintf(bw, "\n### What to fix first\n\n| # | Operation | Risk | Inherent | Projected | Why |\n|--:|:--|--:|--:|--:|:--|\n")
	for i, x := range r.Ranking {
		if i == most {
			fmt.Fprintf(bw, "\n%d more operations are ranked in the JSON report.\n", len(r.Ranking)-most)
			break
		}
		fmt.Fprintf(bw, "| %d | `%s %s` | %d %s | %d | %d | %s |\n", i+1, x.Method, x.Path, x.Risk, x.Band, x.Inherent, x.Projected, mdCell(x.Why))
	}
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// WriteThreatDiff writes a threat diff as Markdown for a pull-request
// comment: the one-sentence summary, the operations added, removed and
// changed with the attack-surface facts they gained and lost, and the
// threats added (marking those above maxRisk that no tracking entry
// covers) and removed.
func WriteThreatDiff(w io.Writer, d *specdiff.Result, maxRisk int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "## escarp threat diff\n\nThis change %s.\n", d.Summary())
	if len(d.Operations) > 0 {
		fmt.Fprintf(bw, "\n| Change | Operation | Attack surface |\n|:--|:--|:--|\n")
		for _, c := range d.Operations {
			var facts []string
			for _, f := range c.Gained {
				facts = append(facts, "+ "+f)
			}
			for _, f := range c.Lost {
				facts = append(facts, "− "+f)
			}
			fmt.Fprintf(bw, "| %s | `%s` | %s |\n", c.Kind, c.Key(), mdCell(strings.Join(facts, "<br>")))
		}
	}
	if len(d.ThreatsAdded) > 0 {
		fmt.Fprintf(bw, "\n### Threats added (risk +%d)\n\n| Risk | Threat | Where | Why | |\n|--:|:--|:--|:--|:--|\n", d.RiskAdded)
		for _, t := range d.ThreatsAdded {
			mark := ""
			switch {
			case t.Tracking != nil:
				mark = "tracked: " + t.Tracking.State
				if t.Tracking.Ticket != "" {
					mark += " (" + t.Tracking.Ticket + ")"
				}
			case t.Current > maxRisk:
				mark = "❌ above " + fmt.Sprint(maxRisk) + ", untracked"
			}
			fmt.Fprintf(bw, "| %d %s | %s `%s` | `%s` | %s | %s |\n", t.Current, t.Band, mdCell(t.Title), t.RuleID, t.Element, mdCell(t.Why), mark)
		}
	}
	if len(d.ThreatsRemoved) > 0 {
		fmt.Fprintf(bw, "\n### Threats removed (risk −%d)\n\n| Risk | Threat | Where |\n|--:|:--|:--|\n", d.RiskRemoved)
		for _, t := range d.ThreatsRemoved {
			fmt.Fprintf(bw, "| %d %s | %s `%s` | `%s` |\n", t.Current, t.Band, mdCell(t.Title), t.RuleID, t.Element)
		}
	}
	if len(d.ThreatsAdded) == 0 && len(d.ThreatsRemoved) == 0 {
		fmt.Fprintf(bw, "\nNo threat added or removed.\n")
	}
	fmt.Fprintf(bw, "\nTrack an accepted or planned risk with an entry `stage: threat` in `.escarp/suppressions.yaml` (rule and operation, with state and ticket).\n")
	return bw.Flush()
}
