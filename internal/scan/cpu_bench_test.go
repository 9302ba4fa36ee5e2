package scan_test

import (
	"context"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"
)

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLabScanCPU measures the scanner's own CPU per request over a
// whole scan of the vulnerable lab, which runs in a child process (so its
// CPU is not counted). Compare with BenchmarkLoopbackFloor.
func BenchmarkLabScanCPU(b *testing.B) {
	var cpu time.Duration
	var requests int64
	for i := 0; i < b.N; i++ {
		start := selfCPU()
		run, _ := labScan(b, false)
		cpu += selfCPU() - start
		requests += run.Stats["requests"]
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(requests), "cpu-µs/req")
	b.ReportMetric(float64(requests)/float64(b.N), "req/scan")
}

// BenchmarkLoopbackFloor measures the CPU per request of Go's own HTTP
// client alone, on loopback against the same child-process lab: the floor
// the scanner's cost is compared with.
func BenchmarkLoopbackFloor(b *testing.B) {
	base := startLab(b, false)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	ctx := context.Background()
	get := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v2/health", nil)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get()
	b.ResetTimer()
	start := selfCPU()
	for i := 0; i < b.N; i++ {
		get()
	}
	b.ReportMetric(float64((selfCPU()-start).Microseconds())/float64(b.N), "cpu-µs/req")
}
