package report

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/browsertest"
)

// beforeAfter is a remediation with an indented YAML before/after example,
// as audit rule docs write them.
const beforeAfter = "Add a security requirement globally.\n\nBefore:\n\n    paths:\n      /orders:\n        post:\n          responses: {...}\n\nAfter:\n\n    security:\n      - bearer: []\n    paths:\n      /orders:\n        post: {}"

// combined is a ci-like report: an audit run with many low findings
// first, then a scan run with a critical one, and a rule both report.
func combined() *escarp.Report {
	audit := &escarp.Run{Engine: escarp.EngineAudit, Spec: "openapi.yaml",
		Rules: []escarp.RuleInfo{
			{ID: "ESC-DATA-004", Title: "String schema without maxLength", Severity: escarp.SeverityLow, Remediation: "Set `maxLength`."},
			{ID: "ESC-AUTH-002", Title: "Write operation is not protected", Severity: escarp.SeverityHigh, Remediation: beforeAfter},
		}}
	for i := range 40 {
		audit.Findings = append(audit.Findings, escarp.Finding{RuleID: "ESC-DATA-004", Severity: escarp.SeverityLow,
			Message: fmt.Sprintf("property p%d has no maxLength", i), Location: escarp.Location{File: "openapi.yaml", Line: 10 + i}})
	}
	audit.Findings = append(audit.Findings, escarp.Finding{RuleID: "ESC-AUTH-002", Severity: escarp.SeverityHigh,
		Message: "POST /orders can be called without credentials", Location: escarp.Location{File: "openapi.yaml", Line: 3}})
	scan := &escarp.Run{Engine: escarp.EngineScan, Target: "http://127.0.0.1:1",
		Rules: []escarp.RuleInfo{{ID: "ESC-DAST-BOLA-001", Title: "Broken object level authorization", Severity: escarp.SeverityCritical,
			Remediation: "Check ownership on every request."}},
		Findings: []escarp.Finding{
			{RuleID: "ESC-DAST-BOLA-001", Severity: escarp.SeverityCritical, Message: "user B read user A's order", Location: escarp.Location{Method: "GET", Path: "/orders/{id}"}},
			{RuleID: "ESC-AUTH-002", Title: "Write operation is not protected", Severity: escarp.SeverityHigh, Remediation: beforeAfter,
				Message: "POST /orders answered 201 without credentials", Location: escarp.Location{Method: "POST", Path: "/orders"}},
		}}
	return &escarp.Report{Runs: []*escarp.Run{audit, scan}}
}

func renderHTML(t *testing.T, r *escarp.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := writeHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestHTMLOrdersBySeverityAcrossRuns(t *testing.T) {
	page := renderHTML(t, combined())
	crit := strings.Index(page, `data-rule="ESC-DAST-BOLA-001"`)
	high := strings.Index(page, `data-rule="ESC-AUTH-002"`)
	low := strings.Index(page, `data-rule="ESC-DATA-004"`)
	if crit < 0 || high < 0 || low < 0 || !(crit < high && high < low) {
		t.Fatalf("rule groups not ordered critical, high, low across runs: %d, %d, %d", crit, high, low)
	}
	if n := strings.Count(page, `data-rule="ESC-AUTH-002"`); n != 1 {
		t.Errorf("a rule found by two runs is shown %d times, want once", n)
	}
	if n := strings.Count(page, "Before:"); n != 1 {
		t.Errorf("the shared fix of ESC-AUTH-002 is shown %d times, want once", n)
	}
}

func TestHTMLTopRisksLinkToFindings(t *testing.T) {
	page := renderHTML(t, combined())
	top := page[strings.Index(page, `id="top-risks"`):]
	top = top[:strings.Index(top, "</table>")]
	links := regexp.MustCompile(`href="#(rule-\d+)">([^<]+)<`).FindAllStringSubmatch(top, -1)
	if len(links) != 3 || links[0][2] != "Broken object level authorization" {
		t.Fatalf("top risks table: %q", links)
	}
	for _, l := range links {
		if !strings.Contains(page, `id="`+l[1]+`"`) {
			t.Errorf("jump link #%s has no target", l[1])
		}
	}
	if strings.Index(page, `id="top-risks"`) > strings.Index(page, `class="counts"`) {
		t.Error("the top risks table is not at the top of the page")
	}
}

func TestMarkdownHTMLKeepsIndentedCode(t *testing.T) {
	got := string(markdownHTML(beforeAfter))
	want := "<p>Before:</p><pre><code>paths:\n  /orders:\n    post:\n      responses: {...}</code></pre>"
	if !strings.Contains(got, want) {
		t.Errorf("indented example flattened:\n%s\nwant it to contain\n%s", got, want)
	}
	if got := string(markdownHTML("Do:\n\n```yaml\na:\n  b: 1\n```\n\n- one `x`\n- **two**")); got != "<p>Do:</p><pre><code>a:\n  b: 1</code></pre><ul><li>one <code>x</code></li><li><strong>two</strong></li></ul>" {
		t.Errorf("fenced code and lists: %s", got)
	}
}

func TestHTMLChartForCodeOnlyIsCWE(t *testing.T) {
	code := &escarp.Report{Runs: []*escarp.Run{{Engine: escarp.EngineCode, Findings: []escarp.Finding{
		{RuleID: "gosec:G204", Severity: escarp.SeverityMedium, CWE: []string{"CWE-78"}, Message: "subprocess"},
		{RuleID: "gosec:G304", Severity: escarp.SeverityMedium, CWE: []string{"CWE-22"}, Message: "file path"},
		{RuleID: "gosec:G304", Severity: escarp.SeverityMedium, CWE: []string{"CWE-22"}, Message: "file path 2"},
	}}}}
	page := renderHTML(t, code)
	if strings.Contains(page, "OWASP API Security Top 10") || !strings.Contains(page, "Findings by CWE") {
		t.Error("a code-only report shows the OWASP API chart instead of a CWE chart")
	}
	if i, j := strings.Index(page, "<title>CWE-22: 2</title>"), strings.Index(page, "<title>CWE-78: 1</title>"); i < 0 || j < i {
		t.Errorf("CWE chart bars missing or out of order (%d, %d)", i, j)
	}
	if page := renderHTML(t, combined()); !strings.Contains(page, "OWASP API Security Top 10") {
		t.Error("an API report lost its OWASP chart")
	}
}

func TestHTMLOwnFixOnlyWhenDifferent(t *testing.T) {
	r := &escarp.Report{Runs: []*escarp.Run{{Engine: escarp.EngineCode, Findings: []escarp.Finding{
		{RuleID: "GO-2024-0001", Severity: escarp.SeverityHigh, Remediation: "Upgrade to v1.2.0.", Message: "a"},
		{RuleID: "GO-2024-0001", Severity: escarp.SeverityHigh, Remediation: "Upgrade to v1.2.0.", Message: "b"},
		{RuleID: "GO-2024-0001", Severity: escarp.SeverityHigh, Remediation: "Upgrade to v2.0.1.", Message: "c"},
	}}}}
	page := renderHTML(t, r)
	if n := strings.Count(page, "Upgrade to v1.2.0."); n != 1 {
		t.Errorf("shared fix shown %d times, want once", n)
	}
	if n := strings.Count(page, "Upgrade to v2.0.1."); n != 1 {
		t.Errorf("a finding's own fix shown %d times, want once", n)
	}
}

// TestHTMLInChromium opens a combined report in headless Chromium, takes a
// screenshot and checks the page a person sees: the top-risks table first,
// its links jumping to the findings, findings most severe first, the YAML
// example laid out with its indentation, and the severity filter working.
func TestHTMLInChromium(t *testing.T) {
	page := renderHTML(t, combined())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	defer srv.Close()
	ctx := browsertest.New(t, 2*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, filepath.Join(browsertest.ScreenshotDir(t), "report.png"))

	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').firstElementChild.id`))
	if err != nil || first != "top-risks" {
		t.Errorf("first element of main is %q (%v), want the top-risks table", first, err)
	}
	order, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#findings .rule')).map(r => r.dataset.sev)`))
	if err != nil || strings.Join(order, ",") != "critical,high,low" {
		t.Errorf("rule groups by severity on the page: %v (%v)", order, err)
	}
	// A jump link scrolls its rule into view.
	if err := chromedp.Do(ctx, chromedp.Click(`#top-risks a[href="#rule-2"]`)); err != nil {
		t.Fatal(err)
	}
	hash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash + ' ' + (Math.abs(document.getElementById('rule-2').getBoundingClientRect().top) < 5)`))
	if err != nil || hash != "#rule-2 true" {
		t.Errorf("after clicking the second top risk: %q (%v)", hash, err)
	}
	code, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-rule="ESC-AUTH-002"] .fix pre code').innerText`))
	if err != nil || !strings.Contains(code, "paths:\n  /orders:\n    post:") {
		t.Errorf("the fix example is not a code block with its indentation: %q (%v)", code, err)
	}
	// Unticking "Low" hides the low group.
	if err := chromedp.Do(ctx, chromedp.Click(`#filters input[value="low"]`)); err != nil {
		t.Fatal(err)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-rule="ESC-DATA-004"]').hidden`))
	if err != nil || !hidden {
		t.Errorf("the low rule group is still shown after unticking Low (%v)", err)
	}
}

func TestTextFixPrintsExamplePlainly(t *testing.T) {
	r := &escarp.Report{Runs: []*escarp.Run{{Engine: escarp.EngineAudit,
		Rules:    []escarp.RuleInfo{{ID: "ESC-AUTH-002", Title: "Write operation is not protected", Remediation: "Add a **security** requirement globally:\n\n    security:\n      - bearer: []"}},
		Findings: []escarp.Finding{{RuleID: "ESC-AUTH-002", Severity: escarp.SeverityHigh, Message: "POST /orders has **no** security"}}}}}
	var b bytes.Buffer
	if err := writeText(&b, r, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	want := "  Fix: Add a security requirement globally:\n\n           security:\n             - bearer: []\n"
	if !strings.Contains(out, want) {
		t.Errorf("text report fix:\n%s\nwant it to contain\n%s", out, want)
	}
	if strings.Contains(out, "**") {
		t.Errorf("Markdown printed raw:\n%s", out)
	}
}
