// Package audittest runs audit rules over testdata specs whose expectations
// are written into them, in the style of go/analysis/analysistest.
//
// A line of a YAML spec that a rule must report carries a comment
//
//	type: integer # want "ESC-AUTHZ-001"
//
// (several quoted ids for several findings on one line). [Run] loads the
// spec with the real loader, runs the rule alone, and compares the lines
// of its findings in that file with the annotated lines, exactly, both
// ways: a missing finding and an unexpected one both fail the test.
package audittest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/specload"
)

var wantRE = regexp.MustCompile(`#\s*want((?:\s+"[^"]+")+)\s*$`)
var quoted = regexp.MustCompile(`"([^"]+)"`)

// Expectation is one expected finding: a rule id on a line.
type Expectation struct {
	Line int
	Rule string
}

// String formats e as "line N: RULE".
func (e Expectation) String() string { return fmt.Sprintf("line %d: %s", e.Line, e.Rule) }

// Wants parses the "# want" annotations of a spec.
func Wants(data []byte) []Expectation {
	var out []Expectation
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		m := wantRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		for _, q := range quoted.FindAllStringSubmatch(m[1], -1) {
			out = append(out, Expectation{Line: line, Rule: q[1]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

func less(a, b Expectation) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Rule < b.Rule
}

// Audit loads the spec at path and runs rules over it with cfg. When a
// sibling file NAME.previous.yaml exists for NAME.yaml, it is loaded as the
// previous version (ESC-INV-005).
func Audit(tb testing.TB, path string, rules []*audit.Rule, cfg audit.Config) *escarp.Run {
	tb.Helper()
	ctx := context.Background()
	in, _, err := specload.Load(ctx, path)
	if err != nil {
		tb.Fatalf("loading %s: %v", path, err)
	}
	prev := strings.TrimSuffix(path, ".yaml") + ".previous.yaml"
	if _, err := os.Stat(prev); err == nil {
		old, _, err := specload.Load(ctx, prev)
		if err != nil {
			tb.Fatalf("loading %s: %v", prev, err)
		}
		in.Previous = old.API
	}
	run, err := audit.RunInput(ctx, in, rules, cfg)
	if err != nil {
		tb.Fatalf("auditing %s: %v", path, err)
	}
	for _, n := range run.Notes {
		if strings.Contains(n, "panic") {
			tb.Errorf("auditing %s: %s", path, n)
		}
	}
	return run
}

// Run runs rule over the spec at path and checks its findings against the
// spec's "# want" annotations. Findings in other files (reached through a
// $ref) are compared too, against those files' annotations.
func Run(t *testing.T, path string, rule *audit.Rule) *escarp.Run {
	t.Helper()
	run := Audit(t, path, []*audit.Rule{rule}, audit.Config{})
	files := map[string]bool{filepath.Clean(path): true}
	var got []Expectation
	for _, f := range run.Findings {
		file := filepath.Clean(f.Location.File)
		if file == "." || file == "" {
			file = filepath.Clean(path)
		}
		files[file] = true
		got = append(got, Expectation{Line: f.Location.Line, Rule: f.RuleID})
	}
	var want []Expectation
	for file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("reading %s: %v", file, err)
		}
		for _, w := range Wants(data) {
			if file != filepath.Clean(path) {
				// Findings in other files are compared by line only.
				w.Rule += " (" + filepath.Base(file) + ")"
			}
			if w.Rule == rule.ID || strings.HasPrefix(w.Rule, rule.ID+" (") {
				want = append(want, w)
			}
		}
	}
	for i, f := range run.Findings {
		file := filepath.Clean(f.Location.File)
		if file != filepath.Clean(path) && file != "." && file != "" {
			got[i].Rule += " (" + filepath.Base(file) + ")"
		}
	}
	sort.Slice(got, func(i, j int) bool { return less(got[i], got[j]) })
	sort.Slice(want, func(i, j int) bool { return less(want[i], want[j]) })
	missing, extra := diff(want, got)
	for _, m := range missing {
		t.Errorf("%s: %s: expected finding not reported", path, m)
	}
	for _, e := range extra {
		msg := ""
		for _, f := range run.Findings {
			if f.Location.Line == e.Line {
				msg = f.Message + " [" + f.Location.Pointer + "]"
				break
			}
		}
		t.Errorf("%s: %s: unexpected finding: %s", path, e, msg)
	}
	return run
}

// diff returns the expectations in want but not got, and in got but not
// want, as multisets.
func diff(want, got []Expectation) (missing, extra []Expectation) {
	count := make(map[Expectation]int)
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		if count[g] > 0 {
			count[g]--
			continue
		}
		extra = append(extra, g)
	}
	for _, w := range want {
		if count[w] > 0 {
			count[w]--
			missing = append(missing, w)
		}
	}
	return missing, extra
}
