package audit

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// Config is the audit section of escarp.yaml. Rule ids may be given as
// escarp ids, Spectral OWASP or vacuum aliases, or id patterns ending in
// "*" ("ESC-INV-*").
//
//	audit:
//	  disable: [ESC-INV-008, "owasp:api4:2023-rate-limit"]
//	  severity: {ESC-INPUT-002: info}
//	  min_score: 60
//	  fail_on: high
//	  ignore:
//	    - rule: ESC-AUTH-003
//	      pointer: /paths/~1health/get
//	      reason: public health check
//	  previous: openapi.previous.yaml
type Config struct {
	// Disable lists rules that do not run.
	Disable []string `yaml:"disable,omitempty" json:"disable,omitempty"`
	// Severity overrides rules' severities: rule → critical|high|medium|low|info.
	Severity map[string]string `yaml:"severity,omitempty" json:"severity,omitempty"`
	// MinScore fails the audit (exit 1) when the score is below it; 0 means
	// no minimum.
	MinScore int `yaml:"min_score,omitempty" json:"min_score,omitempty"`
	// FailOn fails the audit (exit 1) when an unsuppressed finding reaches
	// this severity; empty means never.
	FailOn string `yaml:"fail_on,omitempty" json:"fail_on,omitempty"`
	// Ignore suppresses findings from the config file (Suppression Kind
	// "file"), for specs that cannot carry x-escarp-ignore.
	Ignore []Ignore `yaml:"ignore,omitempty" json:"ignore,omitempty"`
	// Previous is the previous version of the spec; ESC-INV-005 reports
	// breaking changes against it.
	Previous string `yaml:"previous,omitempty" json:"previous,omitempty"`
	// Bar, when set, receives a progress bar with an estimate of the time
	// left over the rules; the CLI sets it only on a terminal.
	Bar io.Writer `yaml:"-" json:"-"`
}

// Ignore suppresses the findings of a rule whose JSON pointer is Pointer
// or lies under it (a glob in path.Match syntax is allowed; empty matches
// everything), until Expires (YYYY-MM-DD) when set.
type Ignore struct {
	Rule    string `yaml:"rule" json:"rule"`
	Pointer string `yaml:"pointer,omitempty" json:"pointer,omitempty"`
	Reason  string `yaml:"reason,omitempty" json:"reason,omitempty"`
	Expires string `yaml:"expires,omitempty" json:"expires,omitempty"`
}

// resolved is a Config checked against a rule set.
type resolved struct {
	enabled  []*Rule
	severity map[string]escarp.Severity
	ignore   []Ignore // with canonical rule ids
}

// invalid returns an input error about the audit configuration.
func invalid(format string, args ...any) error {
	return &escarp.Error{Op: "audit.Config", Kind: escarp.Invalid, Message: fmt.Sprintf(format, args...)}
}

// Validate checks c against a rule set: every rule id, alias or pattern
// names at least one rule, and every severity is valid.
func (c Config) Validate(rules []*Rule) error {
	_, err := c.resolve(rules)
	return err
}

func (c Config) resolve(rules []*Rule) (*resolved, error) {
	r := &resolved{severity: make(map[string]escarp.Severity)}
	off := make(map[string]bool)
	for _, id := range c.Disable {
		m := match(rules, id)
		if len(m) == 0 {
			return nil, invalid("audit: disable: unknown rule %q", id)
		}
		for _, x := range m {
			off[x.ID] = true
		}
	}
	keys := make([]string, 0, len(c.Severity))
	for k := range c.Severity {
		keys = append(keys, k)
	}
	sort.Strings(keys) // exact ids after patterns would be nicer; sorted is deterministic
	for _, id := range keys {
		m := match(rules, id)
		if len(m) == 0 {
			return nil, invalid("audit: severity: unknown rule %q", id)
		}
		sev, err := escarp.ParseSeverity(c.Severity[id])
		if err != nil {
			return nil, invalid("audit: severity of %s: %v", id, err)
		}
		for _, x := range m {
			r.severity[x.ID] = sev
		}
	}
	if c.FailOn != "" {
		if _, err := escarp.ParseSeverity(c.FailOn); err != nil {
			return nil, invalid("audit: fail_on: %v", err)
		}
	}
	if c.MinScore < 0 || c.MinScore > 100 {
		return nil, invalid("audit: min_score %d is not between 0 and 100", c.MinScore)
	}
	for _, ig := range c.Ignore {
		m := match(rules, ig.Rule)
		if len(m) == 0 {
			return nil, invalid("audit: ignore: unknown rule %q", ig.Rule)
		}
		if ig.Expires != "" {
			if _, err := time.Parse("2006-01-02", ig.Expires); err != nil {
				return nil, invalid("audit: ignore: expires %q is not a YYYY-MM-DD date", ig.Expires)
			}
		}
		if _, err := path.Match(ig.Pointer, ""); err != nil {
			return nil, invalid("audit: ignore: bad pointer pattern %q: %v", ig.Pointer, err)
		}
		for _, x := range m {
			cp := ig
			cp.Rule = x.ID
			r.ignore = append(r.ignore, cp)
		}
	}
	for _, x := range rules {
		if !off[x.ID] {
			r.enabled = append(r.enabled, x)
		}
	}
	return r, nil
}

// Enabled returns the rules of the set that c does not disable.
func (c Config) Enabled(rules []*Rule) ([]*Rule, error) {
	r, err := c.resolve(rules)
	if err != nil {
		return nil, err
	}
	return r.enabled, nil
}

// ParseSeverityOverride parses a --severity flag value "RULE=SEVERITY".
func ParseSeverityOverride(s string) (rule, severity string, err error) {
	rule, severity, ok := strings.Cut(s, "=")
	rule, severity = strings.TrimSpace(rule), strings.TrimSpace(severity)
	if !ok || rule == "" || severity == "" {
		return "", "", invalid("--severity %q: want RULE=SEVERITY (ESC-INPUT-002=info)", s)
	}
	if _, err := escarp.ParseSeverity(severity); err != nil {
		return "", "", invalid("--severity %q: %v", s, err)
	}
	return rule, severity, nil
}

// Gate returns an error of Kind Threshold when run fails the audit's
// thresholds: an unsuppressed finding at or above failOn (when failOn is
// not empty), or a score below minScore (when minScore > 0).
func Gate(run *escarp.Run, failOn string, minScore int) error {
	if failOn != "" {
		sev, err := escarp.ParseSeverity(failOn)
		if err != nil {
			return invalid("--fail-on: %v", err)
		}
		n := 0
		for i := range run.Findings {
			if f := &run.Findings[i]; f.Suppressed == nil && f.Severity >= sev {
				n++
			}
		}
		if n > 0 {
			return &escarp.Error{Op: "audit", Kind: escarp.Threshold,
				Message: fmt.Sprintf("%d unsuppressed finding(s) at or above %s", n, sev)}
		}
	}
	if minScore > 0 && run.Score != nil && run.Score.Overall < minScore {
		return &escarp.Error{Op: "audit", Kind: escarp.Threshold,
			Message: fmt.Sprintf("audit score %d is below the minimum %d", run.Score.Overall, minScore)}
	}
	return nil
}
