package gate

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/escarp/escarp"
)

// BaselineVersion is the version of the baseline file format.
const BaselineVersion = 1

// Baseline is the set of accepted findings per stage, by fingerprint. It is
// committed next to the config (.escarp/baseline.json) and holds nothing
// volatile: no timestamps, ids or ports, so that it changes only when the
// accepted findings do.
type Baseline struct {
	Version int `json:"version"`
	// Stages maps a stage name to its accepted findings, sorted by
	// fingerprint.
	Stages map[string][]Entry `json:"stages"`
}

// Entry is one accepted finding. Only Fingerprint matters for matching;
// the rest helps a reviewer read the file and the "fixed" list.
type Entry struct {
	Fingerprint string          `json:"fingerprint"`
	RuleID      string          `json:"ruleId"`
	Severity    escarp.Severity `json:"severity"`
	// Where is the operation ("GET /users/{id}"), JSON pointer or file.
	Where string `json:"where,omitempty"`
}

// NewBaseline returns an empty baseline.
func NewBaseline() *Baseline {
	return &Baseline{Version: BaselineVersion, Stages: map[string][]Entry{}}
}

// LoadBaseline reads a baseline file. A missing file is not an error: it
// returns nil and false.
func LoadBaseline(path string) (*Baseline, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, &escarp.Error{Op: "gate.LoadBaseline", Kind: escarp.Invalid, Message: "read " + path, Err: err}
	}
	var b Baseline
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, false, escarp.InvalidAt(escarp.Position{File: path, Line: 1}, "not a baseline file: %v", err)
	}
	if b.Version != BaselineVersion {
		return nil, false, escarp.InvalidAt(escarp.Position{File: path, Line: 1},
			"baseline version %d is not supported (want %d); recreate it with escarp baseline create", b.Version, BaselineVersion)
	}
	if b.Stages == nil {
		b.Stages = map[string][]Entry{}
	}
	return &b, true, nil
}

// Save writes the baseline to path, creating its directory.
func (b *Baseline) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return &escarp.Error{Op: "gate.Save", Kind: escarp.Invalid, Message: "create " + filepath.Dir(path), Err: err}
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the baseline: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return &escarp.Error{Op: "gate.Save", Kind: escarp.Invalid, Message: "write " + path, Err: err}
	}
	return nil
}

// Record replaces the accepted findings of run's stage with those of run:
// every finding except those suppressed in the spec or in the suppressions
// file (they are accepted for another reason, which may expire). Stages
// that are not recorded keep their entries.
func (b *Baseline) Record(run *escarp.Run) {
	if b.Stages == nil {
		b.Stages = map[string][]Entry{}
	}
	seen := map[string]bool{}
	entries := []Entry{}
	for i := range run.Findings {
		f := &run.Findings[i]
		if f.Suppressed != nil && f.Suppressed.Kind != KindBaseline {
			continue
		}
		fp := f.SetFingerprint()
		if seen[fp] {
			continue
		}
		seen[fp] = true
		entries = append(entries, Entry{Fingerprint: fp, RuleID: f.RuleID, Severity: f.Severity, Where: where(f)})
	}
	slices.SortFunc(entries, func(x, y Entry) int { return cmp.Compare(x.Fingerprint, y.Fingerprint) })
	b.Stages[stageOf(run)] = entries
}

// Contains reports whether the stage's accepted findings hold fp.
func (b *Baseline) Contains(stage, fp string) bool {
	if b == nil {
		return false
	}
	for _, e := range b.Stages[stage] {
		if e.Fingerprint == fp {
			return true
		}
	}
	return false
}

// stageOf names the stage of a run: its engine.
func stageOf(run *escarp.Run) string { return run.Engine }

// where says where a finding is, for people.
func where(f *escarp.Finding) string {
	l := f.Location
	switch {
	case l.Operation() != "":
		s := l.Operation()
		if l.Param != "" {
			s += " " + l.Param
		}
		return s
	case l.Pointer != "":
		return l.Pointer
	case l.File != "":
		if l.Line > 0 {
			return fmt.Sprintf("%s:%d", l.File, l.Line)
		}
		return l.File
	}
	return ""
}
