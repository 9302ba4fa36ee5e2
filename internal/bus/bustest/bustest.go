// Package bustest starts an embedded NATS server with JetStream for tests
// and holds the conformance suite every [bus.Bus] implementation passes.
// Only tests import it, so ordinary binaries do not link nats-server.
package bustest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/escarp/escarp/internal/bus"
)

// Server is a running embedded NATS server.
type Server struct {
	*server.Server
	// URL is the nats://127.0.0.1:PORT address clients connect to.
	URL string
}

// NewServer starts nats-server on a random loopback port with JetStream
// storing in t.TempDir(), and shuts it down when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		JetStreamMaxMemory: 64 << 20, JetStreamMaxStore: 1 << 30,
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatalf("nats-server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("nats-server: not ready after 10s")
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return &Server{Server: s, URL: s.ClientURL()}
}

// Open connects a NATS bus to the server; it is closed when the test ends.
func (s *Server) Open(t testing.TB, opts bus.Options) *bus.NATS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bus.OpenNATS(ctx, s.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// Connect returns a new connection to one shared bus backend. Run calls it
// more than once to stand in for separate processes.
type Connect func(t *testing.T) bus.Bus

// Run is the conformance suite. The buses connect returns must use an
// AckWait of at most two seconds.
func Run(t *testing.T, connect Connect) {
	t.Run("JobsAckedOnce", func(t *testing.T) { jobsAckedOnce(t, connect) })
	t.Run("DeadWorkerRedelivered", func(t *testing.T) { deadWorker(t, connect) })
	t.Run("FailedJobRetried", func(t *testing.T) { failedJob(t, connect) })
	t.Run("EventsPartitioned", func(t *testing.T) { eventsPartitioned(t, connect) })
	t.Run("BadNames", func(t *testing.T) { badNames(t, connect) })
}

func jobsAckedOnce(t *testing.T, connect Connect) {
	const n = 60
	b := connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		if err := b.Enqueue(ctx, "once", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var done atomic.Int32
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	for range 3 {
		w := connect(t)
		wg.Go(func() {
			err := w.Work(wctx, "once", func(_ context.Context, j *bus.Job) error {
				mu.Lock()
				seen[string(j.Data)]++
				mu.Unlock()
				if done.Add(1) == n {
					stop()
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("timed out with %d of %d jobs done", done.Load(), n)
	}
	// Past AckWait, no acknowledged job may come back.
	time.Sleep(2500 * time.Millisecond)
	lctx, lstop := context.WithTimeout(ctx, 2*time.Second)
	defer lstop()
	if err := b.Work(lctx, "once", func(_ context.Context, j *bus.Job) error {
		t.Errorf("job %s (%s) delivered again after its ack", j.ID, j.Data)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("%d distinct jobs done, want %d", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("job %s done %d times", k, c)
		}
	}
}

func deadWorker(t *testing.T, connect Connect) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	producer := connect(t)
	if err := producer.Enqueue(ctx, "dies", []byte("payload")); err != nil {
		t.Fatal(err)
	}
	// Worker A takes the job and dies in the middle of it.
	a := connect(t)
	actx, kill := context.WithCancel(ctx)
	started := make(chan *bus.Job, 1)
	aDone := make(chan struct{})
	go func() {
		defer close(aDone)
		_ = a.Work(actx, "dies", func(c context.Context, j *bus.Job) error {
			started <- j
			<-c.Done() // never finishes on its own
			return c.Err()
		})
	}()
	var first *bus.Job
	select {
	case first = <-started:
	case <-ctx.Done():
		t.Fatal("worker A never got the job")
	}
	kill()
	<-aDone
	a.Close()

	// Worker B gets the same job after AckWait and finishes it.
	b := connect(t)
	var finished atomic.Int32
	var got *bus.Job
	bctx, bstop := context.WithCancel(ctx)
	go func() {
		time.Sleep(10 * time.Second)
		bstop()
	}()
	err := b.Work(bctx, "dies", func(_ context.Context, j *bus.Job) error {
		got = j
		finished.Add(1)
		go func() { time.Sleep(2500 * time.Millisecond); bstop() }() // watch for a second delivery
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("the dead worker's job was never redelivered")
	}
	if finished.Load() != 1 {
		t.Fatalf("job finished %d times, want once", finished.Load())
	}
	if got.ID != first.ID || string(got.Data) != "payload" || got.Attempt != 2 {
		t.Fatalf("redelivered job %+v, want id %s payload attempt 2", got, first.ID)
	}
}

func failedJob(t *testing.T, connect Connect) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := connect(t)
	if err := b.Enqueue(ctx, "retry", []byte("x")); err != nil {
		t.Fatal(err)
	}
	var attempts []int
	wctx, stop := context.WithCancel(ctx)
	err := b.Work(wctx, "retry", func(_ context.Context, j *bus.Job) error {
		attempts = append(attempts, j.Attempt)
		if j.Attempt < 3 {
			return fmt.Errorf("transient")
		}
		stop()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(attempts) != "[1 2 3]" {
		t.Fatalf("attempts %v, want [1 2 3]", attempts)
	}
}

func eventsPartitioned(t *testing.T, connect Connect) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub := connect(t)
	n := pub.Partitions()
	var even, odd []int
	for p := range n {
		if p%2 == 0 {
			even = append(even, p)
		} else {
			odd = append(odd, p)
		}
	}
	type got struct {
		mu   sync.Mutex
		keys map[string][]string // key -> data in order
	}
	const perKey, keys = 20, 30
	var total atomic.Int32
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	results := make([]*got, 2)
	var wg sync.WaitGroup
	ready := make(chan struct{}, 2)
	for i, parts := range [][]int{even, odd} {
		g := &got{keys: map[string][]string{}}
		results[i] = g
		c := connect(t)
		wg.Go(func() {
			ready <- struct{}{}
			err := c.Consume(cctx, bus.Subscription{Group: "conf", Keyspaces: []string{"principal"}, Partitions: parts}, func(e bus.Event) error {
				if !contains(parts, e.Partition) || e.Keyspace != "principal" {
					t.Errorf("event %s/%d delivered to a consumer of %v", e.Keyspace, e.Partition, parts)
				}
				key, seq, _ := cut(string(e.Data))
				if bus.Partition(key, n) != e.Partition {
					t.Errorf("key %s on partition %d, want %d", key, e.Partition, bus.Partition(key, n))
				}
				g.mu.Lock()
				g.keys[key] = append(g.keys[key], seq)
				g.mu.Unlock()
				if total.Add(1) == perKey*keys {
					stop()
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	<-ready
	<-ready
	time.Sleep(200 * time.Millisecond) // the in-process bus delivers only to running consumers
	for s := range perKey {
		for k := range keys {
			key := fmt.Sprintf("user-%d", k)
			if err := pub.Publish(ctx, "principal", key, fmt.Appendf(nil, "%s %03d", key, s)); err != nil {
				t.Fatal(err)
			}
		}
		// Another key space the consumers did not ask for.
		if err := pub.Publish(ctx, "client", "127.0.0.1", []byte("ignored 000")); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("timed out with %d of %d events", total.Load(), perKey*keys)
	}
	owner := map[string]int{}
	for i, g := range results {
		for k, seqs := range g.keys {
			if o, ok := owner[k]; ok {
				t.Errorf("key %s consumed by %d and %d", k, o, i)
			}
			owner[k] = i
			if len(seqs) != perKey || !sort.StringsAreSorted(seqs) {
				t.Errorf("key %s: %v, want %d events in order", k, seqs, perKey)
			}
		}
	}
	if len(owner) != keys {
		t.Errorf("%d keys consumed, want %d", len(owner), keys)
	}
}

func badNames(t *testing.T, connect Connect) {
	b := connect(t)
	ctx := context.Background()
	if err := b.Publish(ctx, "bad.space", "k", nil); err == nil {
		t.Error("Publish accepted a key space with a dot")
	}
	if err := b.Enqueue(ctx, "Bad Kind", nil); err == nil {
		t.Error("Enqueue accepted a kind with a space")
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func cut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
