package threat_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/threat"
)

// largestCorpusSpec returns ../shared/corpus/openapi's largest file, or
// skips.
func largestCorpusSpec(b *testing.B) string {
	b.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "openapi")
	ents, err := os.ReadDir(dir)
	if err != nil {
		b.Skipf("corpus not found (%v): skipping", err)
	}
	var best string
	var size int64
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && !e.IsDir() && fi.Size() > size && filepath.Ext(e.Name()) != ".tsv" && filepath.Ext(e.Name()) != ".md" {
			best, size = filepath.Join(dir, e.Name()), fi.Size()
		}
	}
	return best
}

// BenchmarkModelLargestSpec derives the threat model of the largest
// corpus spec (already loaded), next to BenchmarkAuditLargestSpec, its
// audit on the same loaded input.
func BenchmarkModelLargestSpec(b *testing.B) {
	path := largestCorpusSpec(b)
	api, _, err := spec.Load(context.Background(), path, spec.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res := threat.Derive(threat.Input{APIs: []*escarp.API{api}})
		if len(res.Ranking) == 0 {
			b.Fatal("nothing ranked")
		}
	}
	b.ReportMetric(float64(len(api.Operations)), "operations")
}

// BenchmarkAuditLargestSpec audits the same spec with every rule.
func BenchmarkAuditLargestSpec(b *testing.B) {
	path := largestCorpusSpec(b)
	in, _, err := audit.Load(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	all := rules.All()
	b.ResetTimer()
	for b.Loop() {
		if _, err := audit.RunInput(context.Background(), in, all, audit.Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
