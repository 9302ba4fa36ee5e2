package rules_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/audit/specload"
	"github.com/escarp/escarp/internal/spec"
)

// largeSpec generates an OpenAPI 3.0 document of n resources: a path with
// GET and POST, a shared path parameter and one component schema each
// (about 1 KB per resource).
func largeSpec(n int) []byte {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo:\n  title: big\n  version: '1'\nservers:\n  - url: https://api.example.com\npaths:\n")
	for i := range n {
		fmt.Fprintf(&b, `  /things%[1]d/{id}:
    parameters:
      - name: id
        in: path
        required: true
        schema: {type: string, maxLength: 36}
    get:
      operationId: getThing%[1]d
      summary: Get thing %[1]d
      security: [{bearer: []}]
      responses:
        '200':
          description: the thing
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing%[1]d'}
        '404': {description: not found}
    post:
      operationId: postThing%[1]d
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing%[1]d'}
      responses:
        '201': {description: created}
`, i)
	}
	b.WriteString("components:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\n  schemas:\n")
	for i := range n {
		fmt.Fprintf(&b, `    Thing%[1]d:
      type: object
      required: [id, name]
      properties:
        id: {type: string, format: uuid}
        name: {type: string, maxLength: 100, example: thing %[1]d}
        count: {type: integer, minimum: 0, maximum: 1000}
        tags:
          type: array
          maxItems: 10
          items: {type: string, maxLength: 20}
`, i)
	}
	return []byte(b.String())
}

// peakHeap runs fn and returns the largest live heap seen while it ran
// (sampled every millisecond) above the heap before it started.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v := read(); v > base {
					mu.Lock()
					peak = max(peak, v-base)
					mu.Unlock()
				}
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak
}

// BenchmarkLargeSpec measures the peak live heap of `escarp spec` (load)
// and `escarp audit` (load, schema check, every rule) on a generated spec,
// as a multiple of the input: the goals are about 10× for spec and 20× for
// audit. Run with -benchtime=1x.
func BenchmarkLargeSpec(b *testing.B) {
	data := largeSpec(2000) // about 2 MB
	ctx := context.Background()
	b.Run("spec", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		var peak uint64
		for b.Loop() {
			peak = max(peak, peakHeap(func() {
				if _, _, err := spec.LoadBytes(ctx, "big.yaml", data, spec.Options{}); err != nil {
					b.Fatal(err)
				}
			}))
		}
		b.ReportMetric(float64(peak)/float64(len(data)), "peak/input")
	})
	b.Run("audit", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		all := rules.All()
		var peak uint64
		for b.Loop() {
			peak = max(peak, peakHeap(func() {
				in, _, err := specload.LoadBytes(ctx, "big.yaml", data)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := audit.RunInput(ctx, in, all, audit.Config{}); err != nil {
					b.Fatal(err)
				}
			}))
		}
		b.ReportMetric(float64(peak)/float64(len(data)), "peak/input")
	})
}
