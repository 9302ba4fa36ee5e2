package report

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/escarp/escarp"
)

// checklistOr renders checklist reports (those with Items) with
// checklist, and every other report with findings.
func checklistOr(findings, checklist Format) Format {
	return func(w io.Writer, r *escarp.Report) error {
		if r != nil && len(r.Items) > 0 {
			return checklist(w, r)
		}
		return findings(w, r)
	}
}

func checklistCounts(items []escarp.ChecklistItem) (pass, fail, unknown int) {
	for _, it := range items {
		switch it.Status {
		case "pass":
			pass++
		case "fail":
			fail++
		default:
			unknown++
		}
	}
	return
}

var statusMark = map[string]string{"pass": "✅ pass", "fail": "❌ fail", "unknown": "❔ unknown"}

func writeChecklistMarkdown(w io.Writer, r *escarp.Report) error {
	bw := bufio.NewWriter(w)
	pass, fail, unknown := checklistCounts(r.Items)
	fmt.Fprintf(bw, "# API Security Checklist\n\n%d pass, %d fail, %d unknown of %d items.\n\n", pass, fail, unknown, len(r.Items))
	section := ""
	for _, it := range r.Items {
		if it.Section != section {
			section = it.Section
			fmt.Fprintf(bw, "\n## %s\n\n| # | item | status | evidence |\n|---|---|---|---|\n", section)
		}
		fmt.Fprintf(bw, "| %d | %s | %s | %s |\n", it.Number, mdCell(it.Title), statusMark[it.Status], mdCell(strings.Join(it.Evidence, "; ")))
	}
	fmt.Fprintf(bw, "\nItems restated from shieldfy/API-Security-Checklist (MIT); # is the item's number in the original.\n")
	return bw.Flush()
}

func writeChecklistText(w io.Writer, r *escarp.Report) error {
	bw := bufio.NewWriter(w)
	pass, fail, unknown := checklistCounts(r.Items)
	section := ""
	for _, it := range r.Items {
		if it.Section != section {
			section = it.Section
			fmt.Fprintf(bw, "\n%s\n", section)
		}
		fmt.Fprintf(bw, "  %-7s %-7s %s\n", it.ID, it.Status, it.Title)
		for _, e := range it.Evidence {
			fmt.Fprintf(bw, "                  %s\n", e)
		}
	}
	fmt.Fprintf(bw, "\n%d pass, %d fail, %d unknown of %d items.\n", pass, fail, unknown, len(r.Items))
	return bw.Flush()
}

func writeChecklistHTML(w io.Writer, r *escarp.Report) error {
	pass, fail, unknown := checklistCounts(r.Items)
	return checklistTmpl.Execute(w, struct {
		Items               []escarp.ChecklistItem
		Pass, Fail, Unknown int
	}{r.Items, pass, fail, unknown})
}

var checklistTmpl = template.Must(template.New("checklist").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>escarp: API Security Checklist</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:600}.unknown{color:#6e7781}
</style></head><body>
<h1>API Security Checklist</h1>
<p id="summary">{{.Pass}} pass, {{.Fail}} fail, {{.Unknown}} unknown of {{len .Items}} items.</p>
<table><thead><tr><th>#</th><th>section</th><th>item</th><th>status</th><th>evidence</th></tr></thead><tbody>
{{range .Items}}<tr class="item" id="{{.ID}}"><td>{{.Number}}</td><td>{{.Section}}</td><td>{{.Title}}</td><td class="{{.Status}}">{{.Status}}</td>
<td>{{range .Evidence}}<div>{{.}}</div>{{end}}</td></tr>
{{end}}</tbody></table>
<p>Items restated from shieldfy/API-Security-Checklist (MIT); # is the item's number in the original.</p>
</body></html>
`))

// learnLine tells where to learn about a rule: its explanation, and its
// lesson on the lab when there is one.
func learnLine(r escarp.RuleInfo) string {
	s := "escarp explain " + r.ID
	if r.Lesson != "" {
		s += ", lesson: escarp learn show " + r.Lesson
	}
	return s
}

func mdLearnLine(r escarp.RuleInfo) string {
	s := "`escarp explain " + r.ID + "`"
	if r.Lesson != "" {
		s += ", lesson `escarp learn show " + r.Lesson + "`"
	}
	return s
}
