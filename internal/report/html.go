package report

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
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
	// Chart is by OWASP API Top 10 category, or by CWE (ByCWE) when
	// every run analysed code, where the API Top 10 does not apply.
	Chart htmlChart
	ByCWE bool
	Runs  []htmlRun
	// Groups are the findings of every run grouped by rule, in one
	// order: open before suppressed, then most severe first.
	Groups []htmlGroup
	// Top are the first groups with open findings, for the summary table.
	Top []htmlGroup
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
	Themes []htmlTheme
}

type htmlTheme struct {
	Name  string
	Score int
}

// htmlGroup is the findings of one rule across every run.
type htmlGroup struct {
	group
	// Anchor is the element id the summary table links to.
	Anchor string
	// Engines are the runs' engines the findings come from.
	Engines []string
	// Fix is the rule's remediation, shown once for the group.
	Fix      string
	Findings []htmlFinding
}

// htmlFinding is a finding with the fix it needs when that differs from
// its rule's.
type htmlFinding struct {
	escarp.Finding
	OwnFix string
}

// maxTopRisks bounds the rows of the summary table.
const maxTopRisks = 10

// writeHTML writes one self-contained HTML page: a table of the top risks,
// charts by severity and by OWASP category (by CWE for code-only
// reports), a summary per run, then the findings of every run grouped by
// rule, most severe first, with evidence, reproducer and one remediation
// per rule, filterable by severity.
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
	if r.ThreatModel != nil {
		p.Threat = &htmlThreat{Model: r.ThreatModel, Ranking: r.Ranking, Heat: heatSVG(r.ThreatModel), DFD: dfdSVG(r.ThreatModel)}
	}
	p.ByCWE = len(r.Runs) > 0
	for _, run := range r.Runs {
		p.ByCWE = p.ByCWE && run.Engine == escarp.EngineCode
	}
	if p.ByCWE {
		p.Chart = cweChart(r)
	} else {
		p.Chart = owaspChart(r)
	}
	for _, run := range r.Runs {
		hr := htmlRun{Run: run, Rules: len(ruleTable(run))}
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
	p.Groups = htmlGroups(r)
	for _, g := range p.Groups {
		if g.Open == 0 || len(p.Top) == maxTopRisks {
			break
		}
		p.Top = append(p.Top, g)
	}
	if err := htmlTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("render HTML: %w", err)
	}
	return nil
}

// htmlGroups groups the findings of every run by rule, a rule found by
// several runs once, ordered as [groupByRule] orders one run's.
func htmlGroups(r *escarp.Report) []htmlGroup {
	idx := map[string]int{}
	var gs []htmlGroup
	for _, run := range r.Runs {
		for _, g := range groupByRule(run) {
			j, ok := idx[g.Rule.ID]
			if !ok {
				j = len(gs)
				idx[g.Rule.ID] = j
				gs = append(gs, htmlGroup{group: group{Rule: g.Rule, Severity: g.Severity}})
			}
			h := &gs[j]
			if !slices.Contains(h.Engines, run.Engine) {
				h.Engines = append(h.Engines, run.Engine)
			}
			switch {
			case g.Open > 0 && h.Open == 0:
				h.Severity = g.Severity
			case (g.Open > 0) == (h.Open > 0):
				h.Severity = max(h.Severity, g.Severity)
			}
			h.Open += g.Open
			h.group.Findings = append(h.group.Findings, g.Findings...)
		}
	}
	for j := range gs {
		g := &gs[j]
		SortFindings(g.group.Findings)
		g.Fix = strings.TrimSpace(g.Rule.Remediation)
		if g.Fix == "" && len(g.group.Findings) > 0 {
			g.Fix = strings.TrimSpace(g.group.Findings[0].Remediation)
		}
		for _, f := range g.group.Findings {
			hf := htmlFinding{Finding: f}
			if own := strings.TrimSpace(f.Remediation); own != "" && own != g.Fix {
				hf.OwnFix = own
			}
			g.Findings = append(g.Findings, hf)
		}
		g.Anchor = fmt.Sprintf("rule-%d", j+1)
	}
	slices.SortStableFunc(gs, func(a, b htmlGroup) int {
		return cmp.Or(cmp.Compare(min(b.Open, 1), min(a.Open, 1)), cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Rule.ID, b.Rule.ID))
	})
	for j := range gs {
		gs[j].Anchor = fmt.Sprintf("rule-%d", j+1)
	}
	return gs
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

// maxCWEBars bounds the bars of the CWE chart; the rest share one.
const maxCWEBars = 10

// cweChart is a horizontal bar chart of unsuppressed findings by CWE, the
// most frequent first, for reports of code analysis.
func cweChart(r *escarp.Report) htmlChart {
	counts := map[string]int{}
	for _, run := range r.Runs {
		for i := range run.Findings {
			f := &run.Findings[i]
			if f.Suppressed != nil {
				continue
			}
			if len(f.CWE) == 0 {
				counts["none"]++
			}
			for _, c := range f.CWE {
				counts[c]++
			}
		}
	}
	ids := slices.Collect(maps.Keys(counts))
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(boolInt(a == "none"), boolInt(b == "none")), cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	if len(ids) > maxCWEBars {
		for _, id := range ids[maxCWEBars-1:] {
			counts["other"] += counts[id]
		}
		ids = append(ids[:maxCWEBars-1], "other")
	}
	labels := map[string]string{"none": "No CWE", "other": "Other CWEs"}
	return hbarChart(ids, counts, labels, "cwe")
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
	labels := map[string]string{"other": "Not in the OWASP API Top 10"}
	for _, id := range ids[:10] {
		labels[id] = id + " " + escarp.OWASPTop10[id]
	}
	return hbarChart(ids, counts, labels, "owasp")
}

// hbarChart is a horizontal bar chart of counts, one bar per id in order,
// each named by labels[id] (the id itself when absent).
func hbarChart(ids []string, counts map[string]int, labels map[string]string, class string) htmlChart {
	const rowH, labelW, plotW, right = 22, 390, 220, 40
	c := htmlChart{Width: labelW + plotW + right, Height: len(ids)*rowH + 8}
	most := 1
	for _, id := range ids {
		most = max(most, counts[id])
	}
	for i, id := range ids {
		n := counts[id]
		w := n * plotW / most
		if n > 0 {
			w = max(w, 3)
		}
		label := cmpOr(labels[id], id)
		y := 4 + i*rowH
		c.Bars = append(c.Bars, htmlBar{
			Label: label, Title: fmt.Sprintf("%s: %d", label, n), Class: class, Count: n,
			X: labelW, Y: y + 3, W: w, H: rowH - 8,
			TX: labelW + w + 6, TY: y + rowH - 7, LX: labelW - 8, LY: y + rowH - 7,
		})
	}
	return c
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
