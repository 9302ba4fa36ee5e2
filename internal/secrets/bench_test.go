package secrets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree writes n ordinary Go files (no secrets) under dir and returns
// their total size.
func writeTree(tb testing.TB, dir string, n int) int64 {
	tb.Helper()
	var total int64
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "package p%d\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\n", i%50)
		for j := range 30 {
			fmt.Fprintf(&b, "// F%d_%d joins the parts of a key path for the cache.\n", i, j)
			fmt.Fprintf(&b, "func F%d_%d(parts []string, token string) string {\n", i, j)
			fmt.Fprintf(&b, "\tkey := strings.Join(parts, \"/\")\n\tif token == \"\" {\n\t\treturn key\n\t}\n")
			fmt.Fprintf(&b, "\treturn fmt.Sprintf(\"%%s?v=%%d\", key, %d)\n}\n\n", j)
		}
		p := filepath.Join(dir, fmt.Sprintf("pkg%02d", i%50), fmt.Sprintf("f%04d.go", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
		total += int64(b.Len())
	}
	return total
}

// BenchmarkScanTree scans a generated tree of 2,000 Go files and reports
// files/s and MB/s.
func BenchmarkScanTree(b *testing.B) {
	dir := b.TempDir()
	const files = 2000
	size := writeTree(b, dir, files)
	if _, err := gitleaksConfig(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		run, err := Scan(context.Background(), dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if run.Stats["files"] != files || len(run.Findings) != 0 {
			b.Fatalf("stats %v, %d findings", run.Stats, len(run.Findings))
		}
	}
	b.ReportMetric(float64(files)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
