package detect

import (
	"fmt"
	"time"

	"github.com/escarp/escarp"
)

// Spec declares one detector. Exactly one of the three modes applies: a
// leaky bucket (Capacity, Leak), a learned Baseline, or a learned Audience.
type Spec struct {
	Rule escarp.RuleInfo
	// Keyspace the detector groups by; its state lives where that key
	// space's partition is consumed.
	Keyspace string
	// Filter selects the events the detector sees (nil: all with a key).
	Filter func(*Event) bool
	// GroupBy refines the key within the key space ("principal operation");
	// nil uses the key space's key. An empty result skips the event.
	GroupBy func(*Event) string
	// Distinct, when set, pours only values the bucket has not seen.
	Distinct func(*Event) string

	// Capacity is the bucket size: the alert fires when the level exceeds
	// it. Leak is the time one unit takes to leak out (0: never leaks).
	Capacity int
	Leak     time.Duration
	// Ratio, when set, also requires that fraction of the bucket's events
	// to satisfy Failing (failure ratio of a brute force).
	Ratio   float64
	Failing func(*Event) bool

	Baseline *Baseline
	Audience *Audience

	// CoolDown is how long an alert for one key silences the next.
	CoolDown time.Duration
	// Admit is how many events a key must show (in the count-min sketch)
	// before it gets exact state; default 2, 1 admits at once.
	Admit int
	// Catalogue marks detectors that judge calls against the known
	// operations (shadow, zombie): they run only when a spec or inventory
	// gave the monitor its operations.
	Catalogue bool
	// Describe writes the alert's message; nil uses a generic one.
	Describe func(*Alert) string
}

// Baseline learns the per-window value of each key and fires when the
// current window goes above Factor times the learned p90 (estimated from
// the EWMA mean and deviation: mean + 1.28σ), once Learn windows are known.
type Baseline struct {
	Window time.Duration
	Learn  int
	// Value is what one event adds to its window (nil: 1, a count).
	Value  func(*Event) float64
	Factor float64 // default 1.5
	Min    float64 // the window must also exceed this
	// MinDistinct requires that many distinct clients in the window (API
	// floods from many low-rate clients).
	MinDistinct int
	// Alpha is the EWMA weight of a new window (default 0.2).
	Alpha float64
}

// Audience learns, for Learn after the first event, which principals call
// each operation with success; afterwards a verified principal calling an
// operation outside its learned audience with success fires, when that
// audience is at most MaxShare of all principals seen.
type Audience struct {
	Learn    time.Duration
	MaxShare float64
}

// Check validates a spec.
func (s *Spec) Check() error {
	if s.Rule.ID == "" {
		return fmt.Errorf("detect: a detector has no rule id")
	}
	known := false
	for _, k := range Keyspaces {
		known = known || k == s.Keyspace
	}
	if !known {
		return fmt.Errorf("detect: %s: unknown key space %q", s.Rule.ID, s.Keyspace)
	}
	modes := 0
	if s.Baseline != nil {
		modes++
		if s.Baseline.Window <= 0 || s.Baseline.Learn <= 0 {
			return fmt.Errorf("detect: %s: a baseline needs a window and learning windows", s.Rule.ID)
		}
	}
	if s.Audience != nil {
		modes++
		if s.Audience.Learn <= 0 || s.Audience.MaxShare <= 0 {
			return fmt.Errorf("detect: %s: an audience needs a learning time and a share", s.Rule.ID)
		}
	}
	if modes > 1 {
		return fmt.Errorf("detect: %s: a detector has one mode", s.Rule.ID)
	}
	if modes == 0 && s.Capacity < 0 {
		return fmt.Errorf("detect: %s: negative capacity", s.Rule.ID)
	}
	if s.Ratio > 0 && s.Failing == nil {
		return fmt.Errorf("detect: %s: a ratio needs Failing", s.Rule.ID)
	}
	return nil
}

// Alert is one detector firing for one key.
type Alert struct {
	Rule      escarp.RuleInfo
	Keyspace  string
	Key       string
	Principal string // verified principal, when known
	ClientIP  string
	Operation string
	// First and Last bound the window the evidence covers.
	First, Last time.Time
	Count       int     // events in the bucket or window
	Distinct    int     // distinct values seen (estimate above the exact cap)
	Value       float64 // baseline: the window's value
	Expected    float64 // baseline: the threshold it crossed
	Approximate bool    // counted from sketches
	Samples     []string
	Message     string
}

func (a *Alert) defaultMessage() string {
	switch {
	case a.Expected > 0:
		return fmt.Sprintf("%s for %s %s: %.0f in the window against a learned threshold of %.1f", a.Rule.Title, a.Keyspace, a.Key, a.Value, a.Expected)
	case a.Distinct > 0:
		return fmt.Sprintf("%s for %s %s: %d distinct values in %d requests between %s and %s", a.Rule.Title, a.Keyspace, a.Key, a.Distinct, a.Count, a.First.Format(time.RFC3339), a.Last.Format(time.RFC3339))
	}
	return fmt.Sprintf("%s for %s %s: %d requests between %s and %s", a.Rule.Title, a.Keyspace, a.Key, a.Count, a.First.Format(time.RFC3339), a.Last.Format(time.RFC3339))
}
