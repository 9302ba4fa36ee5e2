package escarp

import (
	"fmt"
	"strings"
)

// Severity ranks how bad a finding is. The zero value is [SeverityInfo].
type Severity int

// The severities, from least to most severe.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// Severities lists every severity from most to least severe.
var Severities = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

// String returns the lower-case name of s ("critical", "high", ...).
func (s Severity) String() string {
	if s < SeverityInfo || s > SeverityCritical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name, case-insensitively.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, s := range severityNames {
		if s == n {
			return Severity(i), nil
		}
	}
	return SeverityInfo, &Error{Op: "escarp.ParseSeverity", Kind: Invalid,
		Message: fmt.Sprintf("unknown severity %q (want critical, high, medium, low or info)", name)}
}

// SARIFLevel maps s to a SARIF result level: critical and high are "error",
// medium is "warning", low and info are "note".
func (s Severity) SARIFLevel() string {
	switch {
	case s >= SeverityHigh:
		return "error"
	case s == SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

// SecurityScore is the SARIF "security-severity" property of s, as GitHub code
// scanning reads it: critical 9.5, high 8.0, medium 5.5, low 3.0, info 0.0.
func (s Severity) SecurityScore() float64 {
	switch s {
	case SeverityCritical:
		return 9.5
	case SeverityHigh:
		return 8.0
	case SeverityMedium:
		return 5.5
	case SeverityLow:
		return 3.0
	default:
		return 0.0
	}
}

// MarshalText encodes s as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Confidence says how sure an engine is that a finding is real.
type Confidence int

// The confidences, from least to most certain. Engines set one explicitly.
const (
	ConfidenceLow Confidence = iota
	ConfidenceMedium
	ConfidenceHigh
	ConfidenceCertain
)

var confidenceNames = [...]string{"low", "medium", "high", "certain"}

// String returns the lower-case name of c.
func (c Confidence) String() string {
	if c < ConfidenceLow || c > ConfidenceCertain {
		return fmt.Sprintf("confidence(%d)", int(c))
	}
	return confidenceNames[c]
}

// ParseConfidence parses a confidence name, case-insensitively.
func ParseConfidence(name string) (Confidence, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, s := range confidenceNames {
		if s == n {
			return Confidence(i), nil
		}
	}
	return ConfidenceLow, &Error{Op: "escarp.ParseConfidence", Kind: Invalid,
		Message: fmt.Sprintf("unknown confidence %q (want certain, high, medium or low)", name)}
}

// MarshalText encodes c as its name.
func (c Confidence) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes a confidence name.
func (c *Confidence) UnmarshalText(b []byte) error {
	v, err := ParseConfidence(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
