package bus

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Memory is the in-process bus. Events reach only consumers running when
// they are published (nothing is retained); jobs wait in memory until a
// worker acknowledges them.
type Memory struct {
	opts Options

	mu     sync.Mutex
	closed bool
	done   chan struct{}
	subs   map[string][]*memSub // by group
	jobs   map[string]*memQueue // by kind
	nextID uint64
}

type memSub struct {
	sub Subscription
	ch  chan Event
}

type memQueue struct {
	jobs   []*memJob
	notify chan struct{} // closed and replaced when a job becomes available
}

type memJob struct {
	id       string
	data     []byte
	attempts int
	leased   bool
	deadline time.Time // lease expiry
	token    int       // bumped per lease, so a late ack of an expired lease is ignored
}

// NewMemory returns an in-process bus.
func NewMemory(opts Options) *Memory {
	return &Memory{opts: opts.withDefaults(), done: make(chan struct{}),
		subs: map[string][]*memSub{}, jobs: map[string]*memQueue{}}
}

// Partitions implements [Bus].
func (m *Memory) Partitions() int { return m.opts.Partitions }

// Publish implements [Bus]. It blocks while a consumer's buffer is full.
func (m *Memory) Publish(ctx context.Context, keyspace, key string, data []byte) error {
	if err := checkName("key space", keyspace); err != nil {
		return err
	}
	p := Partition(key, m.opts.Partitions)
	ev := Event{Keyspace: keyspace, Partition: p, Data: append([]byte(nil), data...)}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	var targets []*memSub
	for _, group := range m.subs {
		var want []*memSub
		for _, s := range group {
			if s.sub.wants(keyspace, p) {
				want = append(want, s)
			}
		}
		if len(want) > 0 {
			targets = append(targets, want[p%len(want)])
		}
	}
	m.mu.Unlock()
	for _, s := range targets {
		select {
		case s.ch <- ev:
		case <-ctx.Done():
			return ctx.Err()
		case <-m.done:
			return ErrClosed
		}
	}
	return nil
}

// Consume implements [Bus].
func (m *Memory) Consume(ctx context.Context, sub Subscription, handle func(Event) error) error {
	if err := checkName("group", sub.Group); err != nil {
		return err
	}
	s := &memSub{sub: sub, ch: make(chan Event, 4096)}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	m.subs[sub.Group] = append(m.subs[sub.Group], s)
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		g := m.subs[sub.Group]
		for i, x := range g {
			if x == s {
				m.subs[sub.Group] = append(g[:i:i], g[i+1:]...)
				break
			}
		}
		m.mu.Unlock()
	}()
	for {
		select {
		case ev := <-s.ch:
			if err := handle(ev); err != nil {
				return fmt.Errorf("bus: event handler: %w", err)
			}
		case <-ctx.Done():
			return nil
		case <-m.done:
			return nil
		}
	}
}

func (m *Memory) queue(kind string) *memQueue {
	q := m.jobs[kind]
	if q == nil {
		q = &memQueue{notify: make(chan struct{})}
		m.jobs[kind] = q
	}
	return q
}

func (q *memQueue) wake() {
	close(q.notify)
	q.notify = make(chan struct{})
}

// Enqueue implements [Bus].
func (m *Memory) Enqueue(ctx context.Context, kind string, data []byte) error {
	if err := checkName("job kind", kind); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.nextID++
	q := m.queue(kind)
	q.jobs = append(q.jobs, &memJob{id: strconv.FormatUint(m.nextID, 10), data: append([]byte(nil), data...)})
	q.wake()
	return nil
}

// lease takes the next available job of kind, waiting for one.
func (m *Memory) lease(ctx context.Context, kind string) (*memJob, int, error) {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, 0, ErrClosed
		}
		q := m.queue(kind)
		now := time.Now()
		var next time.Time
		for i := 0; i < len(q.jobs); i++ {
			j := q.jobs[i]
			if j.leased && now.Before(j.deadline) {
				if next.IsZero() || j.deadline.Before(next) {
					next = j.deadline
				}
				continue
			}
			if j.attempts >= m.opts.MaxDeliver {
				q.jobs = append(q.jobs[:i], q.jobs[i+1:]...)
				i--
				continue
			}
			j.leased, j.deadline = true, now.Add(m.opts.AckWait)
			j.attempts++
			j.token++
			token := j.token
			m.mu.Unlock()
			return j, token, nil
		}
		notify := q.notify
		m.mu.Unlock()
		var timer <-chan time.Time
		var t *time.Timer
		if !next.IsZero() {
			t = time.NewTimer(time.Until(next) + time.Millisecond)
			timer = t.C
		}
		var err error
		select {
		case <-notify:
		case <-timer:
		case <-ctx.Done():
			err = ctx.Err()
		case <-m.done:
			err = ErrClosed
		}
		if t != nil {
			t.Stop()
		}
		if err != nil {
			return nil, 0, err
		}
	}
}

// settle acknowledges (ack) or hands back the job, if its lease is still
// the one given out.
func (m *Memory) settle(kind string, j *memJob, token int, ack bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queue(kind)
	if j.token != token {
		return
	}
	if ack {
		for i, x := range q.jobs {
			if x == j {
				q.jobs = append(q.jobs[:i], q.jobs[i+1:]...)
				break
			}
		}
		return
	}
	j.leased = false
	q.wake()
}

// Work implements [Bus].
func (m *Memory) Work(ctx context.Context, kind string, handle func(context.Context, *Job) error) error {
	if err := checkName("job kind", kind); err != nil {
		return err
	}
	for {
		j, token, err := m.lease(ctx, kind)
		if err != nil {
			if ctx.Err() != nil || err == ErrClosed {
				return nil
			}
			return err
		}
		job := &Job{ID: j.id, Kind: kind, Data: j.data, Attempt: j.attempts, progress: func() error {
			m.mu.Lock()
			defer m.mu.Unlock()
			if j.token == token {
				j.deadline = time.Now().Add(m.opts.AckWait)
			}
			return nil
		}}
		herr := handle(ctx, job)
		if herr != nil && ctx.Err() != nil {
			// The worker stopped mid-job: leave the lease to expire, as a
			// dead process would, so another worker gets the job.
			return nil
		}
		m.settle(kind, j, token, herr == nil)
	}
}

// Close implements [Bus].
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.closed = true
		close(m.done)
	}
	return nil
}
