package server

import (
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/escarp/escarp"
)

// The dashboard's charts are SVG that escarp draws itself: no script, no
// library, every label escaped.

// chartSeverities are stacked bottom to top.
var chartSeverities = []escarp.Severity{escarp.SeverityCritical, escarp.SeverityHigh, escarp.SeverityMedium, escarp.SeverityLow}

// barChart draws unsuppressed findings per finished run, oldest left,
// stacked by severity.
func barChart(jobs []*escarp.Job) template.HTML {
	var done []*escarp.Job
	for _, j := range jobs {
		if j.State == escarp.JobDone {
			done = append(done, j)
		}
	}
	slices.Reverse(done)
	if len(done) == 0 {
		return template.HTML(`<p class="empty">No finished runs yet.</p>`)
	}
	const h, bw, gap, pad = 120, 18, 6, 20
	peak := 1
	for _, j := range done {
		t := 0
		for _, s := range chartSeverities {
			t += j.Counts[s]
		}
		peak = max(peak, t)
	}
	width := pad + len(done)*(bw+gap)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="runs-chart" role="img" aria-label="findings per run" width="%d" height="%d" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg">`,
		width, h+pad, width, h+pad)
	for i, j := range done {
		x := pad + i*(bw+gap)
		y := h
		total := 0
		for _, s := range chartSeverities {
			n := j.Counts[s]
			if n == 0 {
				continue
			}
			total += n
			bh := n * (h - 10) / peak
			y -= bh
			fmt.Fprintf(&b, `<rect class="b-%s" x="%d" y="%d" width="%d" height="%d"><title>%s</title></rect>`,
				s, x, y, bw, bh, template.HTMLEscapeString(fmt.Sprintf("run #%d: %d %s", j.Seq, n, s)))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d">#%d</text>`, x, h+14, j.Seq)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%d</text>`, x+2, y-2, total)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// sparkline draws the unsuppressed findings of the last runs as a line.
func sparkline(jobs []*escarp.Job) template.HTML {
	var pts []int
	for i := len(jobs) - 1; i >= 0; i-- {
		if jobs[i].State != escarp.JobDone {
			continue
		}
		t := 0
		for _, s := range chartSeverities {
			t += jobs[i].Counts[s]
		}
		pts = append(pts, t)
	}
	if len(pts) == 0 {
		return "—"
	}
	const w, h = 100, 24
	peak := 1
	for _, p := range pts {
		peak = max(peak, p)
	}
	var coords []string
	for i, p := range pts {
		x := 0
		if len(pts) > 1 {
			x = i * w / (len(pts) - 1)
		}
		coords = append(coords, fmt.Sprintf("%d,%d", x, h-2-p*(h-4)/peak))
	}
	if len(coords) == 1 {
		coords = append(coords, fmt.Sprintf("%d,%s", w, strings.Split(coords[0], ",")[1]))
	}
	return template.HTML(fmt.Sprintf(`<svg class="spark" width="%d" height="%d" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg"><polyline points="%s"/></svg>`,
		w, h, w, h, strings.Join(coords, " ")))
}
