package inventory_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory"
	"github.com/escarp/escarp/internal/sqlite"
	"github.com/escarp/escarp/internal/traffic"
)

// BenchmarkIngest measures traffic ingestion into the SQLite store: access
// log exchanges turned into observations, templated, merged and written,
// in batches as `escarp inventory import` does. Target: 50,000 events per
// second. It also reports the heap in use after the run, which stays
// bounded by the number of endpoints, not of events.
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	inv := inventory.New(db, inventory.Options{})
	api := testAPI()
	svc := inventory.ServiceForSpec(api, "")
	if _, err := inv.Import(ctx, []inventory.SpecService{svc}, inventory.SpecObservations(api, svc.Name, now), ""); err != nil {
		b.Fatal(err)
	}
	// 2,000 distinct raw paths over ~40 templates, as real traffic has.
	var xs []*escarp.Exchange
	for i := 0; i < 2000; i++ {
		var path string
		switch i % 5 {
		case 0:
			path = fmt.Sprintf("/users/%d", i)
		case 1:
			path = "/users/me"
		case 2:
			path = fmt.Sprintf("/res%d/items/%d", i%40, i)
		case 3:
			path = fmt.Sprintf("/res%d/items/%d/parts", i%40, i*7)
		default:
			path = "/legacy/report"
		}
		xs = append(xs, x("GET", "http://127.0.0.1:8080"+path+"?page=2", 200, now, i%2 == 0, ""))
	}
	const batch = 10000
	obs := make([]escarp.Observation, 0, batch)
	b.ResetTimer()
	start := time.Now()
	events := 0
	for i := 0; b.Loop(); i++ {
		obs = obs[:0]
		for j := 0; j < batch; j++ {
			obs = append(obs, traffic.Observe(xs[(i*batch+j)%len(xs)], ""))
		}
		if _, err := inv.Import(ctx, nil, obs, ""); err != nil {
			b.Fatal(err)
		}
		events += batch
	}
	b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heapMiB")
}
