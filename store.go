package escarp

import (
	"context"
	"time"
)

// Scan is one recorded run of one engine: the history that trends,
// baselines and "new since last run" read.
type Scan struct {
	// ID is assigned by the store when empty.
	ID         string           `json:"id"`
	Engine     string           `json:"engine"`
	Target     string           `json:"target,omitempty"`
	Spec       string           `json:"spec,omitempty"`
	StartedAt  time.Time        `json:"startedAt"`
	FinishedAt time.Time        `json:"finishedAt"`
	Stats      map[string]int64 `json:"stats,omitempty"`
	// Counts holds unsuppressed findings per severity; the store fills it.
	Counts map[Severity]int `json:"counts,omitempty"`
	// Score is the audit score, when the engine computes one.
	Score *Score `json:"score,omitempty"`
}

// ScanFilter selects scans, newest first.
type ScanFilter struct {
	Engine string
	Target string
	Since  time.Time
	Limit  int // 0 means a default of 100
	Offset int
}

// FindingFilter selects stored findings.
type FindingFilter struct {
	ScanID      string
	Engine      string
	RuleID      string
	Fingerprint string
	MinSeverity Severity
	Limit       int // 0 means a default of 1000
	Offset      int
}

// FindingStore persists scans and the findings of every engine. It is
// implemented by internal/sqlite and internal/postgres.
type FindingStore interface {
	// PutScan records a scan and its findings in one transaction, filling
	// s.ID when empty and s.Counts.
	PutScan(ctx context.Context, s *Scan, findings []Finding) error
	// FindScans returns matching scans, newest first, and the total count.
	FindScans(ctx context.Context, f ScanFilter) ([]*Scan, int, error)
	// FindFindings returns matching findings, most severe first, and the
	// total count.
	FindFindings(ctx context.Context, f FindingFilter) ([]Finding, int, error)
	// FirstSeen returns when each fingerprint was first recorded.
	FirstSeen(ctx context.Context, fingerprints []string) (map[string]time.Time, error)
}
