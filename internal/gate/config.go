// Package gate decides whether a CI run passes: it compares the findings
// of each stage with a committed baseline, applies the suppressions kept in
// the repository, and checks each stage's thresholds (fail-on severity,
// minimum audit score, maximum new findings).
//
// The package is pure: it reads and writes the baseline and suppressions
// files, but runs no engine. cmd/escarp runs the stages and hands their
// [escarp.Run]s to [Decide].
package gate

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
)

// DefaultFailOn is the severity at which escarp ci fails when nothing else
// is configured.
const DefaultFailOn = escarp.SeverityHigh

// The stages escarp ci knows.
var knownStages = []string{escarp.EngineAudit, escarp.EngineScan, escarp.EngineCode, "inventory", escarp.EnginePolicy, escarp.EngineThreat, escarp.EngineMonitor}

// Thresholds are the limits of a stage. Nil and empty values inherit.
type Thresholds struct {
	// FailOn fails the stage when a new, unsuppressed finding reaches this
	// severity.
	FailOn string `yaml:"fail_on,omitempty"`
	// MinScore fails the stage when its score (the audit score) is below it.
	MinScore *int `yaml:"min_score,omitempty"`
	// MaxNew fails the stage when it has more new, unsuppressed findings
	// than this, whatever their severity.
	MaxNew *int `yaml:"max_new,omitempty"`
}

// Config is the ci section of escarp.yaml.
type Config struct {
	// Stages lists the stages to run, by name or with their own thresholds.
	// Empty means audit, plus scan when a target is configured.
	Stages []Stage `yaml:"stages,omitempty"`
	// Thresholds apply to every stage that does not override them.
	Thresholds `yaml:",inline"`
	// Baseline is the baseline file (default .escarp/baseline.json next to
	// the config file).
	Baseline string `yaml:"baseline,omitempty"`
	// Suppressions is the suppressions file (default
	// .escarp/suppressions.yaml next to the config file, when present).
	Suppressions string `yaml:"suppressions,omitempty"`
}

// Stage is one configured stage: a name and optional thresholds.
type Stage struct {
	Name       string `yaml:"name"`
	Thresholds `yaml:",inline"`
}

// UnmarshalYAML accepts a bare stage name or a mapping with a name and
// thresholds.
func (s *Stage) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s.Name = n.Value
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a stage is a name or a mapping with a name key", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i].Value; k {
		case "name", "fail_on", "min_score", "max_new":
		default:
			return fmt.Errorf("line %d: field %s not found in type gate.Stage", n.Content[i].Line, k)
		}
	}
	type plain Stage
	return n.Decode((*plain)(s))
}

// Validate checks stage names and thresholds.
func (c *Config) Validate() error {
	seen := map[string]bool{}
	for _, s := range c.Stages {
		if !known(s.Name) {
			return invalid("ci: unknown stage %q (want %s)", s.Name, strings.Join(knownStages, ", "))
		}
		if seen[s.Name] {
			return invalid("ci: stage %q is listed twice", s.Name)
		}
		seen[s.Name] = true
		if err := s.Thresholds.validate("ci.stages." + s.Name); err != nil {
			return err
		}
	}
	return c.Thresholds.validate("ci")
}

func known(name string) bool {
	for _, k := range knownStages {
		if k == name {
			return true
		}
	}
	return false
}

func (t Thresholds) validate(where string) error {
	if t.FailOn != "" {
		if _, err := escarp.ParseSeverity(t.FailOn); err != nil {
			return invalid("%s.fail_on: %v", where, err)
		}
	}
	if t.MinScore != nil && (*t.MinScore < 0 || *t.MinScore > 100) {
		return invalid("%s.min_score: %d is not between 0 and 100", where, *t.MinScore)
	}
	if t.MaxNew != nil && *t.MaxNew < 0 {
		return invalid("%s.max_new: %d is negative", where, *t.MaxNew)
	}
	return nil
}

// For returns the thresholds of the named stage: the stage's own, falling
// back to the section's, falling back to fail_on high.
func (c *Config) For(stage string) Limits {
	t := c.Thresholds
	for _, s := range c.Stages {
		if s.Name != stage {
			continue
		}
		if s.FailOn != "" {
			t.FailOn = s.FailOn
		}
		if s.MinScore != nil {
			t.MinScore = s.MinScore
		}
		if s.MaxNew != nil {
			t.MaxNew = s.MaxNew
		}
	}
	l := Limits{FailOn: DefaultFailOn, MinScore: -1, MaxNew: -1}
	if t.FailOn != "" {
		if sev, err := escarp.ParseSeverity(t.FailOn); err == nil {
			l.FailOn = sev
		}
	}
	if t.MinScore != nil {
		l.MinScore = *t.MinScore
	}
	if t.MaxNew != nil {
		l.MaxNew = *t.MaxNew
	}
	return l
}

// Limits are resolved thresholds. MinScore and MaxNew are -1 when unset.
type Limits struct {
	FailOn   escarp.Severity
	MinScore int
	MaxNew   int
}

// StageNames returns the configured stage names in order.
func (c *Config) StageNames() []string {
	out := make([]string, 0, len(c.Stages))
	for _, s := range c.Stages {
		out = append(out, s.Name)
	}
	return out
}

func invalid(format string, args ...any) error {
	return &escarp.Error{Op: "gate", Kind: escarp.Invalid, Message: fmt.Sprintf(format, args...)}
}
