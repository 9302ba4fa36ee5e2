package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS is the JetStream bus. Events are kept in ESCARP_EVENTS (limits
// retention, EventsMaxAge), so a consumer group that starts late reads from
// the beginning; jobs live in the work-queue stream ESCARP_JOBS until a
// worker acknowledges them.
type NATS struct {
	opts Options
	nc   *nats.Conn
	js   jetstream.JetStream
}

// OpenNATS connects to the NATS server at url and creates or updates the
// two streams.
func OpenNATS(ctx context.Context, url string, opts Options) (*NATS, error) {
	opts = opts.withDefaults()
	nc, err := nats.Connect(url, nats.Name("escarp"), nats.Timeout(5*time.Second), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("bus: connect %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: jetstream: %w", err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: EventsStream, Subjects: []string{EventsSubject + ".>"},
		Retention: jetstream.LimitsPolicy, MaxAge: opts.EventsMaxAge, Storage: jetstream.FileStorage,
		Discard: jetstream.DiscardOld,
	}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: stream %s: %w", EventsStream, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: JobsStream, Subjects: []string{JobsSubject + ".>"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
	}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: stream %s: %w", JobsStream, err)
	}
	return &NATS{opts: opts, nc: nc, js: js}, nil
}

// Partitions implements [Bus].
func (b *NATS) Partitions() int { return b.opts.Partitions }

// EventSubject returns the subject of an event of keyspace on partition p.
func EventSubject(keyspace string, p int) string {
	return EventsSubject + "." + keyspace + "." + strconv.Itoa(p)
}

// Publish implements [Bus]; it returns once JetStream stored the event.
func (b *NATS) Publish(ctx context.Context, keyspace, key string, data []byte) error {
	if err := checkName("key space", keyspace); err != nil {
		return err
	}
	if _, err := b.js.Publish(ctx, EventSubject(keyspace, Partition(key, b.opts.Partitions)), data); err != nil {
		return fmt.Errorf("bus: publish %s: %w", keyspace, err)
	}
	return nil
}

// Consume implements [Bus] with a durable pull consumer per group and
// selection, so a restarted analyzer resumes where it stopped.
func (b *NATS) Consume(ctx context.Context, sub Subscription, handle func(Event) error) error {
	if err := checkName("group", sub.Group); err != nil {
		return err
	}
	var filters []string
	spaces := sub.Keyspaces
	if len(spaces) == 0 {
		spaces = []string{"*"}
	}
	for _, ks := range spaces {
		if ks != "*" {
			if err := checkName("key space", ks); err != nil {
				return err
			}
		}
		if len(sub.Partitions) == 0 {
			filters = append(filters, EventsSubject+"."+ks+".*")
			continue
		}
		for _, p := range sub.Partitions {
			filters = append(filters, EventsSubject+"."+ks+"."+strconv.Itoa(p))
		}
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, EventsStream, jetstream.ConsumerConfig{
		Durable: durableName(sub), FilterSubjects: filters,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: b.opts.AckWait,
		DeliverPolicy: jetstream.DeliverAllPolicy, MaxAckPending: 1024,
	})
	if err != nil {
		return fmt.Errorf("bus: consumer %s: %w", sub.Group, err)
	}
	errc := make(chan error, 1)
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		ks, p := parseEventSubject(msg.Subject())
		if herr := handle(Event{Keyspace: ks, Partition: p, Data: msg.Data()}); herr != nil {
			_ = msg.Nak()
			select {
			case errc <- fmt.Errorf("bus: event handler: %w", herr):
			default:
			}
			return
		}
		_ = msg.Ack()
	})
	if err != nil {
		return fmt.Errorf("bus: consume %s: %w", sub.Group, err)
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		return nil
	case <-cc.Closed():
		return nil
	case err := <-errc:
		return err
	}
}

// durableName names the consumer of a group and selection.
func durableName(sub Subscription) string {
	name := sub.Group
	if len(sub.Keyspaces) > 0 {
		name += "_" + strings.Join(sub.Keyspaces, "-")
	}
	if len(sub.Partitions) > 0 {
		var ps []string
		for _, p := range sub.Partitions {
			ps = append(ps, strconv.Itoa(p))
		}
		name += "_p" + strings.Join(ps, "-")
	}
	return name
}

func parseEventSubject(s string) (string, int) {
	rest := strings.TrimPrefix(s, EventsSubject+".")
	i := strings.LastIndexByte(rest, '.')
	if i < 0 {
		return rest, 0
	}
	p, _ := strconv.Atoi(rest[i+1:])
	return rest[:i], p
}

// Enqueue implements [Bus].
func (b *NATS) Enqueue(ctx context.Context, kind string, data []byte) error {
	if err := checkName("job kind", kind); err != nil {
		return err
	}
	if _, err := b.js.Publish(ctx, JobsSubject+"."+kind, data); err != nil {
		return fmt.Errorf("bus: enqueue %s: %w", kind, err)
	}
	return nil
}

// Work implements [Bus]: all workers of a kind share one durable consumer
// and fetch one job at a time, so a busy worker holds no other job.
func (b *NATS) Work(ctx context.Context, kind string, handle func(context.Context, *Job) error) error {
	if err := checkName("job kind", kind); err != nil {
		return err
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, JobsStream, jetstream.ConsumerConfig{
		Durable: "jobs_" + kind, FilterSubject: JobsSubject + "." + kind,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: b.opts.AckWait, MaxDeliver: b.opts.MaxDeliver,
	})
	if err != nil {
		return fmt.Errorf("bus: worker %s: %w", kind, err)
	}
	for ctx.Err() == nil {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, nats.ErrConnectionClosed) || b.nc.IsClosed() {
				return nil
			}
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
				continue
			}
			return fmt.Errorf("bus: fetch %s: %w", kind, err)
		}
		for msg := range batch.Messages() {
			md, err := msg.Metadata()
			if err != nil {
				_ = msg.Nak()
				continue
			}
			job := &Job{ID: strconv.FormatUint(md.Sequence.Stream, 10), Kind: kind, Data: msg.Data(),
				Attempt: int(md.NumDelivered), progress: msg.InProgress} // #nosec G115 -- a delivery count, bounded by the consumer's MaxDeliver
			herr := handle(ctx, job)
			if herr != nil && ctx.Err() != nil {
				return nil // stopped mid-job, not acknowledged: redelivered after AckWait
			}
			if herr != nil {
				_ = msg.Nak()
				continue
			}
			actx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = msg.DoubleAck(actx)
			cancel()
			if err != nil {
				return fmt.Errorf("bus: ack %s job %s: %w", kind, job.ID, err)
			}
		}
		if b.nc.IsClosed() {
			return nil
		}
	}
	return nil
}

// Close implements [Bus].
func (b *NATS) Close() error {
	b.nc.Close()
	return nil
}
