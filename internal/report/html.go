package report

import (
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/escarp/escarp"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate is the single self-contained page: inline CSS, SVG and a few
// lines of JS, every value escaped by html/template.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"md":      markdownHTML,
	"where":   func(l escarp.Location) string { return cmpOr(where(l), "(no location)") },
	"reqText": httpRequestText,
	"resText": httpResponseText,
	"suppr":   suppressionText,
	"title":   titleCase,
	"inc":     func(i int) int { return i + 1 },
	"owasp":   func(id string) string { return escarp.OWASPTop10[id] },
}).Parse(htmlSource))

type htmlPage struct {
	Report     *escarp.Report
	Generated  string
	Total      int
	Suppressed int
	Severities []htmlSeverity
	SevChart   htmlChart
	OWASPChart htmlChart
	Runs       []htmlRun
	// Threat is set for reports of threat runs.
	Threat *htmlThreat
}

// htmlThreat is the threat model part of a page: the ranking, the
// likelihood × impact heat map and the data-flow diagram.
type htmlThreat struct {
	Model   *escarp.ThreatModel
	Ranking []escarp.RankedOperation
	Heat    template.HTML
	DFD     template.HTML
}

type htmlSeverity struct {
	Name, Label string
	Count       int
}

type htmlChart struct {
	Width, Height int
	Bars          []htmlBar
}

type htmlBar struct {
	Label, Title, Class string
	Count               int
	// X, Y, W, H place the bar; TX, TY its count label; LX, LY its name.
	X, Y, W, H, TX, TY, LX, LY int
}

type htmlRun struct {
	Run    *escarp.Run
	Rules  int
	Open   int
	Groups []group
	Themes []htmlTheme
}

type htmlTheme struct {
	Name  string
	Score int
}

// writeHTML writes one self-contained HTML page: charts by severity and by
// OWASP category, then per run the findings grouped by rule with evidence,
// reproducer and remediation, filterable by severity.
func writeHTML(w io.Writer, r *escarp.Report) error {
	r = Prepare(r)
	p := htmlPage{Report: r, Suppressed: suppressedCount(r)}
	if !r.FinishedAt.IsZero() {
		p.Generated = r.FinishedAt.UTC().Format("2006-01-02 15:04 MST")
	}
	counts := r.Counts()
	for _, s := range escarp.Severities {
		p.Total += counts[s]
		p.Severities = append(p.Severities, htmlSeverity{Name: s.String(), Label: titleCase(s.String()), Count: counts[s]})
	}
	p.SevChart = severityChart(counts)
	p.OWASPChart = owaspChart(r)
	if r.ThreatModel != nil {
		p.Threat = &htmlThreat{Model: r.ThreatModel, Ranking: r.Ranking, Heat: heatSVG(r.ThreatModel), DFD: dfdSVG(r.ThreatModel)}
	}
	for _, run := range r.Runs {
		hr := htmlRun{Run: run, Rules: len(ruleTable(run)), Groups: groupByRule(run)}
		for i := range run.Findings {
			if run.Findings[i].Suppressed == nil {
				hr.Open++
			}
		}
		if run.Score != nil {
			for _, name := range slices.Sorted(maps.Keys(run.Score.Themes)) {
				hr.Themes = append(hr.Themes, htmlTheme{Name: name, Score: run.Score.Themes[name]})
			}
		}
		p.Runs = append(p.Runs, hr)
	}
	if err := htmlTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("render HTML: %w", err)
	}
	return nil
}

// severityChart is a vertical bar chart of unsuppressed findings by severity.
func severityChart(counts map[escarp.Severity]int) htmlChart {
	const barW, gap, plotH, top, bottom = 56, 24, 140, 22, 26
	c := htmlChart{Width: len(escarp.Severities)*(barW+gap) + gap, Height: top + plotH + bottom}
	most := 1
	for _, n := range counts {
		most = max(most, n)
	}
	for i, s := range escarp.Severities {
		n := counts[s]
		h := n * plotH / most
		if n > 0 {
			h = max(h, 3)
		}
		x := gap + i*(barW+gap)
		c.Bars = append(c.Bars, htmlBar{
			Label: titleCase(s.String()), Title: fmt.Sprintf("%d %s", n, s), Class: "sev-" + s.String(), Count: n,
			X: x, Y: top + plotH - h, W: barW, H: h,
			TX: x + barW/2, TY: top + plotH - h - 6, LX: x + barW/2, LY: top + plotH + 18,
		})
	}
	return c
}

// owaspChart is a horizontal bar chart of unsuppressed findings by OWASP
// API Security Top 10 category, every category shown.
func owaspChart(r *escarp.Report) htmlChart {
	counts := map[string]int{}
	for _, run := range r.Runs {
		for i := range run.Findings {
			f := &run.Findings[i]
			if f.Suppressed != nil {
				continue
			}
			id := f.OWASP
			if _, ok := escarp.OWASPTop10[id]; !ok {
				id = "other"
			}
			counts[id]++
		}
	}
	ids := make([]string, 0, 11)
	for i := 1; i <= 10; i++ {
		ids = append(ids, fmt.Sprintf("API%d:2023", i))
	}
	if counts["other"] > 0 {
		ids = append(ids, "other")
	}
	const rowH, labelW, plotW, right = 22, 390, 220, 40
	c := htmlChart{Width: labelW + plotW + right, Height: len(ids)*rowH + 8}
	most := 1
	for _, n := range counts {
		most = max(most, n)
	}
	for i, id := range ids {
		n := counts[id]
		w := n * plotW / most
		if n > 0 {
			w = max(w, 3)
		}
		label := id + " " + escarp.OWASPTop10[id]
		if id == "other" {
			label = "Not in the OWASP API Top 10"
		}
		y := 4 + i*rowH
		c.Bars = append(c.Bars, htmlBar{
			Label: label, Title: fmt.Sprintf("%s: %d", label, n), Class: "owasp", Count: n,
			X: labelW, Y: y + 3, W: w, H: rowH - 8,
			TX: labelW + w + 6, TY: y + rowH - 7, LX: labelW - 8, LY: y + rowH - 7,
		})
	}
	return c
}

var (
	mdCode = regexp.MustCompile("`([^`]+)`")
	mdBold = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	mdLink = regexp.MustCompile(`\[([^\]]+)\]\((https?://[^\s)]+)\)`)
)

// markdownHTML renders the small Markdown subset rule texts use (fenced
// code, inline code, bold, links, paragraphs) as HTML. Everything is
// escaped first; only fixed tags are added.
func markdownHTML(md string) template.HTML {
	var b strings.Builder
	parts := strings.Split(strings.TrimSpace(md), "```")
	for i, part := range parts {
		if i%2 == 1 { // inside a fence: drop the info string
			if nl := strings.IndexByte(part, '\n'); nl >= 0 {
				part = part[nl+1:]
			}
			b.WriteString("<pre><code>" + html.EscapeString(strings.TrimRight(part, "\n")) + "</code></pre>")
			continue
		}
		for _, para := range strings.Split(part, "\n\n") {
			para = strings.TrimSpace(para)
			if para == "" {
				continue
			}
			t := html.EscapeString(para)
			t = mdCode.ReplaceAllString(t, "<code>$1</code>")
			t = mdBold.ReplaceAllString(t, "<strong>$1</strong>")
			t = mdLink.ReplaceAllString(t, `<a href="$2" rel="noopener noreferrer">$1</a>`)
			b.WriteString("<p>" + strings.ReplaceAll(t, "\n", "<br>") + "</p>")
		}
	}
	return template.HTML(b.String())
}
