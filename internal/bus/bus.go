// Package bus carries traffic events and jobs between escarp's sensors,
// analyzers and workers: in process by default, through NATS JetStream when
// they run on different machines (bus: nats://…, ESCARP_BUS, --bus).
//
// Events are published once per key space a detector groups by, on
// partition hash(key) mod Partitions, so each key's state lives on one
// consumer (subjects escarp.events.<keyspace>.<n> of stream ESCARP_EVENTS).
// Jobs go to a work queue (subjects escarp.jobs.<kind> of stream
// ESCARP_JOBS): a job is acknowledged when its handler returns nil, handed
// back when it returns an error, and redelivered to another worker when its
// worker dies or stalls past AckWait.
package bus

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// Stream and subject names, part of the public contract (ARCHITECTURE.md).
const (
	EventsStream  = "ESCARP_EVENTS"
	JobsStream    = "ESCARP_JOBS"
	EventsSubject = "escarp.events"
	JobsSubject   = "escarp.jobs"
)

// Bus publishes partitioned events and queues jobs. Implementations are
// safe for concurrent use.
type Bus interface {
	// Publish sends data on key space keyspace, partition Partition(key).
	Publish(ctx context.Context, keyspace, key string, data []byte) error
	// Consume delivers the events of the given key spaces and partitions
	// (all partitions when sub.Partitions is empty) to handle, one at a
	// time in publication order per partition, until ctx ends or Close.
	// Consumers that share sub.Group share one position in the stream.
	Consume(ctx context.Context, sub Subscription, handle func(Event) error) error
	// Enqueue adds a job of kind to the work queue.
	Enqueue(ctx context.Context, kind string, data []byte) error
	// Work runs handle on jobs of kind, one at a time, until ctx ends: nil
	// acknowledges the job, an error hands it back for redelivery, and a
	// job whose worker stops (an error after ctx ended, a dead process) is
	// redelivered to another worker after AckWait.
	Work(ctx context.Context, kind string, handle func(context.Context, *Job) error) error
	// Partitions is the partition count events are spread over.
	Partitions() int
	// Close releases the connection; running Consume and Work calls return.
	Close() error
}

// Event is one delivered event.
type Event struct {
	Keyspace  string
	Partition int
	Data      []byte
}

// Subscription selects the events a consumer receives.
type Subscription struct {
	// Group names the consumer; consumers of one group share a position.
	Group string
	// Keyspaces to receive; empty means all.
	Keyspaces []string
	// Partitions to receive; empty means all.
	Partitions []int
}

// Job is one delivery of a queued job.
type Job struct {
	ID      string // stable across redeliveries
	Kind    string
	Data    []byte
	Attempt int // 1 on first delivery
	// progress extends the job's lease (JetStream InProgress).
	progress func() error
}

// InProgress tells the bus the job is still being worked on, resetting
// its redelivery timer.
func (j *Job) InProgress() error {
	if j.progress == nil {
		return nil
	}
	return j.progress()
}

// Options tune a bus; zero values take the defaults.
type Options struct {
	Partitions int           // default 16
	AckWait    time.Duration // default 30s: a stalled job is redelivered after it
	MaxDeliver int           // default 10 deliveries per job, then it is dropped
	// EventsMaxAge bounds how long events stay in ESCARP_EVENTS (NATS only;
	// default 24h).
	EventsMaxAge time.Duration
}

func (o Options) withDefaults() Options {
	if o.Partitions <= 0 {
		o.Partitions = 16
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.MaxDeliver <= 0 {
		o.MaxDeliver = 10
	}
	if o.EventsMaxAge <= 0 {
		o.EventsMaxAge = 24 * time.Hour
	}
	return o
}

// ErrClosed is returned by calls on a closed bus.
var ErrClosed = errors.New("bus: closed")

// Open returns the bus named by url: "" or "memory" for the in-process
// bus, nats://… (or tls://…) for NATS JetStream.
func Open(ctx context.Context, url string, opts Options) (Bus, error) {
	switch {
	case url == "" || url == "memory" || url == "mem":
		return NewMemory(opts), nil
	case strings.HasPrefix(url, "nats://") || strings.HasPrefix(url, "tls://"):
		return OpenNATS(ctx, url, opts)
	}
	return nil, escarp.Errorf(escarp.Invalid, "bus %q: want memory or nats://host:port", url)
}

// Partition returns the partition of key among n.
func Partition(key string, n int) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n)) // #nosec G115 -- n is a partition count, small and positive
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func checkName(what, s string) error {
	if !nameRE.MatchString(s) {
		return fmt.Errorf("bus: %s %q: want lower-case letters, digits, - or _", what, s)
	}
	return nil
}

func (s Subscription) wants(keyspace string, partition int) bool {
	if len(s.Keyspaces) > 0 && !contains(s.Keyspaces, keyspace) {
		return false
	}
	if len(s.Partitions) > 0 && !contains(s.Partitions, partition) {
		return false
	}
	return true
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
