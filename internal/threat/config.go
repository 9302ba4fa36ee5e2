package threat

import (
	"fmt"

	"github.com/escarp/escarp"
)

// DefaultMaxRisk is the risk (0–100) above which an added, untracked
// threat fails `escarp threat diff` and the ci threat stage: the top of
// Threagile's elevated band (likelihood × impact 8 of 16 is 50; 9 is 56).
const DefaultMaxRisk = 55

// Config is the threat section of escarp.yaml.
type Config struct {
	// Title names the model; empty takes the API's title.
	Title string `yaml:"title"`
	// Specs are more descriptions to model, relative to the config file.
	Specs []string `yaml:"specs"`
	// Findings are JSON reports whose findings are evidence.
	Findings []string `yaml:"findings"`
	// FailOn makes `escarp threat` exit 1 when an untracked threat's
	// severity reaches it.
	FailOn string `yaml:"fail_on"`
	// MaxRisk fails a diff when an added, untracked threat's current risk
	// exceeds it; nil means DefaultMaxRisk.
	MaxRisk *int `yaml:"max_risk"`
}

// Validate checks the values of c.
func (c *Config) Validate() error {
	if c.FailOn != "" {
		if _, err := escarp.ParseSeverity(c.FailOn); err != nil {
			return &escarp.Error{Op: "threat", Kind: escarp.Invalid, Message: "threat.fail_on: " + err.Error()}
		}
	}
	if c.MaxRisk != nil && (*c.MaxRisk < 0 || *c.MaxRisk > 100) {
		return &escarp.Error{Op: "threat", Kind: escarp.Invalid, Message: fmt.Sprintf("threat.max_risk %d: want 0 to 100", *c.MaxRisk)}
	}
	return nil
}

// Limit returns the maximum risk an added threat may have.
func (c *Config) Limit() int {
	if c.MaxRisk == nil {
		return DefaultMaxRisk
	}
	return *c.MaxRisk
}
