package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/server"
	"github.com/escarp/escarp/internal/sqlstore"
)

// seed records one finished job with n findings for a new project.
func seed(b testing.TB, db *sqlstore.DB, n int) *escarp.Project {
	ctx := context.Background()
	p := &escarp.Project{Name: "bench", Target: "http://127.0.0.1:9", Spec: "s.yaml"}
	if err := db.PutProject(ctx, p, "w"); err != nil {
		b.Fatal(err)
	}
	fs := make([]escarp.Finding, n)
	sevs := []escarp.Severity{escarp.SeverityCritical, escarp.SeverityHigh, escarp.SeverityMedium, escarp.SeverityLow, escarp.SeverityInfo}
	for i := range fs {
		fs[i] = finding(fmt.Sprintf("ESC-DAST-BENCH-%03d", i%200), sevs[i%5], fmt.Sprintf("/r%d/{id}", i))
	}
	j := &escarp.Job{ProjectID: p.ID, Kind: "scan", Trigger: "manual"}
	if err := db.EnqueueJob(ctx, j); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ClaimJob(ctx, j.ID, nil, "w", time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	j.State = escarp.JobDone
	if ok, err := db.FinishJob(ctx, j, &escarp.Scan{Engine: "scan", StartedAt: time.Now(), FinishedAt: time.Now()}, fs); !ok || err != nil {
		b.Fatalf("FinishJob: %v %v", ok, err)
	}
	return p
}

// BenchmarkListEndpoints10k measures the list endpoints' latency with 10k
// tracked findings (SQLite; PostgreSQL with ESCARP_TEST_POSTGRES), and
// reports p50 and p99 in milliseconds.
func BenchmarkListEndpoints10k(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			var db *sqlstore.DB
			if store == "sqlite" {
				db = openSQLiteB(b)
			} else {
				dsn, schema := pgSchemaB(b)
				db = openPGB(b, dsn, schema)
			}
			p := seed(b, db, 10000)
			srv, err := server.New(server.Config{Store: db, Workers: -1, NoScheduler: true, APIRate: 1e6})
			if err != nil {
				b.Fatal(err)
			}
			token, _ := srv.Bootstrap(context.Background(), "")
			ts := newHTTPServer(b, srv.Handler())
			for _, path := range []string{"/api/v1/projects/" + p.ID + "/findings", "/api/v1/projects/" + p.ID + "/findings?limit=1000",
				"/api/v1/projects/" + p.ID + "/findings?severity=high&state=open&offset=5000", "/api/v1/projects/" + p.ID + "/jobs", "/api/v1/projects"} {
				b.Run(path[len("/api/v1/"):min(len(path), 60)], func(b *testing.B) {
					var lat []time.Duration
					for i := 0; i < b.N; i++ {
						req, _ := http.NewRequest("GET", ts+path, nil)
						req.Header.Set("Authorization", "Bearer "+token)
						start := time.Now()
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						lat = append(lat, time.Since(start))
						if resp.StatusCode != 200 {
							b.Fatalf("%s: %d", path, resp.StatusCode)
						}
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}
