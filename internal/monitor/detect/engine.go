package detect

import (
	"fmt"
	"math"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Options bound the engine's state.
type Options struct {
	// MaxKeys is the exact state kept per detector (default 50,000 keys);
	// beyond it the least recently used key is forgotten.
	MaxKeys int
	// TTL forgets a key idle that long in event time (default 1h).
	TTL time.Duration
	// SketchWidth is the count-min width per detector (default 65,536).
	SketchWidth int
	// Allow skips events an allow-list covers.
	Allow func(*Event) bool
	// NoCatalogue leaves out the detectors that need known operations.
	NoCatalogue bool
}

// Engine runs detectors over events. It is not safe for concurrent use:
// each analyzer feeds its engine from one goroutine.
type Engine struct {
	dets   []*detector
	byKS   map[string][]*detector
	opts   Options
	events int64
}

type detector struct {
	spec  Spec
	state *simplelru.LRU[string, *keyState]
	admit *countMin
	epoch time.Time
	span  time.Duration // count-min epoch length
	aud   *audienceState
}

// keyState is the exact state of one key of one detector.
type keyState struct {
	last time.Time // last event
	cool time.Time // silenced until

	// bucket
	level   float64
	leaked  time.Time
	first   time.Time
	count   int
	failing int
	dist    distinct

	// baseline
	winStart   time.Time
	cur        float64
	windows    int
	mean, vari float64
	clients    distinct
	samples    []string
	fired      bool // fired in this window
}

// New returns an engine over specs.
func New(specs []Spec, opts Options) (*Engine, error) {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = 50_000
	}
	if opts.TTL <= 0 {
		opts.TTL = time.Hour
	}
	if opts.SketchWidth <= 0 {
		opts.SketchWidth = 1 << 16
	}
	e := &Engine{byKS: map[string][]*detector{}, opts: opts}
	seen := map[string]bool{}
	for _, s := range specs {
		if err := s.Check(); err != nil {
			return nil, err
		}
		if s.Catalogue && opts.NoCatalogue {
			continue
		}
		if seen[s.Rule.ID] {
			return nil, fmt.Errorf("detect: rule %s declared twice", s.Rule.ID)
		}
		seen[s.Rule.ID] = true
		if s.Admit <= 0 {
			s.Admit = 2
		}
		lru, err := simplelru.NewLRU[string, *keyState](opts.MaxKeys, nil)
		if err != nil {
			return nil, err
		}
		d := &detector{spec: s, state: lru}
		if s.Admit > 1 {
			d.admit = newCountMin(opts.SketchWidth)
			d.span = time.Duration(max(s.Capacity, 1)) * s.Leak
			if s.Baseline != nil {
				d.span = s.Baseline.Window
			}
			if d.span <= 0 {
				d.span = time.Minute
			}
		}
		if s.Audience != nil {
			d.aud = newAudience(opts.MaxKeys)
		}
		e.dets = append(e.dets, d)
		e.byKS[s.Keyspace] = append(e.byKS[s.Keyspace], d)
	}
	return e, nil
}

// Specs returns the detectors' specs in order.
func (e *Engine) Specs() []Spec {
	out := make([]Spec, len(e.dets))
	for i, d := range e.dets {
		out[i] = d.spec
	}
	return out
}

// Events is how many events the engine processed.
func (e *Engine) Events() int64 { return e.events }

// Keys is the number of keys with exact state, over all detectors.
func (e *Engine) Keys() int {
	n := 0
	for _, d := range e.dets {
		n += d.state.Len()
	}
	return n
}

// Process runs every detector on ev and calls emit for each alert.
func (e *Engine) Process(ev *Event, emit func(Alert)) {
	if e.opts.Allow != nil && e.opts.Allow(ev) {
		return
	}
	e.events++
	for _, d := range e.dets {
		d.process(ev, e.opts, emit)
	}
}

// ProcessKeyspace runs only the detectors of keyspace: an analyzer that
// consumes a key space's partitions calls it for each event it receives.
func (e *Engine) ProcessKeyspace(keyspace string, ev *Event, emit func(Alert)) {
	if e.opts.Allow != nil && e.opts.Allow(ev) {
		return
	}
	e.events++
	for _, d := range e.byKS[keyspace] {
		d.process(ev, e.opts, emit)
	}
}

func (d *detector) process(ev *Event, opts Options, emit func(Alert)) {
	s := &d.spec
	base := ev.Key(s.Keyspace)
	if base == "" || (s.Filter != nil && !s.Filter(ev)) {
		return
	}
	key := base
	if s.GroupBy != nil {
		if key = s.GroupBy(ev); key == "" {
			return
		}
	}
	if d.aud != nil {
		d.audience(key, ev, emit)
		return
	}
	st, ok := d.state.Get(key)
	if ok && ev.Time.Sub(st.last) > opts.TTL {
		d.state.Remove(key)
		ok = false
	}
	if !ok {
		if d.admit != nil {
			if d.epoch.IsZero() || ev.Time.Sub(d.epoch) > d.span || ev.Time.Before(d.epoch) {
				d.admit.reset()
				d.epoch = ev.Time
			}
			if d.admit.add(key) < s.Admit {
				return
			}
		}
		st = &keyState{}
		d.state.Add(key, st)
	}
	st.last = ev.Time
	if s.Baseline != nil {
		d.baseline(key, st, ev, emit)
		return
	}
	d.bucket(key, st, ev, emit)
}

func (d *detector) bucket(key string, st *keyState, ev *Event, emit func(Alert)) {
	s := &d.spec
	if s.Leak > 0 && !st.leaked.IsZero() {
		if el := ev.Time.Sub(st.leaked); el > 0 {
			st.level -= float64(el) / float64(s.Leak)
			if st.level <= 0 {
				st.level, st.count, st.failing = 0, 0, 0
				st.dist.reset()
				st.samples = st.samples[:0]
				st.first = time.Time{}
			}
		}
	}
	st.leaked = ev.Time
	pour := 1
	if s.Distinct != nil {
		v := s.Distinct(ev)
		if v == "" {
			return
		}
		pour = st.dist.add(v)
	}
	if st.first.IsZero() {
		st.first = ev.Time
	}
	st.count++
	if s.Failing != nil && s.Failing(ev) {
		st.failing++
	}
	if len(st.samples) < 3 && ev.Sample != "" {
		st.samples = append(st.samples, ev.Sample)
	}
	if pour > 0 {
		st.level += float64(pour) * (1 + float64(ev.Sensitivity))
	}
	if st.level <= float64(s.Capacity) {
		return
	}
	if s.Ratio > 0 && float64(st.failing) < s.Ratio*float64(st.count) {
		return
	}
	if ev.Time.Before(st.cool) {
		return
	}
	a := Alert{Rule: s.Rule, Keyspace: s.Keyspace, Key: key, Principal: ev.VerifiedPrincipal(), ClientIP: ev.ClientIP,
		Operation: ev.Operation(), First: st.first, Last: ev.Time, Count: st.count,
		Samples: append([]string(nil), st.samples...)}
	if s.Distinct != nil {
		a.Distinct, a.Approximate = st.dist.count(), st.dist.approximate()
	}
	d.fire(&a, st, ev, emit)
	// The bucket overflowed: it starts again empty (CrowdSec's overflow).
	st.level, st.count, st.failing, st.first = 0, 0, 0, time.Time{}
	st.dist.reset()
	st.samples = st.samples[:0]
}

func (d *detector) fire(a *Alert, st *keyState, ev *Event, emit func(Alert)) {
	st.cool = ev.Time.Add(d.spec.CoolDown)
	if d.spec.Describe != nil {
		a.Message = d.spec.Describe(a)
	}
	if a.Message == "" {
		a.Message = a.defaultMessage()
	}
	emit(*a)
}

func (d *detector) baseline(key string, st *keyState, ev *Event, emit func(Alert)) {
	b := d.spec.Baseline
	alpha := b.Alpha
	if alpha <= 0 {
		alpha = 0.2
	}
	factor := b.Factor
	if factor <= 0 {
		factor = 1.5
	}
	if st.winStart.IsZero() {
		st.winStart = ev.Time.Truncate(b.Window)
	}
	for ev.Time.Sub(st.winStart) >= b.Window {
		// Close the window; idle windows count as zeros, a few at most.
		skipped := int(ev.Time.Sub(st.winStart)/b.Window) - 1
		st.learn(st.cur, alpha)
		for i := 0; i < min(skipped, 3); i++ {
			st.learn(0, alpha)
		}
		st.winStart = ev.Time.Truncate(b.Window)
		st.cur, st.fired = 0, false
		st.clients.reset()
		st.samples = st.samples[:0]
		st.count = 0
	}
	v := 1.0
	if b.Value != nil {
		v = b.Value(ev)
	}
	st.cur += v
	st.count++
	if b.MinDistinct > 0 {
		st.clients.add(ev.ClientIP)
	}
	if len(st.samples) < 3 && ev.Sample != "" {
		st.samples = append(st.samples, ev.Sample)
	}
	if st.windows < b.Learn || st.fired || ev.Time.Before(st.cool) {
		return
	}
	p90 := st.mean + 1.28*math.Sqrt(st.vari)
	threshold := math.Max(b.Min, factor*p90)
	if st.cur <= threshold {
		return
	}
	if b.MinDistinct > 0 && st.clients.count() < b.MinDistinct {
		return
	}
	st.fired = true
	a := Alert{Rule: d.spec.Rule, Keyspace: d.spec.Keyspace, Key: key, Principal: ev.VerifiedPrincipal(),
		ClientIP: ev.ClientIP, Operation: ev.Operation(), First: st.winStart, Last: ev.Time,
		Count: st.count, Value: st.cur, Expected: threshold, Samples: append([]string(nil), st.samples...)}
	if b.MinDistinct > 0 {
		a.Distinct, a.Approximate = st.clients.count(), st.clients.approximate()
	}
	d.fire(&a, st, ev, emit)
}

// learn folds one closed window into the EWMA mean and variance.
func (st *keyState) learn(x, alpha float64) {
	if st.windows == 0 {
		st.mean, st.vari = x, 0
	} else {
		diff := x - st.mean
		incr := alpha * diff
		st.mean += incr
		st.vari = (1 - alpha) * (st.vari + diff*incr)
	}
	st.windows++
}

// audienceState is the learned audience of each operation.
type audienceState struct {
	start      time.Time
	ops        *simplelru.LRU[string, *opAudience]
	principals distinct
	cool       *simplelru.LRU[string, time.Time]
}

type opAudience struct {
	who   map[string]struct{}
	broad bool // too many principals to list: never judged
}

const audienceCap = 256

func newAudience(maxKeys int) *audienceState {
	ops, _ := simplelru.NewLRU[string, *opAudience](maxKeys, nil)
	cool, _ := simplelru.NewLRU[string, time.Time](maxKeys, nil)
	return &audienceState{ops: ops, cool: cool}
}

func (d *detector) audience(key string, ev *Event, emit func(Alert)) {
	a := d.aud
	p := ev.VerifiedPrincipal()
	if p == "" || !ev.Success() {
		return
	}
	if a.start.IsZero() {
		a.start = ev.Time
	}
	op, ok := a.ops.Get(key)
	if ev.Time.Sub(a.start) < d.spec.Audience.Learn {
		a.principals.add(p)
		if !ok {
			op = &opAudience{who: map[string]struct{}{}}
			a.ops.Add(key, op)
		}
		if !op.broad {
			op.who[p] = struct{}{}
			if len(op.who) > audienceCap {
				op.broad, op.who = true, nil
			}
		}
		return
	}
	if !ok || op.broad {
		return // an operation unseen while learning is the shadow detectors' business
	}
	if _, in := op.who[p]; in {
		return
	}
	total := a.principals.count()
	if total == 0 || float64(len(op.who)) > d.spec.Audience.MaxShare*float64(total) {
		return
	}
	ck := p + " " + key
	if until, ok := a.cool.Get(ck); ok && ev.Time.Before(until) {
		return
	}
	a.cool.Add(ck, ev.Time.Add(d.spec.CoolDown))
	al := Alert{Rule: d.spec.Rule, Keyspace: d.spec.Keyspace, Key: key, Principal: p, ClientIP: ev.ClientIP,
		Operation: ev.Operation(), First: a.start, Last: ev.Time, Count: 1, Distinct: len(op.who)}
	if ev.Sample != "" {
		al.Samples = []string{ev.Sample}
	}
	if d.spec.Describe != nil {
		al.Message = d.spec.Describe(&al)
	}
	if al.Message == "" {
		al.Message = fmt.Sprintf("%s: %s called %s with success; while learning, only %d of %d principals did", d.spec.Rule.Title, p, ev.Operation(), len(op.who), total)
	}
	emit(al)
}
