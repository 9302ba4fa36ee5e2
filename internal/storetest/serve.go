package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

func testServeTokens(t *testing.T, s Store) {
	ctx := context.Background()
	tok := &escarp.APIToken{Name: "ci", Role: escarp.RoleEditor, Hash: "h1"}
	if err := s.PutToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.PutToken(ctx, &escarp.APIToken{Name: "dup", Role: escarp.RoleViewer, Hash: "h1"}); escarp.KindOf(err) != escarp.Conflict {
		t.Errorf("a second token with the same hash: %v, want a conflict", err)
	}
	got, err := s.TokenByHash(ctx, "h1")
	if err != nil || got.ID != tok.ID || got.Role != escarp.RoleEditor {
		t.Fatalf("TokenByHash = %+v, %v", got, err)
	}
	if _, err := s.TokenByHash(ctx, "' OR 1=1 --"); escarp.KindOf(err) != escarp.NotFound {
		t.Errorf("TokenByHash of a hostile value: %v, want not found", err)
	}
	se := &escarp.Session{Hash: "s1", TokenID: tok.ID, CSRF: "c1", ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.PutSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionByHash(ctx, "s1"); err != nil || got.CSRF != "c1" {
		t.Errorf("SessionByHash = %+v, %v", got, err)
	}
	if err := s.PutSession(ctx, &escarp.Session{Hash: "old", TokenID: tok.ID, CSRF: "c", ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByHash(ctx, "old"); escarp.KindOf(err) != escarp.NotFound {
		t.Errorf("an expired session was returned: %v", err)
	}
	if err := s.DeleteToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByHash(ctx, "s1"); escarp.KindOf(err) != escarp.NotFound {
		t.Errorf("a deleted token's session survives: %v", err)
	}
	if n, _ := s.CountTokens(ctx); n != 0 {
		t.Errorf("CountTokens = %d after deleting the only token", n)
	}
	if err := s.PutAudit(ctx, &escarp.AuditEntry{Actor: "admin", Action: "token.delete", Object: tok.ID}); err != nil {
		t.Fatal(err)
	}
	if es, n, err := s.ListAudit(ctx, 10, 0); err != nil || n != 1 || es[0].Actor != "admin" {
		t.Errorf("ListAudit = %v, %d, %v", es, n, err)
	}
}

func newProject(t *testing.T, s Store) *escarp.Project {
	t.Helper()
	p := &escarp.Project{Name: "lab", Target: "http://127.0.0.1:1", Jobs: []string{"scan"}}
	if err := s.PutProject(context.Background(), p, "secret"); err != nil {
		t.Fatal(err)
	}
	return p
}

// testServeJobs checks that concurrent workers claim each job once and that
// a job's result is recorded once, even after its lease expired and a
// second worker ran it too.
func testServeJobs(t *testing.T, s Store) {
	ctx := context.Background()
	p := newProject(t, s)
	if w, err := s.ProjectWebhook(ctx, p.ID); err != nil || w != "secret" {
		t.Errorf("ProjectWebhook = %q, %v", w, err)
	}
	if err := s.PutProject(ctx, &escarp.Project{Name: "lab"}, "x"); escarp.KindOf(err) != escarp.Conflict {
		t.Errorf("a second project named lab: %v, want a conflict", err)
	}
	if j, err := s.ClaimJob(ctx, "", []string{"audit"}, "w", time.Now().Add(time.Hour)); err != nil || j != nil {
		t.Errorf("ClaimJob of kind audit with none queued: %v, %v", j, err)
	}
	const jobs = 6
	for range jobs {
		if err := s.EnqueueJob(ctx, &escarp.Job{ProjectID: p.ID, Kind: "scan", Trigger: "manual"}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, err := s.ClaimJob(ctx, "", nil, string(rune('a'+w)), time.Now().Add(time.Hour))
				if err != nil {
					t.Error(err)
					return
				}
				if j == nil {
					return
				}
				mu.Lock()
				claimed[j.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != jobs {
		t.Fatalf("%d jobs claimed, want %d", len(claimed), jobs)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("job %s claimed %d times", id, n)
		}
	}
	list, total, err := s.ListJobs(ctx, p.ID, 0, 0)
	if err != nil || total != jobs {
		t.Fatalf("ListJobs: %d, %v", total, err)
	}
	seqs := map[int]bool{}
	for _, j := range list {
		seqs[j.Seq] = true
	}
	if len(seqs) != jobs {
		t.Errorf("job numbers are not distinct: %v", seqs)
	}

	// A job whose worker died: its lease expires and another worker
	// takes it; both finish, one result is kept.
	j := &escarp.Job{ProjectID: p.ID, Kind: "scan", Trigger: "manual"}
	if err := s.EnqueueJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	first, err := s.ClaimJob(ctx, j.ID, nil, "dead", time.Now().Add(-time.Second))
	if err != nil || first == nil {
		t.Fatalf("claim: %v, %v", first, err)
	}
	second, err := s.ClaimJob(ctx, j.ID, nil, "alive", time.Now().Add(time.Hour))
	if err != nil || second == nil || second.Attempts != 2 {
		t.Fatalf("reclaim of an expired lease: %+v, %v", second, err)
	}
	if ok, _ := s.ExtendLease(ctx, j.ID, "dead", time.Now().Add(time.Hour)); ok {
		t.Error("the dead worker extended a lease it lost")
	}
	for i, w := range []*escarp.Job{second, first} {
		w.State = escarp.JobDone
		sc := &escarp.Scan{Engine: escarp.EngineScan, StartedAt: t0, FinishedAt: t0}
		ok, err := s.FinishJob(ctx, w, sc, []escarp.Finding{finding("ESC-DAST-BOLA-001", escarp.SeverityHigh, "GET", "/a/{id}")})
		if err != nil {
			t.Fatal(err)
		}
		if ok != (i == 0) {
			t.Errorf("FinishJob #%d = %v", i+1, ok)
		}
	}
	scans, _, _ := s.FindScans(ctx, escarp.ScanFilter{})
	if len(scans) != 1 {
		t.Errorf("%d scans recorded for one job, want 1", len(scans))
	}
}

// testServeHistory runs three jobs: a finding appears, is fixed, comes
// back; triage survives the runs.
func testServeHistory(t *testing.T, s Store) {
	ctx := context.Background()
	p := newProject(t, s)
	a := finding("ESC-DAST-BOLA-001", escarp.SeverityHigh, "GET", "/a/{id}")
	b := finding("ESC-DAST-CONF-002", escarp.SeverityLow, "GET", "/b")
	run := func(fs ...escarp.Finding) *escarp.Job {
		t.Helper()
		j := &escarp.Job{ProjectID: p.ID, Kind: "scan", Trigger: "schedule"}
		if err := s.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimJob(ctx, j.ID, nil, "w", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		j.State = escarp.JobDone
		if ok, err := s.FinishJob(ctx, j, &escarp.Scan{Engine: escarp.EngineScan, StartedAt: t0, FinishedAt: t0}, fs); !ok || err != nil {
			t.Fatalf("FinishJob: %v, %v", ok, err)
		}
		return j
	}
	run(a, b)
	if err := s.SetTriage(ctx, p.ID, b.Fingerprint, escarp.Triage{State: escarp.TriageAccepted, Reason: "internal only", Expires: "2099-01-01"}, "alice"); err != nil {
		t.Fatal(err)
	}
	j2 := run(b)
	ta, _ := s.Tracked(ctx, p.ID, a.Fingerprint)
	if ta.FixedRun != j2.Seq || ta.State != escarp.TriageFixed {
		t.Errorf("after run 2, a = fixed in %d state %s; want fixed in %d", ta.FixedRun, ta.State, j2.Seq)
	}
	j3 := run(a, b)
	ta, _ = s.Tracked(ctx, p.ID, a.Fingerprint)
	if ta.FixedRun != 0 || ta.Reopened != 1 || ta.State != escarp.TriageOpen || ta.FirstRun != 1 || ta.LastRun != j3.Seq {
		t.Errorf("after run 3, a = %+v; want reopened once, open, first run 1, last run %d", ta, j3.Seq)
	}
	tb, _ := s.Tracked(ctx, p.ID, b.Fingerprint)
	if tb.State != escarp.TriageAccepted || tb.Reason != "internal only" || tb.UpdatedBy != "alice" {
		t.Errorf("b's triage did not survive: %+v", tb)
	}
	open, n, err := s.FindTracked(ctx, escarp.TrackedFilter{ProjectID: p.ID, State: escarp.TriageOpen})
	if err != nil || n != 1 || open[0].Fingerprint != a.Fingerprint {
		t.Errorf("open findings = %v, %d, %v", open, n, err)
	}
	pruned, err := s.PruneEvidence(ctx, p.ID, 1)
	if err != nil || pruned != 2 {
		t.Errorf("PruneEvidence keeping 1 of 3 runs pruned %d, %v", pruned, err)
	}
	_, kept, _ := s.FindFindings(ctx, escarp.FindingFilter{})
	if kept != 2 {
		t.Errorf("%d raw findings kept, want the last run's 2", kept)
	}
	if scans, _, _ := s.FindScans(ctx, escarp.ScanFilter{}); len(scans) != 3 || scans[2].Counts[escarp.SeverityHigh] != 1 {
		t.Errorf("scans (the aggregates) did not survive pruning: %d", len(scans))
	}
	if err := s.SetTriage(ctx, p.ID, "nope", escarp.Triage{State: escarp.TriageAccepted}, "x"); escarp.KindOf(err) != escarp.NotFound {
		t.Errorf("triage of an unknown fingerprint: %v", err)
	}
}

func testServeFires(t *testing.T, s Store) {
	ctx := context.Background()
	p := newProject(t, s)
	at := t0.Add(time.Minute)
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for n := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ClaimFire(ctx, p.ID, at, string(rune('a'+n)))
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d nodes won the same fire, want 1", wins)
	}
}
