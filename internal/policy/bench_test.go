package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/escarp/escarp/internal/spec"
)

// BenchmarkEvalLargestCorpusSpec evaluates every built-in pack over the
// largest spec of the shared corpus (openai.v31.json, 3.3 MB): building
// the input document and evaluating it, and evaluating alone.
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
	b.Logf("%s: %d operations", filepath.Base(path), len(api.Operations))
	b.Run("input+eval", func(b *testing.B) {
		for b.Loop() {
			fs, err := set.Eval(ctx, &Input{API: api})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(fs)), "violations")
		}
	})
	b.Run("eval", func(b *testing.B) {
		doc, err := (&Input{API: api}).Document()
		if err != nil {
			b.Fatal(err)
		}
		v, err := ast.InterfaceToValue(doc)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := set.evalValue(ctx, v, api); err != nil {
				b.Fatal(err)
			}
		}
	})
}
