package openapi

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadOpenAI loads the 3 MB OpenAI description (YAML, 182 paths,
// 1,400 component schemas). Target: under 1.5 s and 400 MB on 2 cores.
func BenchmarkLoadOpenAI(b *testing.B) {
	loc := filepath.Join(corpusDir(b), "openai.v31.yaml")
	data, err := os.ReadFile(loc)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		api, _, err := Load(context.Background(), loc, data, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(api.Operations) == 0 {
			b.Fatal("no operations")
		}
	}
}
