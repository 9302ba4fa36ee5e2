package lab

import (
	_ "embed"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/escarp/escarp"
)

// Flaw is one planted flaw of the vulnerable lab: the ground truth a
// scanner benchmark compares findings with. A flaw counts as found when a
// finding with one of Rules, or with OWASP as its category, is reported on
// the operation Method Path.
type Flaw struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// OWASP is the OWASP API Security Top 10 2023 id ("API1:2023").
	OWASP string `json:"owasp"`
	CWE   string `json:"cwe"`
	// Method and Path name the operation (path template as in the spec).
	Method string `json:"method"`
	Path   string `json:"path"`
	// Rules are the escarp rule ids expected to report the flaw.
	Rules []string `json:"rules"`
	// Documented is false for endpoints the spec does not describe.
	Documented bool `json:"documented"`
	// Hint is the lesson's nudge on the landing page.
	Hint string `json:"hint"`
}

//go:embed flaws.json
var flawsJSON []byte

var (
	flawsOnce sync.Once
	flaws     []Flaw
)

// Flaws returns the planted flaws (flaws.json), in lesson order.
func Flaws() []Flaw {
	flawsOnce.Do(func() {
		if err := json.Unmarshal(flawsJSON, &flaws); err != nil {
			panic("lab: flaws.json: " + err.Error())
		}
	})
	out := make([]Flaw, len(flaws))
	for i, f := range flaws {
		f.Rules = slices.Clone(f.Rules)
		out[i] = f
	}
	return out
}

// FoundIn reports whether findings report the flaw: a finding with one of
// its rule ids, or with its OWASP category, on its operation. This is the
// ground truth's definition of "found".
func (f Flaw) FoundIn(findings []escarp.Finding) bool {
	for _, x := range findings {
		if !strings.EqualFold(x.Location.Method, f.Method) || x.Location.Path != f.Path {
			continue
		}
		if x.OWASP == f.OWASP || slices.Contains(f.Rules, x.RuleID) {
			return true
		}
	}
	return false
}
