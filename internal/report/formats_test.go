package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

// leaky returns a report whose engine forgot to redact: every secret below
// must be masked by every format.
func leaky() (*escarp.Report, []string) {
	const (
		jwt      = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.dGhpc2lzYXNpZ25hdHVyZQ"
		password = "hunter2-correct-horse"
		apiKey   = "k3y-9f8e7d6c5b4a"
		cookie   = "s3ss10n-abcdef123456"
		aws      = "AKIAIOSFODNN7EXAMPLE"
		ghToken  = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
		hdrKey   = "xk-live-0011223344"
		urlPass  = "p4ssw0rd-in-url"
	)
	r := fixture()
	f := escarp.Finding{
		RuleID: "ESC-DAST-AUTH-009", Title: "Token leak", Kind: escarp.KindDAST, Severity: escarp.SeverityHigh,
		Message: "The response echoes " + ghToken,
		Location: escarp.Location{File: "api/openapi.yaml", Line: 3, Method: "POST", Path: "/login",
			URL: "https://bob:" + urlPass + "@127.0.0.1:8080/login?api_key=" + apiKey, Snippet: "key = " + aws},
		Evidence: &escarp.Evidence{
			Request: &escarp.HTTPMessage{Method: "POST", URL: "http://127.0.0.1:8080/login?access_token=" + jwt,
				Header: map[string][]string{"Authorization": {"Bearer " + jwt}, "Cookie": {"session=" + cookie}, "X-Api-Key": {hdrKey}},
				Body:   `{"username":"alice","password":"` + password + `"}`},
			Response: &escarp.HTTPMessage{Status: 200, Header: map[string][]string{"Set-Cookie": {"session=" + cookie + "; HttpOnly"}},
				Body: `{"token":"` + jwt + `","note":"` + aws + `"}`},
			Note: "got " + jwt,
		},
		Reproducer: "curl -X POST 'http://127.0.0.1:8080/login?api_key=" + apiKey + "' -H 'Authorization: Bearer " + jwt +
			"' -H 'X-Api-Key: " + hdrKey + "' -H 'Cookie: session=" + cookie + "' --data-raw '{\"password\":\"" + password + "\"}'",
		Flows:      [][]escarp.Location{{{File: "a.go", Line: 1, Message: "token := \"" + ghToken + "\""}}},
		Properties: map[string]string{"token": apiKey, "identity": "alice"},
	}
	r.Runs[1].Findings = append(r.Runs[1].Findings, f)
	r.Runs[1].Target = "https://bob:" + urlPass + "@127.0.0.1:8080/?api_key=" + apiKey
	r.Runs[1].Notes = append(r.Runs[1].Notes, "identity alice used "+jwt)
	return r, []string{jwt, password, apiKey, cookie, aws, ghToken, hdrKey, urlPass}
}

func TestSecretsNeverReachOutput(t *testing.T) {
	for _, name := range Names() {
		r, secrets := leaky()
		out := string(render(t, Options{Color: true}, name, r))
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output contains the secret %q", name, s)
			}
		}
		// GitLab's SAST, dependency and secret reports do not carry the
		// leaky DAST finding, so they have nothing to mask.
		carries := !slices.Contains([]string{FormatGitLabSAST, FormatGitLabDependencyScanning, FormatGitLabSecretDetection}, name)
		if carries && !strings.Contains(out, "REDACTED") {
			t.Errorf("%s output has no REDACTED mask", name)
		}
	}
}

func TestReproducerKeepsVariables(t *testing.T) {
	in := `curl -i -X GET 'http://127.0.0.1:8080/users/17?api_key=$API_KEY' -H 'Authorization: Bearer $ALICE_TOKEN' -H 'X-Api-Key: $API_KEY'`
	if got := redactReproducer(in); got != in {
		t.Errorf("redactReproducer changed a reproducer with variables:\n got %s\nwant %s", got, in)
	}
}

func TestJUnitStructure(t *testing.T) {
	out := render(t, Options{}, FormatJUnit, fixture())
	// Well-formed: the decoder reads every token.
	dec := xml.NewDecoder(bytes.NewReader(out))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("JUnit is not well-formed XML: %v", err)
		}
	}
	var doc junitSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 3 {
		t.Fatalf("%d suites, want one per run (3)", len(doc.Suites))
	}
	type want struct {
		name            string
		tests, failures int
	}
	wants := []want{{"escarp audit", 3, 2}, {"escarp scan", 4, 3}, {"escarp code", 3, 2}}
	for i, w := range wants {
		s := doc.Suites[i]
		if s.Name != w.name || s.Tests != w.tests || s.Failures != w.failures || len(s.Cases) != w.tests {
			t.Errorf("suite %d = %s tests=%d failures=%d cases=%d; want %+v", i, s.Name, s.Tests, s.Failures, len(s.Cases), w)
		}
	}
	if doc.Tests != 10 || doc.Failures != 7 {
		t.Errorf("totals tests=%d failures=%d, want 10 and 7", doc.Tests, doc.Failures)
	}
	cases := map[string]junitCase{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases[strings.SplitN(c.Name, ":", 2)[0]] = c
		}
	}
	if c := cases["ESC-TLS-001"]; c.Failure != nil {
		t.Errorf("a rule without findings fails: %+v", c.Failure)
	}
	if c := cases["ESC-DAST-HDR-001"]; c.Failure != nil || c.SystemOut == nil || !strings.Contains(c.SystemOut.Text, "suppressed") {
		t.Errorf("a rule with only suppressed findings: %+v", c)
	}
	c := cases["ESC-AUTH-002"]
	if c.Failure == nil || c.Failure.Type != "high" || !strings.Contains(c.Failure.Text, "GET /users") || !strings.Contains(c.Failure.Text, "DELETE /users/{id}") {
		t.Errorf("ESC-AUTH-002 failure = %+v", c.Failure)
	}
}

func TestJUnitHostileText(t *testing.T) {
	r := fixture()
	r.Runs[0].Findings[0].Message = "bad ]]> end \x01 control <x/> & \"quote\""
	out := render(t, Options{}, FormatJUnit, r)
	var doc junitSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("JUnit with hostile text: %v", err)
	}
	var text string
	for _, c := range doc.Suites[0].Cases {
		if c.Failure != nil {
			text += c.Failure.Text
		}
	}
	if !strings.Contains(text, "bad ]]> end \uFFFD control <x/> & \"quote\"") {
		t.Errorf("failure text did not survive: %q", text)
	}
}

func TestHTMLSelfContainedAndEscaped(t *testing.T) {
	r := fixture()
	r.Runs[0].Findings[0].Message = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	r.Runs[0].Rules[1].Remediation = "Use `<b>` [docs](javascript:alert(3)) **now**"
	out := string(render(t, Options{}, FormatHTML, r))
	for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`, "<b>`"} {
		if strings.Contains(out, bad) {
			t.Errorf("HTML contains unescaped %q", bad)
		}
	}
	// No external assets: no src= anywhere, no stylesheet links, only the
	// one inline script.
	if regexp.MustCompile(`(?i)<[^>]*\ssrc\s*=`).MatchString(out) || strings.Contains(out, "<link") {
		t.Error("HTML loads an external asset")
	}
	if n := strings.Count(out, "<script"); n != 1 {
		t.Errorf("%d script elements, want 1 inline", n)
	}
	for _, want := range []string{"<svg", "Findings by severity", "OWASP", "data-sev=\"critical\"", "Reproduce", "How to fix", "<code>X-Content-Type-Options: nosniff</code>", "Audit score"} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	r := fixture()
	r.Runs[0].Findings[0].Message = "pipe | and <img src=x> and `tick` and *star*"
	r.Runs[1].Findings[1].Reproducer = "curl ```fence``` x"
	out := string(render(t, Options{}, FormatMarkdown, r))
	if strings.Contains(out, "<img") {
		t.Error("Markdown passes raw HTML through")
	}
	if !strings.Contains(out, `pipe \| and &lt;img src=x&gt; and \`+"`tick\\` and \\*star\\*") {
		t.Errorf("message not escaped:\n%s", out)
	}
	if !strings.Contains(out, "````sh\n  curl ```fence``` x\n  ````") {
		t.Error("a reproducer with a fence inside is not fenced longer")
	}
	for _, want := range []string{"| 🟥 Critical | 2 |", "**Audit score: 62/100**", "<details>"} {
		if !strings.Contains(out, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

func TestTextColor(t *testing.T) {
	plain := string(render(t, Options{}, FormatText, fixture()))
	if strings.Contains(plain, "\x1b[") {
		t.Error("text without Color has ANSI escapes")
	}
	colored := string(render(t, Options{Color: true}, FormatText, fixture()))
	if !strings.Contains(colored, "\x1b[") {
		t.Error("text with Color has no ANSI escapes")
	}
	if stripped := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(colored, ""); stripped != plain {
		t.Error("coloured text differs from plain text beyond the escapes")
	}
}

func TestEmptyReportEveryFormat(t *testing.T) {
	for _, name := range Names() {
		for _, r := range []*escarp.Report{nil, {}, {Runs: []*escarp.Run{{Engine: "scan"}}}} {
			out := render(t, Options{}, name, r)
			if len(out) == 0 {
				t.Errorf("%s of an empty report is empty", name)
			}
		}
	}
}

func TestMarkdownFitsAComment(t *testing.T) {
	r := manyFindings(3000)
	// One rule per finding, so the per-rule cap does not bound the size.
	for i := range r.Runs[0].Findings {
		r.Runs[0].Findings[i].RuleID = fmt.Sprintf("ESC-DAST-X-%04d", i)
		r.Runs[0].Findings[i].Reproducer = strings.Repeat("curl x ", 20)
	}
	out := string(render(t, Options{}, FormatMarkdown, r))
	if n := len(out); n > 65536 {
		t.Errorf("Markdown of 3,000 findings is %d bytes, more than a comment holds", n)
	}
	for _, want := range []string{"listed without details", "more (", "| 🟥 Critical | 600 |", "<details>"} {
		if !strings.Contains(out, want) {
			t.Errorf("a cut-short Markdown report lacks %q", want)
		}
	}
}
