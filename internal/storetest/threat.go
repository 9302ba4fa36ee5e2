package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

func testThreatModels(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.LatestThreatModel(ctx); escarp.KindOf(err) != escarp.NotFound {
		t.Fatalf("empty store: %v, want NotFound", err)
	}
	t0 := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	mk := func(id string, at time.Time, risk int) *escarp.ThreatModelRecord {
		return &escarp.ThreatModelRecord{ScanID: id, Created: at,
			Model:   &escarp.ThreatModel{Title: "shop " + id, Threats: []*escarp.Threat{{ID: "ESC-THREAT-E-001@GET /o/{id}", RuleID: "ESC-THREAT-E-001", Current: risk}}},
			Ranking: []escarp.RankedOperation{{Method: "GET", Path: "/o/{id}", Risk: risk, Threats: []string{"ESC-THREAT-E-001@GET /o/{id}"}}}}
	}
	old, cur := mk("s1", t0, 56), mk("s2", t0.Add(time.Hour), 75)
	for _, r := range []*escarp.ThreatModelRecord{cur, old} {
		if err := s.PutThreatModel(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LatestThreatModel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cur, got); diff != "" {
		t.Errorf("latest (-want +got):\n%s", diff)
	}
	// Replacing a scan's model keeps one record.
	cur.Ranking[0].Risk = 100
	if err := s.PutThreatModel(ctx, cur); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LatestThreatModel(ctx); err != nil || got.Ranking[0].Risk != 100 {
		t.Errorf("after replace: %+v, %v", got, err)
	}
	if err := s.PutThreatModel(ctx, &escarp.ThreatModelRecord{}); escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("empty record: %v, want Invalid", err)
	}
}
