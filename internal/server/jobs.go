package server

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/bus"
	"github.com/escarp/escarp/internal/redact"
)

// Kind is a kind of job.
type Kind struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Runnable says a runner for the kind is registered on this node.
	Runnable bool `json:"runnable"`
}

// Kinds is the explicit list of job kinds; a node runs those it has a
// Runner for (cmd/escarp hands them over). Add a kind here and a runner
// there.
var Kinds = []Kind{
	{Name: "audit", Description: "static audit of the project's API description (escarp audit)"},
	{Name: "scan", Description: "DAST of the project's target with its identities (escarp scan)"},
	{Name: "code", Description: "SAST, SCA and secrets over the project's repository (escarp code)"},
	{Name: "discover", Description: "active discovery of the target's endpoints (escarp discover)"},
	{Name: "threat", Description: "threat model and risk ranking (escarp threat)"},
	{Name: "policy", Description: "policy packs over the project's APIs and findings (escarp policy)"},
}

func knownKind(name string) bool {
	return slices.ContainsFunc(Kinds, func(k Kind) bool { return k.Name == name })
}

// Runner runs one kind of job for a project and returns its run; a run
// with findings and an error is recorded as done with its notes.
type Runner interface {
	Run(ctx context.Context, p *escarp.Project) (*escarp.Run, error)
}

// RunnerFunc adapts a function to Runner.
type RunnerFunc func(ctx context.Context, p *escarp.Project) (*escarp.Run, error)

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, p *escarp.Project) (*escarp.Run, error) {
	return f(ctx, p)
}

// Bus carries job announcements between nodes (internal/bus: NATS
// JetStream with --bus). Jobs themselves live in the store, whose lease
// decides who runs one, so a redelivered announcement never runs a job
// twice and a lost one is still found by polling.
type Bus interface {
	Enqueue(ctx context.Context, kind string, data []byte) error
	Work(ctx context.Context, kind string, handle func(context.Context, *bus.Job) error) error
}

// Enqueue queues a job of kind for p and announces it.
func (s *Server) Enqueue(ctx context.Context, p *escarp.Project, kind, trigger string) (*escarp.Job, error) {
	if !knownKind(kind) {
		return nil, &escarp.Error{Op: "server.Enqueue", Kind: escarp.Invalid, Message: fmt.Sprintf("unknown job kind %q", kind)}
	}
	j := &escarp.Job{ProjectID: p.ID, Kind: kind, Trigger: trigger}
	if err := s.store.EnqueueJob(ctx, j); err != nil {
		return nil, err
	}
	if s.cfg.Bus != nil {
		if err := s.cfg.Bus.Enqueue(ctx, kind, []byte(j.ID)); err != nil {
			// The store holds the job; polling workers still find it.
			s.log.Warn("publishing a job", "job", j.ID, "err", err)
		}
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return j, nil
}

func (s *Server) runnableKinds() []string {
	var out []string
	for _, k := range Kinds {
		if s.cfg.Runners[k.Name] != nil {
			out = append(out, k.Name)
		}
	}
	return out
}

// work runs jobs until ctx ends: those the bus announces, and whatever
// the store holds queued or abandoned (an expired lease).
func (s *Server) work(ctx context.Context, name string) {
	kinds := s.runnableKinds()
	if len(kinds) == 0 {
		return
	}
	if s.cfg.Bus != nil {
		for _, k := range kinds {
			go func() {
				for ctx.Err() == nil {
					if err := s.cfg.Bus.Work(ctx, k, s.busHandler(name)); err != nil && ctx.Err() == nil {
						s.log.Warn("bus worker", "kind", k, "err", err)
						sleep(ctx, s.cfg.Poll)
					}
				}
			}()
		}
	}
	poll := time.NewTicker(s.cfg.Poll)
	defer poll.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-poll.C:
		}
		for ctx.Err() == nil {
			j, err := s.store.ClaimJob(ctx, "", kinds, name, time.Now().Add(s.cfg.Lease))
			if err != nil {
				s.log.Warn("claiming a job", "err", err)
				break
			}
			if j == nil {
				break
			}
			s.runJob(ctx, j, name, nil)
		}
	}
}

// busHandler runs the job a bus delivery names. A job another worker
// holds, or that is finished, is acknowledged without running; a job cut
// short by shutdown is handed back for redelivery.
func (s *Server) busHandler(name string) func(context.Context, *bus.Job) error {
	return func(ctx context.Context, d *bus.Job) error {
		j, err := s.store.ClaimJob(ctx, string(d.Data), nil, name, time.Now().Add(s.cfg.Lease))
		if err != nil {
			return err
		}
		if j == nil {
			return nil
		}
		s.runJob(ctx, j, name, d)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil
	}
}

// runJob runs a claimed job, keeping its lease, and records its result.
func (s *Server) runJob(ctx context.Context, j *escarp.Job, worker string, d *bus.Job) {
	s.metrics.running.Inc()
	defer s.metrics.running.Dec()
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(s.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-jctx.Done():
				return
			case <-t.C:
				ok, err := s.store.ExtendLease(jctx, j.ID, worker, time.Now().Add(s.cfg.Lease))
				if err == nil && !ok {
					cancel() // another worker took the job
					return
				}
				if d != nil {
					_ = d.InProgress()
				}
			}
		}
	}()
	p, err := s.store.Project(jctx, j.ProjectID)
	var run *escarp.Run
	if err == nil {
		run, err = s.cfg.Runners[j.Kind].Run(jctx, p)
	}
	if ctx.Err() != nil {
		// Shutting down: leave the job to be reclaimed once its lease
		// expires, rather than recording a half run.
		return
	}
	var sc *escarp.Scan
	var findings []escarp.Finding
	if run != nil {
		findings = run.Findings
		s.applyTriage(ctx, j.ProjectID, findings)
		sc = &escarp.Scan{Engine: run.Engine, Target: run.Target, Spec: run.Spec, StartedAt: run.StartedAt,
			FinishedAt: run.FinishedAt, Stats: run.Stats, Score: run.Score}
		if sc.Engine == "" {
			sc.Engine = j.Kind
		}
		j.State = escarp.JobDone
	}
	if err != nil {
		j.Error = redact.String(err.Error())
		if run == nil {
			j.State = escarp.JobFailed
		}
	}
	ok, ferr := s.store.FinishJob(ctx, j, sc, findings)
	if ferr != nil {
		s.log.Error("recording a job", "job", j.ID, "err", ferr)
		return
	}
	if !ok {
		s.log.Info("job already finished elsewhere", "job", j.ID)
		return
	}
	s.metrics.jobs.WithLabelValues(j.Kind, j.State).Inc()
	if s.cfg.Retention > 0 {
		if _, err := s.store.PruneEvidence(ctx, j.ProjectID, s.cfg.Retention); err != nil {
			s.log.Warn("retention", "project", j.ProjectID, "err", err)
		}
	}
}

// applyTriage marks findings the project's triage accepted (and not
// expired) or called false positives as suppressed, so counts and gates
// leave them out.
func (s *Server) applyTriage(ctx context.Context, projectID string, findings []escarp.Finding) {
	today := time.Now().UTC().Format(time.DateOnly)
	for i := range findings {
		f := &findings[i]
		f.SetFingerprint()
		t, err := s.store.Tracked(ctx, projectID, f.Fingerprint)
		if err != nil {
			continue
		}
		switch t.State {
		case escarp.TriageAccepted:
			if t.Expires != "" && t.Expires < today {
				continue
			}
		case escarp.TriageFalsePositive:
		default:
			continue
		}
		f.Suppressed = &escarp.Suppression{Kind: "triage", Reason: t.State + ": " + t.Reason, Owner: t.Owner}
	}
}

// cronParser accepts standard five-field cron, an optional leading seconds
// field and descriptors (@hourly, @every 5m).
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule checks a cron expression.
func ParseSchedule(expr string) (cron.Schedule, error) {
	sch, err := cronParser.Parse(expr)
	if err != nil {
		return nil, &escarp.Error{Op: "server.ParseSchedule", Kind: escarp.Invalid, Message: fmt.Sprintf("schedule %q: %v", expr, err)}
	}
	return sch, nil
}

// schedule fires project schedules: every node computes the same fire
// times, and the store's fire lease lets one node enqueue each.
func (s *Server) schedule(ctx context.Context) {
	last := time.Now()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		projects, err := s.store.ListProjects(ctx)
		if err != nil {
			s.log.Warn("scheduler", "err", err)
			continue
		}
		for _, p := range projects {
			if p.Schedule == "" {
				continue
			}
			sch, err := ParseSchedule(p.Schedule)
			if err != nil {
				continue
			}
			for at, n := sch.Next(last), 0; !at.After(now) && n < 100; at, n = sch.Next(at), n+1 {
				won, err := s.store.ClaimFire(ctx, p.ID, at, s.cfg.Node)
				if err != nil || !won {
					continue
				}
				s.metrics.fires.Inc()
				kinds := p.Jobs
				if len(kinds) == 0 {
					kinds = []string{"audit"}
				}
				for _, k := range kinds {
					if _, err := s.Enqueue(ctx, p, k, "schedule"); err != nil {
						s.log.Warn("scheduled job", "project", p.ID, "err", err)
					}
				}
			}
		}
		last = now
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
