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

// maxMarkdownPerRule bounds the findings listed per rule, so a summary fits
// in a pull-request comment.
const maxMarkdownPerRule = 20

// Markdown size limits: rules are shown with their findings up to
// maxMarkdownDetail bytes, then by their headings only up to
// maxMarkdownTotal, then only counted. GitHub comments hold 65,536
// characters.
const (
	maxMarkdownDetail = 52 << 10
	maxMarkdownTotal  = 60 << 10
)

// severityIcon marks severities in Markdown, where there is no colour.
var severityIcon = map[escarp.Severity]string{
	escarp.SeverityCritical: "🟥",
	escarp.SeverityHigh:     "🟧",
	escarp.SeverityMedium:   "🟨",
	escarp.SeverityLow:      "🟦",
	escarp.SeverityInfo:     "⬜",
}

// writeMarkdown writes a pull-request-ready summary: counts by severity,
// the audit score, then per run the findings grouped by rule, with the
// details folded.
func writeMarkdown(w io.Writer, r *escarp.Report) error {
	r = Prepare(r)
	bw := bufio.NewWriter(w)
	counts := r.Counts()
	total := 0
	for _, n := range counts {
		total += n
	}
	if total == 0 {
		fmt.Fprintf(bw, "## ✅ escarp: no findings\n\n")
	} else {
		fmt.Fprintf(bw, "## escarp: %s\n\n", plural(total, "finding"))
	}
	fmt.Fprintf(bw, "| Severity | Findings |\n|:--|--:|\n")
	for _, s := range escarp.Severities {
		fmt.Fprintf(bw, "| %s %s | %d |\n", severityIcon[s], titleCase(s.String()), counts[s])
	}
	if n := suppressedCount(r); n > 0 {
		fmt.Fprintf(bw, "\n%s suppressed (not counted).\n", plural(n, "finding"))
	}
	markdownRanking(bw, r)
	used := 0
	cut := false
	for _, run := range r.Runs {
		markdownRun(bw, run, &used, &cut)
	}
	if cut {
		fmt.Fprintf(bw, "\n> Some findings are listed without details to fit a pull-request comment; the HTML, SARIF or JSON report has them all.\n")
	}
	if r.Tool.Version != "" {
		fmt.Fprintf(bw, "\n<sub>escarp %s</sub>\n", mdText(r.Tool.Version))
	}
	return bw.Flush()
}

// markdownRun writes one run. used counts the bytes written for rules so
// far; cut is set once a rule had to be shortened.
func markdownRun(w io.Writer, run *escarp.Run, used *int, cut *bool) {
	head := run.Engine
	if run.Target != "" {
		head += " · " + codeSpan(redactTarget(run.Target))
	}
	if run.Spec != "" && run.Spec != run.Target {
		head += " · " + codeSpan(redactTarget(run.Spec))
	}
	fmt.Fprintf(w, "\n### %s\n\n", head)
	if s := run.Score; s != nil {
		fmt.Fprintf(w, "**Audit score: %d/100**", s.Overall)
		for _, theme := range slices.Sorted(maps.Keys(s.Themes)) {
			fmt.Fprintf(w, " · %s %d", mdText(theme), s.Themes[theme])
		}
		fmt.Fprintf(w, "\n\n")
	}
	groups := groupByRule(run)
	if len(groups) == 0 {
		fmt.Fprintf(w, "No findings (%s checked).\n", plural(len(ruleTable(run)), "rule"))
	}
	skipped, skippedFindings := 0, 0
	for _, g := range groups {
		title := cmpOr(g.Rule.Title, g.Findings[0].Title)
		heading := fmt.Sprintf("#### %s %s %s: %s (%d)\n\n", severityIcon[g.Severity], titleCase(g.Severity.String()),
			codeSpan(g.Rule.ID), mdText(title), len(g.Findings))
		var b strings.Builder
		b.WriteString(heading)
		if tags := ruleTags(g.Rule); len(tags) > 0 {
			fmt.Fprintf(&b, "_%s_\n\n", mdText(strings.Join(tags, " · ")))
		}
		for i, f := range g.Findings {
			if i == maxMarkdownPerRule {
				fmt.Fprintf(&b, "- … and %d more\n", len(g.Findings)-i)
				break
			}
			markdownFinding(&b, f, g.Severity)
		}
		if fix := strings.TrimSpace(g.Rule.Remediation); fix != "" {
			fmt.Fprintf(&b, "\n<details><summary>How to fix</summary>\n\n%s\n\n</details>\n", fix)
		}
		fmt.Fprintf(&b, "\nLearn: %s\n", mdLearnLine(g.Rule))
		b.WriteString("\n")
		switch {
		case !*cut && *used+b.Len() <= maxMarkdownDetail:
			*used += b.Len()
			io.WriteString(w, b.String())
		case *used+len(heading) <= maxMarkdownTotal:
			*cut = true
			*used += len(heading)
			io.WriteString(w, heading)
		default:
			*cut = true
			skipped++
			skippedFindings += len(g.Findings)
		}
	}
	if skipped > 0 {
		fmt.Fprintf(w, "… and %s more (%s).\n\n", plural(skipped, "rule"), plural(skippedFindings, "finding"))
	}
	if run.Dropped > 0 {
		fmt.Fprintf(w, "> %s left out of this report to respect an output limit.\n\n", plural(run.Dropped, "finding"))
	}
	for _, n := range run.Notes {
		fmt.Fprintf(w, "> **Note:** %s\n\n", mdText(n))
	}
}

func markdownFinding(w io.Writer, f escarp.Finding, groupSeverity escarp.Severity) {
	line := "- " + codeSpan(cmpOr(where(f.Location), "(no location)"))
	if f.Severity != groupSeverity {
		line += " (" + f.Severity.String() + ")"
	}
	if f.Message != "" {
		line += ": " + mdText(f.Message)
	}
	if f.Suppressed != nil {
		line = "- ~~" + strings.TrimPrefix(line, "- ") + "~~ _suppressed: " + mdText(suppressionText(f.Suppressed)) + "_"
	}
	fmt.Fprintln(w, line)
	var details strings.Builder
	if f.Evidence != nil {
		if f.Evidence.Note != "" {
			fmt.Fprintf(&details, "%s\n\n", mdText(f.Evidence.Note))
		}
		if req := f.Evidence.Request; req != nil {
			fmt.Fprintf(&details, "Request:\n\n%s\n", fence("http", httpRequestText(req)))
		}
		if resp := f.Evidence.Response; resp != nil {
			fmt.Fprintf(&details, "Response:\n\n%s\n", fence("http", httpResponseText(resp)))
		}
	}
	if f.Reproducer != "" {
		fmt.Fprintf(&details, "Reproduce:\n\n%s\n", fence("sh", f.Reproducer))
	}
	if len(f.Flows) > 0 {
		for i, flow := range f.Flows {
			fmt.Fprintf(&details, "Flow %d:\n\n", i+1)
			for j, step := range flow {
				fmt.Fprintf(&details, "%d. %s", j+1, codeSpan(where(step)))
				if step.Message != "" {
					fmt.Fprintf(&details, " %s", codeSpan(step.Message))
				}
				details.WriteString("\n")
			}
			details.WriteString("\n")
		}
	}
	if f.Location.Snippet != "" {
		fmt.Fprintf(&details, "%s\n", fence("", f.Location.Snippet))
	}
	if p := f.Package; p != nil {
		fmt.Fprintf(&details, "Package %s %s", codeSpan(p.Name), codeSpan(p.Version))
		if p.FixedIn != "" {
			fmt.Fprintf(&details, ", fixed in %s", codeSpan(p.FixedIn))
		}
		details.WriteString("\n\n")
	}
	if details.Len() > 0 {
		fmt.Fprintf(w, "  <details><summary>Details</summary>\n\n%s  </details>\n", indentBlock(details.String(), "  "))
	}
}

// httpRequestText renders a request as HTTP/1.1 text.
func httpRequestText(m *escarp.HTTPMessage) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", cmpOr(m.Method, "GET"), m.URL)
	writeHeaderLines(&b, m.Header)
	if m.Body != "" {
		fmt.Fprintf(&b, "\n%s", m.Body)
	}
	return b.String()
}

// httpResponseText renders a response as HTTP/1.1 text.
func httpResponseText(m *escarp.HTTPMessage) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d\n", m.Status)
	writeHeaderLines(&b, m.Header)
	if m.Body != "" {
		fmt.Fprintf(&b, "\n%s", m.Body)
	}
	if m.Truncated {
		b.WriteString("\n… (truncated)")
	}
	return b.String()
}

func writeHeaderLines(b *strings.Builder, h map[string][]string) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
}

// fence returns s in a fenced code block longer than any backtick run in s.
func fence(lang, s string) string {
	f := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return f + lang + "\n" + strings.TrimRight(s, "\n") + "\n" + f + "\n"
}

// codeSpan returns s as inline code that no backtick in s can close, on one
// line.
func codeSpan(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return ""
	}
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return ticks + " " + s + " " + ticks
	}
	return ticks + s + ticks
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// mdText escapes text so that Markdown and the HTML GitHub allows in it
// render it literally, on one line.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '[', ']', '|', '#', '~', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// indentBlock indents every non-empty line of s with prefix.
func indentBlock(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func suppressedCount(r *escarp.Report) int {
	n := 0
	for _, run := range r.Runs {
		for i := range run.Findings {
			if run.Findings[i].Suppressed != nil {
				n++
			}
		}
	}
	return n
}
