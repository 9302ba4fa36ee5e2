package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/bus"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// Sink receives each alert once, as a finding.
type Sink interface {
	Send(ctx context.Context, f *escarp.Finding) error
}

// Blocker is told about alerts whose subject may be blocked: a verified
// principal or a client address (proxy mode with --block).
type Blocker interface {
	Block(a *detect.Alert)
}

// Analyzer runs the detector engine and delivers alerts. Feed it from one
// goroutine per engine (Process and ProcessKeyspace lock it).
type Analyzer struct {
	mu      sync.Mutex
	engine  *detect.Engine
	sinks   []Sink
	blocker Blocker
	// Findings holds every alert raised, in order.
	findings []escarp.Finding
	errs     []error
	ctx      context.Context
}

// NewAnalyzer returns an analyzer over engine.
func NewAnalyzer(ctx context.Context, engine *detect.Engine, sinks []Sink, blocker Blocker) *Analyzer {
	return &Analyzer{engine: engine, sinks: sinks, blocker: blocker, ctx: ctx}
}

// Process runs every detector on e.
func (an *Analyzer) Process(e *detect.Event) {
	an.mu.Lock()
	defer an.mu.Unlock()
	an.engine.Process(e, an.alert)
}

// ProcessKeyspace runs the detectors of keyspace on e (bus consumers).
func (an *Analyzer) ProcessKeyspace(keyspace string, e *detect.Event) {
	an.mu.Lock()
	defer an.mu.Unlock()
	an.engine.ProcessKeyspace(keyspace, e, an.alert)
}

// Raise delivers an alert from a stage outside the engine (the sampled
// signature stage), as the engine's own alerts are.
func (an *Analyzer) Raise(a detect.Alert) {
	an.mu.Lock()
	defer an.mu.Unlock()
	an.alert(a)
}

// alert is called with an.mu held.
func (an *Analyzer) alert(a detect.Alert) {
	f := Finding(&a)
	an.findings = append(an.findings, f)
	if an.blocker != nil {
		an.blocker.Block(&a)
	}
	for _, s := range an.sinks {
		if err := s.Send(an.ctx, &f); err != nil && len(an.errs) < 20 {
			an.errs = append(an.errs, err)
		}
	}
}

// Findings returns the alerts raised so far.
func (an *Analyzer) Findings() []escarp.Finding {
	an.mu.Lock()
	defer an.mu.Unlock()
	return append([]escarp.Finding(nil), an.findings...)
}

// Errors returns the sink failures (the first 20).
func (an *Analyzer) Errors() []error {
	an.mu.Lock()
	defer an.mu.Unlock()
	return append([]error(nil), an.errs...)
}

// Engine returns the detector engine.
func (an *Analyzer) Engine() *detect.Engine { return an.engine }

// Publish sends e on the bus once per key space in which it has a key.
func Publish(ctx context.Context, b bus.Bus, e *detect.Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	for _, ks := range detect.Keyspaces {
		k := e.Key(ks)
		if k == "" {
			continue
		}
		if err := b.Publish(ctx, ks, k, data); err != nil {
			return err
		}
	}
	return nil
}

// Consume feeds an's engine from the bus until ctx ends: the partitions
// given (all when empty) of every key space.
func Consume(ctx context.Context, b bus.Bus, group string, partitions []int, an *Analyzer) error {
	return b.Consume(ctx, bus.Subscription{Group: group, Partitions: partitions}, func(ev bus.Event) error {
		var e detect.Event
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return nil // a foreign message: skip it
		}
		an.ProcessKeyspace(ev.Keyspace, &e)
		return nil
	})
}

// Partitions returns the partitions analyzer index (0-based) of count
// consumes among n.
func Partitions(n, index, count int) ([]int, error) {
	if count < 1 || index < 0 || index >= count {
		return nil, escarp.Errorf(escarp.Invalid, "analyzer %d of %d: want 0 <= index < count", index, count)
	}
	var out []int
	for p := range n {
		if p%count == index {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("analyzer %d of %d: no partition left among %d", index, count, n)
	}
	return out, nil
}
