package gate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/yamllimit"
)

// The suppression kinds the gate sets on findings ([escarp.Suppression.Kind]).
const (
	KindFile     = "file"     // matched a suppression in the suppressions file
	KindBaseline = "baseline" // accepted in the baseline
)

// Suppression is one entry of the suppressions file. It matches a finding
// by Fingerprint, or by Rule together with Operation ("GET /users/{id}")
// or Pointer (the JSON pointer, or a pointer it lies under). Reason is
// required; Expires (YYYY-MM-DD) ends it: from that day on it no longer
// suppresses and is reported as expired.
type Suppression struct {
	Fingerprint string `yaml:"fingerprint,omitempty" json:"fingerprint,omitempty"`
	Rule        string `yaml:"rule,omitempty" json:"rule,omitempty"`
	Operation   string `yaml:"operation,omitempty" json:"operation,omitempty"`
	Pointer     string `yaml:"pointer,omitempty" json:"pointer,omitempty"`
	// Stage limits the suppression to one stage (audit, scan...).
	Stage   string `yaml:"stage,omitempty" json:"stage,omitempty"`
	Reason  string `yaml:"reason" json:"reason"`
	Owner   string `yaml:"owner,omitempty" json:"owner,omitempty"`
	Expires string `yaml:"expires,omitempty" json:"expires,omitempty"`
	// State is what was decided: accepted (the default), false-positive,
	// mitigated or in-progress (a threat being worked on, a policy waiver
	// under way).
	State string `yaml:"state,omitempty" json:"state,omitempty"`
	// Ticket links the entry to the tracker that follows it up.
	Ticket string `yaml:"ticket,omitempty" json:"ticket,omitempty"`

	// Line is the line of the entry in its file.
	Line    int       `yaml:"-" json:"line,omitempty"`
	expires time.Time // zero: never
}

// The states of a suppression entry.
const (
	StateAccepted      = "accepted"       // the risk is accepted (the default)
	StateFalsePositive = "false-positive" // the finding is wrong
	StateMitigated     = "mitigated"      // a control outside what escarp sees handles it
	StateInProgress    = "in-progress"    // being fixed; tracked by Ticket
)

// Suppressions is a parsed suppressions file.
type Suppressions struct {
	Path    string
	Entries []Suppression
}

type suppressionsFile struct {
	Suppressions []yaml.Node `yaml:"suppressions"`
}

// LoadSuppressions reads a suppressions file. A missing file gives an empty
// set when optional is true, and an error otherwise.
func LoadSuppressions(path string, optional bool) (*Suppressions, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && optional {
		return &Suppressions{Path: path}, nil
	}
	if err != nil {
		return nil, &escarp.Error{Op: "gate.LoadSuppressions", Kind: escarp.Invalid, Message: "read " + path, Err: err}
	}
	return ParseSuppressions(path, data)
}

// ParseSuppressions parses the YAML of a suppressions file:
//
//	suppressions:
//	  - rule: ESC-TLS-001
//	    pointer: /servers/0/url
//	    reason: the lab listens on loopback only
//	    owner: platform-team
//	    expires: 2027-01-31
//
// Errors name the file and line.
func ParseSuppressions(path string, data []byte) (*Suppressions, error) {
	var tree yaml.Node
	if err := yaml.Unmarshal(data, &tree); err == nil {
		if err := yamllimit.Check(path, &tree); err != nil {
			return nil, err
		}
	}
	var f suppressionsFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, escarp.InvalidAt(escarp.Position{File: path, Line: 1}, "%v", err)
	}
	s := &Suppressions{Path: path}
	for i := range f.Suppressions {
		n := &f.Suppressions[i]
		pos := escarp.Position{File: path, Line: n.Line, Column: n.Column}
		var e Suppression
		if n.Kind != yaml.MappingNode {
			return nil, escarp.InvalidAt(pos, "a suppression is a mapping with reason: and fingerprint: or rule:")
		}
		for j := 0; j+1 < len(n.Content); j += 2 {
			switch k := n.Content[j].Value; k {
			case "fingerprint", "rule", "operation", "pointer", "stage", "reason", "owner", "expires", "state", "ticket":
			default:
				return nil, escarp.InvalidAt(escarp.Position{File: path, Line: n.Content[j].Line, Column: n.Content[j].Column},
					"unknown field %q (want fingerprint, rule, operation, pointer, stage, reason, owner, expires, state, ticket)", k)
			}
		}
		if err := n.Decode(&e); err != nil {
			return nil, escarp.InvalidAt(pos, "%v", err)
		}
		e.Line = n.Line
		switch {
		case strings.TrimSpace(e.Reason) == "":
			return nil, escarp.InvalidAt(pos, "suppression without a reason: every suppression must say why")
		case e.Fingerprint == "" && e.Rule == "":
			return nil, escarp.InvalidAt(pos, "suppression matches nothing: give fingerprint:, or rule: with operation: or pointer:")
		case e.Fingerprint == "" && e.Operation == "" && e.Pointer == "":
			return nil, escarp.InvalidAt(pos, "rule %s alone would suppress it everywhere: add operation: or pointer:, or use fingerprint:", e.Rule)
		}
		switch e.State {
		case "":
			e.State = StateAccepted
		case StateAccepted, StateFalsePositive, StateMitigated, StateInProgress:
		default:
			return nil, escarp.InvalidAt(pos, "state %q: want accepted, false-positive, mitigated or in-progress", e.State)
		}
		if e.Stage != "" && !slices.Contains(knownStages, e.Stage) {
			return nil, escarp.InvalidAt(pos, "stage %q: want one of %s", e.Stage, strings.Join(knownStages, ", "))
		}
		if e.Operation != "" {
			method, p, ok := strings.Cut(strings.TrimSpace(e.Operation), " ")
			if !ok || !strings.HasPrefix(strings.TrimSpace(p), "/") {
				return nil, escarp.InvalidAt(pos, "operation %q: want METHOD /path, e.g. \"GET /users/{id}\"", e.Operation)
			}
			e.Operation = strings.ToUpper(method) + " " + strings.TrimSpace(p)
		}
		if e.Expires != "" {
			t, err := time.Parse(time.DateOnly, e.Expires)
			if err != nil {
				return nil, escarp.InvalidAt(pos, "expires %q: want a date as YYYY-MM-DD", e.Expires)
			}
			e.expires = t
		}
		s.Entries = append(s.Entries, e)
	}
	return s, nil
}

// Expired reports whether e no longer suppresses on day now: the expiry
// date is the first day it no longer applies.
func (e *Suppression) Expired(now time.Time) bool {
	if e.expires.IsZero() {
		return false
	}
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return !today.Before(e.expires)
}

// Matches reports whether e matches f found in stage.
func (e *Suppression) Matches(stage string, f *escarp.Finding) bool {
	if e.Stage != "" && e.Stage != stage {
		return false
	}
	if e.Fingerprint != "" {
		return f.SetFingerprint() == e.Fingerprint
	}
	if e.Rule != f.RuleID {
		return false
	}
	if e.Operation != "" && e.Operation != f.Location.Operation() {
		return false
	}
	if e.Pointer != "" {
		p := f.Location.Pointer
		if p != e.Pointer && !strings.HasPrefix(p, strings.TrimSuffix(e.Pointer, "/")+"/") {
			return false
		}
	}
	return true
}

// String names the suppression for people: file:line and what it matches.
func (e *Suppression) String() string {
	what := e.Fingerprint
	if what == "" {
		what = e.Rule
		if e.Operation != "" {
			what += " at " + e.Operation
		}
		if e.Pointer != "" {
			what += " at " + e.Pointer
		}
	}
	s := what
	if e.Expires != "" {
		s += fmt.Sprintf(" (expires %s)", e.Expires)
	}
	return s
}
