package detect_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/bus"
	"github.com/escarp/escarp/internal/monitor/detect"
)

var t0 = time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)

func enumSpec() detect.Spec {
	return detect.Spec{Rule: escarp.RuleInfo{ID: "T-1", Title: "t"}, Keyspace: detect.KeyPrincipal,
		Filter:   func(e *detect.Event) bool { return e.ObjectID != "" },
		Distinct: func(e *detect.Event) string { return e.ObjectID },
		Capacity: 10, Leak: time.Second, CoolDown: time.Minute}
}

func TestBucketLeaksAndCoolsDown(t *testing.T) {
	eng, err := detect.New([]detect.Spec{enumSpec()}, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var alerts []detect.Alert
	emit := func(a detect.Alert) { alerts = append(alerts, a) }
	// One new id every 1.5s leaks faster than it fills: silent.
	for i := range 100 {
		e := detect.Event{Time: t0.Add(time.Duration(i) * 1500 * time.Millisecond), Principal: "p", Verified: true, ObjectID: fmt.Sprint(i)}
		eng.Process(&e, emit)
	}
	if len(alerts) != 0 {
		t.Fatalf("slow distinct ids raised %v", alerts[0].Message)
	}
	// The same id a thousand times pours once: silent.
	for i := range 1000 {
		e := detect.Event{Time: t0.Add(time.Hour + time.Duration(i)*time.Millisecond), Principal: "p", Verified: true, ObjectID: "same"}
		eng.Process(&e, emit)
	}
	if len(alerts) != 0 {
		t.Fatal("repeated id raised an alert")
	}
	// 40 new ids in 4 seconds overflow once, then the cool-down holds.
	for i := range 40 {
		e := detect.Event{Time: t0.Add(2*time.Hour + time.Duration(i)*100*time.Millisecond), Principal: "p", Verified: true, ObjectID: fmt.Sprint("x", i)}
		eng.Process(&e, emit)
	}
	if len(alerts) != 1 || alerts[0].Distinct != 11 || alerts[0].Principal != "p" {
		t.Fatalf("alerts %+v, want one at 11 distinct ids", alerts)
	}
	// An unverified principal has no key in the principal space.
	for i := range 40 {
		e := detect.Event{Time: t0.Add(3*time.Hour + time.Duration(i)*10*time.Millisecond), Principal: "forged", ObjectID: fmt.Sprint(i)}
		eng.Process(&e, emit)
	}
	if len(alerts) != 1 {
		t.Fatalf("an unverified principal raised %s", alerts[len(alerts)-1].Message)
	}
}

func TestDistinctAboveCapUsesHLL(t *testing.T) {
	s := enumSpec()
	s.Capacity = 5000
	s.Leak = 0
	eng, _ := detect.New([]detect.Spec{s}, detect.Options{})
	var got []detect.Alert
	for i := range 6000 {
		e := detect.Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Principal: "p", Verified: true, ObjectID: fmt.Sprint(i)}
		eng.Process(&e, func(a detect.Alert) { got = append(got, a) })
	}
	if len(got) != 1 || !got[0].Approximate {
		t.Fatalf("alerts %+v, want one approximate alert", got)
	}
	if d := got[0].Distinct; d < 4000 || d > 6500 {
		t.Fatalf("estimated %d distinct, want about 5000", d)
	}
}

// TestPartitionedSameAsOne: analysers that each consume some partitions of
// each key space raise exactly the alerts one engine raises.
func TestPartitionedSameAsOne(t *testing.T) {
	specs := []detect.Spec{enumSpec(), {Rule: escarp.RuleInfo{ID: "T-2", Title: "c"}, Keyspace: detect.KeyClient,
		Filter: func(e *detect.Event) bool { return e.Status == 404 }, Distinct: func(e *detect.Event) string { return e.Path },
		Capacity: 5, Leak: time.Second}}
	var events []detect.Event
	for i := range 5000 {
		events = append(events, detect.Event{Time: t0.Add(time.Duration(i) * 10 * time.Millisecond),
			Principal: fmt.Sprint("p", i%37), Verified: true, ClientIP: fmt.Sprint("10.0.0.", i%23), ObjectID: fmt.Sprint(i % 101),
			Path: fmt.Sprint("/x/", i%13), Status: 404})
	}
	one, _ := detect.New(specs, detect.Options{})
	want := map[string]int{}
	for i := range events {
		one.Process(&events[i], func(a detect.Alert) { want[a.Rule.ID+" "+a.Key]++ })
	}
	if len(want) == 0 {
		t.Fatal("no alerts to compare")
	}
	const parts, analysers = 8, 3
	got := map[string]int{}
	engines := make([]*detect.Engine, analysers)
	for i := range engines {
		engines[i], _ = detect.New(specs, detect.Options{})
	}
	for i := range events {
		for _, ks := range detect.Keyspaces {
			k := events[i].Key(ks)
			if k == "" {
				continue
			}
			p := bus.Partition(k, parts)
			engines[p%analysers].ProcessKeyspace(ks, &events[i], func(a detect.Alert) { got[a.Rule.ID+" "+a.Key]++ })
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("partitioned %v\none %v", got, want)
	}
}

func TestBadSpecs(t *testing.T) {
	for _, s := range []detect.Spec{
		{Keyspace: detect.KeyClient},
		{Rule: escarp.RuleInfo{ID: "X"}, Keyspace: "nope"},
		{Rule: escarp.RuleInfo{ID: "X"}, Keyspace: detect.KeyClient, Baseline: &detect.Baseline{}},
		{Rule: escarp.RuleInfo{ID: "X"}, Keyspace: detect.KeyClient, Ratio: 0.5},
	} {
		if _, err := detect.New([]detect.Spec{s}, detect.Options{}); err == nil {
			t.Errorf("spec %+v accepted", s)
		}
	}
}

func TestAllowList(t *testing.T) {
	eng, _ := detect.New([]detect.Spec{enumSpec()}, detect.Options{Allow: func(e *detect.Event) bool { return e.Principal == "crawler" }})
	n := 0
	for i := range 100 {
		e := detect.Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Principal: "crawler", Verified: true, ObjectID: fmt.Sprint(i)}
		eng.Process(&e, func(detect.Alert) { n++ })
	}
	if n != 0 {
		t.Fatal("an allowed principal raised an alert")
	}
}

// specsForBench is a realistic mix: distinct buckets, plain buckets and a
// baseline, over three key spaces.
func specsForBench() []detect.Spec {
	return []detect.Spec{
		enumSpec(),
		{Rule: escarp.RuleInfo{ID: "B-2"}, Keyspace: detect.KeyClient, Filter: func(e *detect.Event) bool { return e.Status >= 400 },
			Distinct: func(e *detect.Event) string { return e.Path }, Capacity: 20, Leak: 5 * time.Second},
		{Rule: escarp.RuleInfo{ID: "B-3"}, Keyspace: detect.KeyPrincipal, Baseline: &detect.Baseline{Window: time.Minute, Learn: 5, Factor: 3, Min: 120}},
		{Rule: escarp.RuleInfo{ID: "B-4"}, Keyspace: detect.KeyAPI, Baseline: &detect.Baseline{Window: time.Minute, Learn: 5, Factor: 3, Min: 600, MinDistinct: 30}, Admit: 1},
	}
}

func benchEvents(n, principals int) []detect.Event {
	evs := make([]detect.Event, n)
	for i := range evs {
		evs[i] = detect.Event{Time: t0.Add(time.Duration(i) * time.Millisecond), Principal: fmt.Sprint("jwt:", i%principals), Verified: true,
			ClientIP: fmt.Sprint("10.1.", i%251), Method: "GET", Template: "/boats/{id}", Path: fmt.Sprint("/boats/", i%997),
			ObjectID: fmt.Sprint(i % 997), Status: 200 + 204*(i%17/16)}
	}
	return evs
}

// BenchmarkEngine measures events per second per core of the detector core.
func BenchmarkEngine(b *testing.B) {
	eng, _ := detect.New(specsForBench(), detect.Options{})
	evs := benchEvents(1<<16, 5000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		eng.Process(&evs[i&(1<<16-1)], func(detect.Alert) {})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMillionPrincipals reports the heap after 1M distinct principals.
func BenchmarkMillionPrincipals(b *testing.B) {
	for range b.N {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		eng, _ := detect.New(specsForBench(), detect.Options{})
		for i := range 1_000_000 {
			// Two events each, so every principal is admitted to exact state
			// until the LRU's cap.
			for j := range 2 {
				e := detect.Event{Time: t0.Add(time.Duration(2*i+j) * time.Microsecond), Principal: fmt.Sprint("jwt:", i), Verified: true,
					ClientIP: fmt.Sprint("10.", i%251, ".", i%13), ObjectID: fmt.Sprint(j), Status: 200}
				eng.Process(&e, func(detect.Alert) {})
			}
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB")
		b.ReportMetric(float64(eng.Keys()), "keys")
		runtime.KeepAlive(eng)
	}
}
