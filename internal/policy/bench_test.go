package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/escarp/escarp/internal/spec"
)

// BenchmarkEvalLargestCorpusSpec evaluates every built-in pack over the
// largest spec of the shared corpus (openai.v31.json, 3.3 MB): the input
// document is built and evaluated in each iteration.
func BenchmarkEvalLargestCorpusSpec(b *testing.B) {
	path := filepath.Join("..", "..", "..", "shared", "corpus", "openapi", "openai.v31.json")
	if _, err := os.Stat(path); err != nil {
		b.Skip("../shared/corpus/openapi/openai.v31.json is absent")
	}
	ctx := context.Background()
	api, _, err := spec.Load(ctx, path, spec.Options{})
	if err != nil {
		b.Fatal(err)
	}
	set, err := Load(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(api.Operations)), "operations")
	b.ResetTimer()
	for b.Loop() {
		fs, err := set.Eval(ctx, &Input{API: api})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(fs)), "violations")
	}
}
