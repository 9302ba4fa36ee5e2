package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// JUnit XML, as CI systems (GitLab, Jenkins, Azure DevOps) read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  *junitText      `xml:"system-out,omitempty"`
}

// junitText is element text written as CDATA, readable with its newlines.
type junitText struct {
	Text string `xml:",cdata"`
}

// newText returns s as element text, nil when empty, with the characters
// XML 1.0 forbids replaced.
func newText(s string) *junitText {
	if s == "" {
		return nil
	}
	return &junitText{Text: xmlSafe(s)}
}

// xmlSafe replaces the characters XML 1.0 does not allow with U+FFFD.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// writeJUnit writes one test suite per run and one test case per rule:
// rules that found nothing pass, rules with unsuppressed findings fail with
// the list of places they hit.
func writeJUnit(w io.Writer, r *escarp.Report) error {
	r = Prepare(r)
	doc := junitSuites{Name: "escarp", Time: seconds(r.StartedAt, r.FinishedAt)}
	for _, run := range r.Runs {
		s := junitSuite{
			Name:  "escarp " + run.Engine,
			Time:  seconds(run.StartedAt, run.FinishedAt),
			Cases: []junitCase{},
		}
		if !run.StartedAt.IsZero() {
			s.Timestamp = run.StartedAt.UTC().Format("2006-01-02T15:04:05")
		}
		for _, p := range []junitProperty{{"engine", run.Engine}, {"target", redactTarget(run.Target)}, {"spec", redactTarget(run.Spec)}} {
			if p.Value != "" {
				s.Properties = append(s.Properties, p)
			}
		}
		if run.Score != nil {
			s.Properties = append(s.Properties, junitProperty{"score", fmt.Sprint(run.Score.Overall)})
		}
		byRule := make(map[string][]escarp.Finding)
		for _, f := range run.Findings {
			byRule[f.RuleID] = append(byRule[f.RuleID], f)
		}
		for _, rule := range ruleTable(run) {
			s.Cases = append(s.Cases, junitRuleCase(run, rule, byRule[rule.ID]))
		}
		s.Tests = len(s.Cases)
		for _, c := range s.Cases {
			if c.Failure != nil {
				s.Failures++
			}
		}
		var out []string
		if run.Dropped > 0 {
			out = append(out, fmt.Sprintf("%s left out of this report to respect an output limit.", plural(run.Dropped, "finding")))
		}
		out = append(out, run.Notes...)
		s.SystemOut = newText(strings.Join(out, "\n"))
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Suites = append(doc.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode JUnit: %w", err)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitRuleCase(run *escarp.Run, rule escarp.RuleInfo, findings []escarp.Finding) junitCase {
	name := rule.ID
	if rule.Title != "" {
		name += ": " + rule.Title
	}
	c := junitCase{Name: name, Classname: "escarp." + run.Engine, Time: "0"}
	var open, suppressed []escarp.Finding
	worst := rule.Severity
	for _, f := range findings {
		if f.Suppressed != nil {
			suppressed = append(suppressed, f)
			continue
		}
		if len(open) == 0 || f.Severity > worst {
			worst = f.Severity
		}
		open = append(open, f)
	}
	if len(open) > 0 {
		var b strings.Builder
		for _, f := range open {
			fmt.Fprintf(&b, "[%s] %s", f.Severity, cmpOr(where(f.Location), "(no location)"))
			if f.Message != "" {
				fmt.Fprintf(&b, ": %s", f.Message)
			}
			b.WriteString("\n")
			if f.Reproducer != "" {
				fmt.Fprintf(&b, "    $ %s\n", f.Reproducer)
			}
		}
		if fix := firstParagraph(rule.Remediation); fix != "" {
			fmt.Fprintf(&b, "Fix: %s\n", fix)
		}
		c.Failure = &junitFailure{
			Message: fmt.Sprintf("%s (%s)", plural(len(open), "finding"), worst),
			Type:    worst.String(),
			Text:    xmlSafe(b.String()),
		}
	}
	if len(suppressed) > 0 {
		var b strings.Builder
		for _, f := range suppressed {
			fmt.Fprintf(&b, "suppressed (%s): %s\n", suppressionText(f.Suppressed), cmpOr(where(f.Location), "(no location)"))
		}
		c.SystemOut = newText(b.String())
	}
	return c
}

// seconds formats the duration between a and b in seconds, as JUnit wants.
func seconds(a, b time.Time) string {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return "0"
	}
	return fmt.Sprintf("%.3f", b.Sub(a).Seconds())
}
