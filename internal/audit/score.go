package audit

import (
	"fmt"
	"math"
	"strings"

	"github.com/escarp/escarp"
)

// Theme is one of the nine areas the audit covers. Each rule belongs to
// exactly one.
type Theme string

// The themes, in report order.
const (
	ThemeAuthentication Theme = "authentication"
	ThemeAuthorization  Theme = "authorization"
	ThemeTransport      Theme = "transport"
	ThemeInput          Theme = "input validation"
	ThemeDataExposure   Theme = "data exposure"
	ThemeRateLimiting   Theme = "rate limiting"
	ThemeErrors         Theme = "errors"
	ThemeInventory      Theme = "inventory"
	ThemeSpecIntegrity  Theme = "spec integrity"
)

// ThemeInfo describes a theme: its rule-id prefix, and its weight in the
// overall score (the weights of the security themes add up to 30, those of
// the data themes to 70; spec integrity is not weighted).
type ThemeInfo struct {
	Theme  Theme
	Letter string // "A"
	Prefix string // "ESC-AUTH-"
	Bucket string // "security", "data" or "" (unscored)
	Weight int
}

// Themes lists every theme in report order.
var Themes = []ThemeInfo{
	{ThemeAuthentication, "A", "ESC-AUTH-", "security", 14},
	{ThemeAuthorization, "B", "ESC-AUTHZ-", "security", 8},
	{ThemeTransport, "C", "ESC-TLS-", "security", 8},
	{ThemeInput, "D", "ESC-INPUT-", "data", 32},
	{ThemeDataExposure, "E", "ESC-DATA-", "data", 16},
	{ThemeRateLimiting, "F", "ESC-RATE-", "data", 10},
	{ThemeErrors, "G", "ESC-ERR-", "data", 6},
	{ThemeInventory, "H", "ESC-INV-", "data", 6},
	{ThemeSpecIntegrity, "I", "ESC-SPEC-", "", 0},
}

func themeByName(t Theme) *ThemeInfo {
	for i := range Themes {
		if Themes[i].Theme == t {
			return &Themes[i]
		}
	}
	return nil
}

// severityWeight is what the first unsuppressed finding of a rule costs its
// theme's subscore, by the finding's severity.
var severityWeight = map[escarp.Severity]float64{
	escarp.SeverityCritical: 40,
	escarp.SeverityHigh:     30,
	escarp.SeverityMedium:   10,
	escarp.SeverityLow:      3,
	escarp.SeverityInfo:     0.5,
}

// spec-integrity cap: an audit of a document that breaks the OpenAPI
// specification is incomplete, so its score is capped.
const invalidCap = 50

// ScoreFormula is the published score formula, as it appears in every
// audit run (Run.Score.Formula) and in docs/audit.md.
const ScoreFormula = `Each theme starts at 100. Every rule with n > 0 unsuppressed findings takes away w × (1 + ½·log2 n) points from its theme, where w is the weight of the rule's most severe finding: critical 40, high 30, medium 10, low 3, info 0.5. The logarithm keeps one systemic gap (every string unbounded) from costing more than a few distinct flaws. A theme does not go below 0. The overall score (0–100) is the weighted mean of the theme subscores, with the weights of 42Crunch's split: security 30 (authentication 14, authorization 8, transport 8) and data 70 (input validation 32, data exposure 16, rate limiting 10, errors 6, inventory 6). Spec integrity (ESC-SPEC-*) is reported but not weighted; when it has an unsuppressed finding of high severity or above, the overall score is capped at 50 because the audit of a broken document is incomplete. Disabled rules and suppressed findings do not count; severity overrides from the configuration do.`

// Score computes the audit score of findings (see [ScoreFormula]). Keys of
// Themes are theme names plus "security" and "data" (each 0–100).
func Score(findings []escarp.Finding, rules []*Rule) *escarp.Score {
	theme := make(map[string]Theme, len(rules))
	for _, r := range rules {
		theme[r.ID] = r.Theme
	}
	type agg struct {
		n   int
		sev escarp.Severity
	}
	perRule := make(map[string]*agg)
	var order []string
	for i := range findings {
		f := &findings[i]
		if f.Suppressed != nil {
			continue
		}
		a := perRule[f.RuleID]
		if a == nil {
			a = &agg{sev: f.Severity}
			perRule[f.RuleID] = a
			order = append(order, f.RuleID)
		}
		a.n++
		if f.Severity > a.sev {
			a.sev = f.Severity
		}
	}
	deduct := make(map[Theme]float64)
	invalid := false
	for _, id := range order {
		a := perRule[id]
		t, ok := theme[id]
		if !ok {
			t = themeOfID(id)
		}
		if t == ThemeSpecIntegrity && a.sev >= escarp.SeverityHigh {
			invalid = true
		}
		deduct[t] += severityWeight[a.sev] * (1 + math.Log2(float64(a.n))/2)
	}
	s := &escarp.Score{Themes: make(map[string]int), Formula: ScoreFormula}
	var total, bucketSec, bucketData float64
	for _, ti := range Themes {
		sub := math.Max(0, 100-deduct[ti.Theme])
		s.Themes[string(ti.Theme)] = int(math.Round(sub))
		total += sub * float64(ti.Weight) / 100
		switch ti.Bucket {
		case "security":
			bucketSec += sub * float64(ti.Weight) / 30
		case "data":
			bucketData += sub * float64(ti.Weight) / 70
		}
	}
	s.Themes["security"] = int(math.Round(bucketSec))
	s.Themes["data"] = int(math.Round(bucketData))
	s.Overall = int(math.Round(total))
	if invalid && s.Overall > invalidCap {
		s.Overall = invalidCap
	}
	return s
}

// themeOfID guesses the theme of a rule that is not in the set (a finding
// carried over from elsewhere) from its id prefix.
func themeOfID(id string) Theme {
	best := ""
	var t Theme
	for _, ti := range Themes {
		if strings.HasPrefix(id, ti.Prefix) && len(ti.Prefix) > len(best) {
			best, t = ti.Prefix, ti.Theme
		}
	}
	return t
}

// FormatScore returns a one-line summary: "62/100 (security 45/100, data 69/100)".
func FormatScore(s *escarp.Score) string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf("%d/100 (security %d/100, data %d/100)", s.Overall, s.Themes["security"], s.Themes["data"])
}
