package report

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/browsertest"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/threat"
)

// labThreatReport derives the lab's threat model, with one threat
// tracked, as `escarp threat` reports it.
func labThreatReport(t testing.TB) *escarp.Report {
	t.Helper()
	api, _, err := spec.LoadBytes(context.Background(), "openapi.yaml", lab.Spec(false), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := threat.Derive(threat.Input{APIs: []*escarp.API{api}, Now: t0,
		Track: func(f *escarp.Finding) *escarp.Tracking {
			if f.RuleID == "ESC-THREAT-I-001" && f.Location.Path == "/api/v2/webhooks/test" {
				return &escarp.Tracking{State: "in-progress", Ticket: "SEC-42", Owner: "platform", Reason: "allow-list under way"}
			}
			return nil
		}})
	return &escarp.Report{SchemaVersion: escarp.ReportSchemaVersion, Tool: escarp.Tool{Name: "escarp", Version: "test"},
		StartedAt: t0, FinishedAt: t0, Runs: []*escarp.Run{res.Run}, Ranking: res.Ranking, ThreatModel: res.Model}
}

func compileSchema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(sharedDir(t), "schemas", file)
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("%s not found (%v): skipping validation", file, err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource(file, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(file)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestModelFormatsValidate: the Threagile, Threat Dragon v2 and OTM files
// written from the lab's model validate against their published schemas.
func TestModelFormatsValidate(t *testing.T) {
	rep := labThreatReport(t)
	for _, tc := range []struct{ format, schema string }{
		{FormatThreagile, "threagile.schema.json"},
		{FormatThreatDragon, "threat-dragon-v2.schema.json"},
		{FormatOTM, "otm-0.2.0.schema.json"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			sch := compileSchema(t, tc.schema)
			f, err := LookupModel(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := f(&buf, rep); err != nil {
				t.Fatal(err)
			}
			var inst any
			if tc.format == FormatThreagile {
				var y any
				if err := yaml.Unmarshal(buf.Bytes(), &y); err != nil {
					t.Fatal(err)
				}
				js, err := json.Marshal(y)
				if err != nil {
					t.Fatal(err)
				}
				buf = *bytes.NewBuffer(js)
			}
			inst, err = jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("%s does not validate:\n%v", tc.format, err)
			}
			out := buf.String()
			for _, want := range []string{"ESC-THREAT-I-001", "/api/v2/tools/dns-lookup"} {
				if !strings.Contains(strings.ToUpper(out), strings.ToUpper(want)) {
					t.Errorf("%s lacks %q", tc.format, want)
				}
			}
			if tc.format == FormatThreagile && !strings.Contains(out, "SEC-42") {
				t.Errorf("threagile risk_tracking lacks the tracked threat's ticket")
			}
		})
	}
	// A report without a model is refused, clearly.
	if err := writeOTM(&bytes.Buffer{}, &escarp.Report{}); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("no model: %v", err)
	}
}

// TestParseModelOutput: model formats are recognised by prefix, others
// are left to ParseOutput.
func TestParseModelOutput(t *testing.T) {
	for spec, want := range map[string]string{"threagile:t.yaml": "threagile", "otm:m.otm.json": "otm", "ThreatDragon:x.json": "threatdragon",
		"mermaid:dfd.md": "mermaid", "cyclonedx:sbom.json": "cyclonedx", "sarif:x.json": "", "report.json": "", "http://x/y": ""} {
		o, ok, err := ParseModelOutput(spec)
		if err != nil || ok != (want != "") || o.Format != want {
			t.Errorf("ParseModelOutput(%q) = %+v, %v, %v; want %q", spec, o, ok, err, want)
		}
	}
	if _, _, err := ParseModelOutput("otm:"); err == nil {
		t.Error("otm: without a path is accepted")
	}
}

// TestMermaidAndMarkdown: the Mermaid diagram has every boundary as a
// subgraph; the Markdown report has the ranking.
func TestMermaidAndMarkdown(t *testing.T) {
	rep := labThreatReport(t)
	var m bytes.Buffer
	if err := writeMermaid(&m, rep); err != nil {
		t.Fatal(err)
	}
	for _, b := range rep.ThreatModel.Boundaries {
		if !strings.Contains(m.String(), "subgraph n_"+strings.ReplaceAll(b.ID, "-", "_")) {
			t.Errorf("mermaid lacks boundary %s", b.ID)
		}
	}
	var md bytes.Buffer
	if err := writeMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "### What to fix first") || !strings.Contains(md.String(), "| 1 | `"+rep.Ranking[0].Method+" "+rep.Ranking[0].Path+"`") {
		t.Errorf("markdown lacks the ranking:\n%.600s", md.String())
	}
}

// TestThreatHTMLInChromium renders the lab's threat report in headless
// Chromium: the ranking table in order, a 4×4 heat map whose counts add
// up to the threats, and a data-flow diagram with every asset.
func TestThreatHTMLInChromium(t *testing.T) {
	rep := labThreatReport(t)
	var page bytes.Buffer
	if err := writeHTML(&page, rep); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page.Bytes(), []byte("<script src")) || bytes.Contains(page.Bytes(), []byte("cdn")) {
		t.Fatal("the page loads something from elsewhere")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page.Bytes())
	}))
	defer srv.Close()
	ctx := browsertest.New(t, 60*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL), chromedp.WaitVisible("#ranking")); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#ranking tbody tr')).map(r => r.dataset.method + ' ' + r.dataset.path)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(rep.Ranking) || rows[0] != rep.Ranking[0].Method+" "+rep.Ranking[0].Path {
		t.Errorf("ranking rows: %d, first %q; want %d, first %s %s", len(rows), rows, len(rep.Ranking), rep.Ranking[0].Method, rep.Ranking[0].Path)
	}
	eval := func(js string) float64 {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](js))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cells := eval(`document.querySelectorAll('#heatmap g.cell').length`)
	total := eval(`Array.from(document.querySelectorAll('#heatmap g.cell')).reduce((n, c) => n + Number(c.dataset.count), 0)`)
	if cells != 16 || int(total) != len(rep.ThreatModel.Threats) {
		t.Errorf("heat map: %v cells counting %v threats; want 16 and %d", cells, total, len(rep.ThreatModel.Threats))
	}
	nodes := eval(`document.querySelectorAll('#dfd g.node').length`)
	width := eval(`document.querySelector('#dfd').getBoundingClientRect().width`)
	if int(nodes) != len(rep.ThreatModel.Assets) || width < 200 {
		t.Errorf("data-flow diagram: %v nodes (want %d), %.0f px wide", nodes, len(rep.ThreatModel.Assets), width)
	}
	browsertest.Screenshot(t, ctx, filepath.Join(browsertest.ScreenshotDir(t), "threat-report.png"))
}
