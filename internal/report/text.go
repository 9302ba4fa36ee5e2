package report

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/escarp/escarp"
)

// ANSI escape sequences of the text format.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiCyan   = "\x1b[36m"
	ansiBgRed  = "\x1b[1;37;41m"
)

func textFormat(o Options) Format {
	return func(w io.Writer, r *escarp.Report) error { return writeText(w, r, o.Color) }
}

// painter colours text when enabled.
type painter bool

func (p painter) paint(code, s string) string {
	if !p || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (p painter) severity(s escarp.Severity) string {
	label := fmt.Sprintf("%-8s", strings.ToUpper(s.String()))
	switch s {
	case escarp.SeverityCritical:
		return p.paint(ansiBgRed, label)
	case escarp.SeverityHigh:
		return p.paint(ansiBold+ansiRed, label)
	case escarp.SeverityMedium:
		return p.paint(ansiYellow, label)
	case escarp.SeverityLow:
		return p.paint(ansiCyan, label)
	default:
		return p.paint(ansiDim, label)
	}
}

// writeText writes the human report: per run, findings grouped by rule,
// most severe first; then the audit score and the counts.
func writeText(w io.Writer, r *escarp.Report, color bool) error {
	r = Prepare(r)
	p := painter(color)
	bw := bufio.NewWriter(w)
	for i, run := range r.Runs {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		textRun(bw, p, run)
	}
	textSummary(bw, p, r)
	return bw.Flush()
}

func textRun(w io.Writer, p painter, run *escarp.Run) {
	head := "escarp " + run.Engine
	if run.Target != "" {
		head += " " + run.Target
	}
	if run.Spec != "" && run.Spec != run.Target {
		head += " (" + run.Spec + ")"
	}
	open := 0
	for i := range run.Findings {
		if run.Findings[i].Suppressed == nil {
			open++
		}
	}
	fmt.Fprintf(w, "%s\n%s\n", p.paint(ansiBold, head),
		p.paint(ansiDim, fmt.Sprintf("%d rules, %s", len(ruleTable(run)), plural(open, "finding"))))
	for _, g := range groupByRule(run) {
		fmt.Fprintln(w)
		title := g.Rule.Title
		if title == "" {
			title = g.Findings[0].Title
		}
		fmt.Fprintf(w, "%s %s  %s (%d)\n", p.severity(g.Severity), p.paint(ansiBold, g.Rule.ID), title, len(g.Findings))
		if tags := ruleTags(g.Rule); len(tags) > 0 {
			fmt.Fprintf(w, "         %s\n", p.paint(ansiDim, strings.Join(tags, " · ")))
		}
		for _, f := range g.Findings {
			loc := where(f.Location)
			if loc == "" {
				loc = "(no location)"
			}
			line := "  • " + loc
			if f.Severity != g.Severity {
				line += "  [" + f.Severity.String() + "]"
			}
			if f.Suppressed != nil {
				line = p.paint(ansiDim, line+"  [suppressed: "+suppressionText(f.Suppressed)+"]")
			}
			fmt.Fprintln(w, line)
			if f.Message != "" {
				fmt.Fprintf(w, "    %s\n", indent(plainInline(f.Message), "    "))
			}
			if len(f.Flows) > 0 {
				printFlow(w, p, f.Flows[0])
			}
			if f.Evidence != nil && f.Evidence.Note != "" {
				fmt.Fprintf(w, "    %s %s\n", p.paint(ansiDim, "evidence:"), indent(f.Evidence.Note, "    "))
			}
			if f.Reproducer != "" {
				fmt.Fprintf(w, "    %s\n", p.paint(ansiBlue, "$ "+indent(f.Reproducer, "      ")))
			}
		}
		if fix := strings.TrimSpace(g.Rule.Remediation); fix != "" {
			fmt.Fprintf(w, "  %s %s\n", p.paint(ansiBold, "Fix:"), terminalText(fix, "       "))
		}
		fmt.Fprintf(w, "  %s %s\n", p.paint(ansiBold, "Learn:"), learnLine(g.Rule))
	}
	if run.Dropped > 0 {
		fmt.Fprintf(w, "\n%s\n", p.paint(ansiYellow, fmt.Sprintf("%s left out of this report to respect an output limit.", plural(run.Dropped, "finding"))))
	}
	if len(run.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range run.Notes {
			fmt.Fprintf(w, "%s %s\n", p.paint(ansiDim, "note:"), n)
		}
	}
	if s := run.Score; s != nil {
		fmt.Fprintf(w, "\n%s %s\n", p.paint(ansiBold, "Audit score:"), p.paint(scoreColor(s.Overall), fmt.Sprintf("%d/100", s.Overall)))
		for _, theme := range slices.Sorted(maps.Keys(s.Themes)) {
			fmt.Fprintf(w, "  %-20s %3d\n", theme, s.Themes[theme])
		}
	}
}

func scoreColor(n int) string {
	switch {
	case n >= 80:
		return ansiBold
	case n >= 50:
		return ansiYellow
	default:
		return ansiRed
	}
}

func textSummary(w io.Writer, p painter, r *escarp.Report) {
	counts := r.Counts()
	suppressed := 0
	for _, run := range r.Runs {
		for i := range run.Findings {
			if run.Findings[i].Suppressed != nil {
				suppressed++
			}
		}
	}
	parts := make([]string, 0, len(escarp.Severities))
	total := 0
	for _, s := range escarp.Severities {
		total += counts[s]
		n := fmt.Sprintf("%d %s", counts[s], s)
		if counts[s] > 0 {
			n = p.paint(sevColor(s), n)
		}
		parts = append(parts, n)
	}
	line := fmt.Sprintf("%s: %s", plural(total, "finding"), strings.Join(parts, ", "))
	if suppressed > 0 {
		line += fmt.Sprintf(" (%d suppressed)", suppressed)
	}
	fmt.Fprintf(w, "\n%s\n", line)
}

func sevColor(s escarp.Severity) string {
	switch s {
	case escarp.SeverityCritical, escarp.SeverityHigh:
		return ansiBold + ansiRed
	case escarp.SeverityMedium:
		return ansiYellow
	case escarp.SeverityLow:
		return ansiCyan
	default:
		return ansiDim
	}
}

// ruleTags returns the OWASP category and CWE ids of a rule.
func ruleTags(r escarp.RuleInfo) []string {
	var tags []string
	if r.OWASP != "" {
		t := r.OWASP
		if name := escarp.OWASPTop10[r.OWASP]; name != "" {
			t += " " + name
		}
		tags = append(tags, t)
	}
	return append(tags, r.CWE...)
}

func suppressionText(s *escarp.Suppression) string {
	t := s.Kind
	if s.Reason != "" {
		t += ": " + s.Reason
	}
	if s.Owner != "" {
		t += " (" + s.Owner + ")"
	}
	if s.Expires != "" {
		t += ", until " + s.Expires
	}
	return t
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// indent indents every line of s but the first with prefix.
func indent(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// firstParagraph returns the first paragraph of Markdown text, on one line.
func firstParagraph(md string) string {
	md = strings.TrimSpace(md)
	if i := strings.Index(md, "\n\n"); i >= 0 {
		md = md[:i]
	}
	return strings.Join(strings.Fields(md), " ")
}

// maxFlowSteps bounds the steps of a taint path the text report prints.
const maxFlowSteps = 8

// printFlow prints a taint path, source first, one step per line.
func printFlow(w io.Writer, p painter, flow []escarp.Location) {
	for i, step := range flow {
		if i == maxFlowSteps-1 && len(flow) > maxFlowSteps {
			fmt.Fprintf(w, "          %s\n", p.paint(ansiDim, fmt.Sprintf("... %d more step(s)", len(flow)-i-1)))
			step = flow[len(flow)-1]
		}
		label := "      "
		if i == 0 {
			label = "path: "
		}
		fmt.Fprintf(w, "    %s%s  %s\n", p.paint(ansiDim, label), where(step), step.Message)
		if i == maxFlowSteps-1 {
			break
		}
	}
}
