package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

func TestGitLabReports(t *testing.T) {
	rep := fixture()
	// The fixture's secret is suppressed inline; unsuppress it so that
	// every report type has a vulnerability to carry.
	for _, run := range rep.Runs {
		for i := range run.Findings {
			if s := run.Findings[i].Suppressed; s != nil && s.Kind == "inline" {
				run.Findings[i].Suppressed = nil
			}
		}
	}
	want := map[string][]escarp.Kind{}
	for typ, kinds := range gitlabKinds {
		want[typ] = kinds
	}
	tests := []struct {
		format, typ string
	}{
		{FormatGitLabDAST, "dast"},
		{FormatGitLabSAST, "sast"},
		{FormatGitLabDependencyScanning, "dependency_scanning"},
		{FormatGitLabSecretDetection, "secret_detection"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out, err := ParseOutput(tt.format + ":gl-" + tt.typ + ".json")
			if err != nil || out.Format != tt.format {
				t.Fatalf("ParseOutput: %+v %v", out, err)
			}
			f, err := Lookup(tt.format)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := f(&buf, rep); err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if errs := ValidateGitLab(doc, tt.typ); len(errs) > 0 {
				t.Errorf("invalid %s report: %v\n%s", tt.typ, errs, buf.String())
			}
			// Every finding of the kinds the type carries is there, except
			// those suppressed by something other than the baseline.
			n := 0
			for _, run := range rep.Runs {
				for _, fi := range run.Findings {
					for _, k := range want[tt.typ] {
						if fi.Kind == k && (fi.Suppressed == nil || fi.Suppressed.Kind == "baseline") {
							n++
						}
					}
				}
			}
			vulns := doc["vulnerabilities"].([]any)
			if len(vulns) != n || n == 0 {
				t.Errorf("%d vulnerabilities, want %d (> 0)", len(vulns), n)
			}
			for _, v := range vulns {
				id := v.(map[string]any)["id"].(string)
				if len(id) != 36 || strings.Count(id, "-") != 4 {
					t.Errorf("id %q is not UUID-shaped", id)
				}
			}
		})
	}

	// Severity names and evidence of the DAST report; secrets an engine
	// forgot to redact never reach it.
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXNlY3JldA"
	for _, run := range rep.Runs {
		for i := range run.Findings {
			if ev := run.Findings[i].Evidence; ev != nil && ev.Request != nil {
				ev.Request.Header = map[string][]string{"Authorization": {"Bearer " + token}}
			}
		}
	}
	var buf bytes.Buffer
	f, _ := Lookup(FormatGitLabDAST)
	if err := f(&buf, rep); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{`"severity": "Critical"`, `"type": "cwe"`, `"status_code"`, `"hostname": "http`} {
		if !strings.Contains(s, want) {
			t.Errorf("DAST report lacks %s", want)
		}
	}
	if strings.Contains(s, token) || !strings.Contains(s, `"name": "Authorization"`) {
		t.Errorf("DAST report leaks the token or drops the header:\n%s", s)
	}
}

func TestGitLabSeverity(t *testing.T) {
	for sev, want := range map[escarp.Severity]string{escarp.SeverityCritical: "Critical", escarp.SeverityHigh: "High",
		escarp.SeverityMedium: "Medium", escarp.SeverityLow: "Low", escarp.SeverityInfo: "Info", escarp.Severity(9): "Unknown"} {
		if got := gitlabSeverity(sev); got != want {
			t.Errorf("%v: %q, want %q", sev, got, want)
		}
	}
}

func TestValidateGitLabRejects(t *testing.T) {
	doc := map[string]any{"version": "14.0.0", "scan": map[string]any{"type": "sast"},
		"vulnerabilities": []any{map[string]any{"id": "x", "severity": "severe", "location": map[string]any{}}}}
	errs := strings.Join(ValidateGitLab(doc, "dast"), "\n")
	for _, want := range []string{"want 15.x", "scan.analyzer", "scan.type", "severity", "identifiers: empty", "location.hostname"} {
		if !strings.Contains(errs, want) {
			t.Errorf("no error about %s in:\n%s", want, errs)
		}
	}
}
