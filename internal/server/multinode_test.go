package server_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/bus"
	"github.com/escarp/escarp/internal/bus/bustest"
	"github.com/escarp/escarp/internal/postgres"
	"github.com/escarp/escarp/internal/server"
	"github.com/escarp/escarp/internal/sqlstore"
)

var schemaSeq atomic.Int64

// pgSchema returns the test PostgreSQL and a fresh schema, or skips.
func pgSchema(t *testing.T) (string, string) {
	t.Helper()
	dsn := os.Getenv("ESCARP_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("ESCARP_TEST_POSTGRES not set: run ./test.sh to start PostgreSQL and run the PostgreSQL tests")
	}
	schema := fmt.Sprintf("escarp_serve_%d_%d", time.Now().UnixNano(), schemaSeq.Add(1))
	t.Cleanup(func() { _ = postgres.DropSchema(context.Background(), dsn, schema) })
	return dsn, schema
}

func openPG(t *testing.T, dsn, schema string) *sqlstore.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn, schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestScheduleFiresOnceAcrossNodes: two nodes on one PostgreSQL store and
// one NATS bus, a schedule every second, ten seconds: ten runs, not twenty.
func TestScheduleFiresOnceAcrossNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("ten seconds of schedule")
	}
	dsn, schema := pgSchema(t)
	nats := bustest.NewServer(t)
	var nodes []*server.Server
	var stores []*sqlstore.DB
	for i := range 2 {
		db := openPG(t, dsn, schema)
		srv, err := server.New(server.Config{Store: db, Bus: nats.Open(t, bus.Options{AckWait: 2 * time.Second}),
			Node: fmt.Sprintf("node%d", i), Workers: -1})
		if err != nil {
			t.Fatal(err)
		}
		nodes, stores = append(nodes, srv), append(stores, db)
	}
	p := &escarp.Project{Name: "every-second", Spec: "openapi.yaml", Schedule: "* * * * * *", Jobs: []string{"audit"}}
	if err := stores[0].PutProject(context.Background(), p, "w"); err != nil {
		t.Fatal(err)
	}
	// Start just after a second boundary and stop half way through the
	// tenth second after it: the window holds exactly ten fire times
	// (the scheduler ticks every 200ms, so the tenth is seen in time).
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 100*time.Millisecond)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second+400*time.Millisecond)
	done := make(chan struct{})
	for _, n := range nodes {
		go func() { n.Background(ctx); done <- struct{}{} }()
	}
	<-done
	<-done
	cancel()
	jobs, total, err := stores[1].ListJobs(context.Background(), p.ID, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fires, byNode0 int
	if err := stores[0].SQL().QueryRow(`SELECT COUNT(*), COUNT(*) FILTER (WHERE node = 'node0') FROM serve_fires`).Scan(&fires, &byNode0); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d runs from %d fires (node0 won %d, node1 %d)", total, fires, byNode0, fires-byNode0)
	if total != 10 {
		t.Errorf("%d runs in ten seconds of a schedule every second on two nodes, want 10", total)
	}
	if fires != total {
		t.Errorf("%d fires but %d runs", fires, total)
	}
	seen := map[int]bool{}
	for _, j := range jobs {
		if seen[j.Seq] || j.Trigger != "schedule" {
			t.Errorf("run %+v", j)
		}
		seen[j.Seq] = true
	}
}

// TestKilledWorkerLeavesOneResult: a worker process is killed (SIGKILL)
// in the middle of a job; NATS redelivers it and the store's lease hands
// it to a second worker, and the job has exactly one result.
func TestKilledWorkerLeavesOneResult(t *testing.T) {
	dsn, schema := pgSchema(t)
	nats := bustest.NewServer(t)
	db := openPG(t, dsn, schema)
	api, err := server.New(server.Config{Store: db, Bus: nats.Open(t, bus.Options{AckWait: 2 * time.Second}), Workers: -1, NoScheduler: true})
	if err != nil {
		t.Fatal(err)
	}
	p := &escarp.Project{Name: "kill", Target: "http://127.0.0.1:9", Spec: "openapi.yaml"}
	if err := db.PutProject(context.Background(), p, "w"); err != nil {
		t.Fatal(err)
	}

	// Worker 1, in its own process: it starts the job and hangs.
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$")
	cmd.Env = append(os.Environ(), "ESCARP_WORKER_HELPER=1", "ESCARP_WORKER_DSN="+dsn, "ESCARP_WORKER_SCHEMA="+schema, "ESCARP_WORKER_NATS="+nats.URL)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	started := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "STARTED "); ok {
				started <- id
			}
		}
	}()
	time.Sleep(500 * time.Millisecond) // the worker subscribes
	j, err := api.Enqueue(context.Background(), p, "scan", "manual")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-started:
		if id != j.ID {
			t.Fatalf("worker started %s, want %s", id, j.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the worker process did not start the job")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// Worker 2 finishes it.
	var runs atomic.Int32
	w2, err := server.New(server.Config{Store: openPG(t, dsn, schema), Bus: nats.Open(t, bus.Options{AckWait: 2 * time.Second}),
		Node: "w2", Workers: 1, NoScheduler: true, Lease: 2 * time.Second, Poll: 200 * time.Millisecond,
		Runners: map[string]server.Runner{"scan": server.RunnerFunc(func(ctx context.Context, p *escarp.Project) (*escarp.Run, error) {
			runs.Add(1)
			f := finding("ESC-DAST-BOLA-001", escarp.SeverityHigh, "/a/{id}")
			return &escarp.Run{Engine: escarp.EngineScan, StartedAt: time.Now(), FinishedAt: time.Now(), Findings: []escarp.Finding{f}}, nil
		})}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w2.Background(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	var got *escarp.Job
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got, err = db.Job(context.Background(), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == escarp.JobDone {
			break
		}
	}
	// Let redeliveries, if any, arrive and be refused.
	time.Sleep(3 * time.Second)
	got, _ = db.Job(context.Background(), j.ID)
	if got.State != escarp.JobDone || !strings.HasPrefix(got.Worker, "w2") || got.Attempts != 2 {
		t.Fatalf("job after the kill: %+v; want done by w2 on the second attempt", got)
	}
	scans, _, _ := db.FindScans(context.Background(), escarp.ScanFilter{})
	if len(scans) != 1 || runs.Load() != 1 {
		t.Errorf("%d results and %d runs on worker 2 for one job, want 1 and 1", len(scans), runs.Load())
	}
	t.Logf("job %s: attempts %d, finished by %s", got.ID, got.Attempts, got.Worker)
}

// TestWorkerProcess is the worker that TestKilledWorkerLeavesOneResult
// kills; it does nothing in a normal run.
func TestWorkerProcess(t *testing.T) {
	if os.Getenv("ESCARP_WORKER_HELPER") == "" {
		t.Skip("helper process for TestKilledWorkerLeavesOneResult")
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, os.Getenv("ESCARP_WORKER_DSN"), os.Getenv("ESCARP_WORKER_SCHEMA"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.OpenNATS(ctx, os.Getenv("ESCARP_WORKER_NATS"), bus.Options{AckWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: db, Bus: b, Node: "w1", Workers: 1, NoScheduler: true, Lease: 2 * time.Second, Poll: time.Hour,
		Runners: map[string]server.Runner{"scan": server.RunnerFunc(func(ctx context.Context, p *escarp.Project) (*escarp.Run, error) {
			jobs, _, _ := db.ListJobs(ctx, p.ID, 1, 0)
			fmt.Printf("STARTED %s\n", jobs[0].ID)
			<-ctx.Done() // hangs until killed
			return nil, ctx.Err()
		})}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Background(ctx)
}

func pgSchemaB(b *testing.B) (string, string) {
	dsn := os.Getenv("ESCARP_TEST_POSTGRES")
	if dsn == "" {
		b.Skip("ESCARP_TEST_POSTGRES not set")
	}
	schema := fmt.Sprintf("escarp_bench_%d_%d", time.Now().UnixNano(), schemaSeq.Add(1))
	b.Cleanup(func() { _ = postgres.DropSchema(context.Background(), dsn, schema) })
	return dsn, schema
}

func openPGB(b *testing.B, dsn, schema string) *sqlstore.DB {
	db, err := postgres.Open(context.Background(), dsn, schema)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}
