package secrets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/sources"
)

// writeTree writes n ordinary Go files (no secrets) under dir and returns
// their total size. One function in ten mentions a cache key, so about half
// of the files hold a keyword of gitleaks' generic rule, as real code does.
func writeTree(tb testing.TB, dir string, n int) int64 {
	tb.Helper()
	var total int64
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "package p%d\n\nimport (\n\t\"errors\"\n\t\"fmt\"\n\t\"strings\"\n)\n\n", i%50)
		for j := range 30 {
			fmt.Fprintf(&b, "// F%d_%d joins the parts of a path, skipping empty ones.\n", i, j)
			fmt.Fprintf(&b, "func F%d_%d(parts []string, limit int) (string, error) {\n", i, j)
			fmt.Fprintf(&b, "\tif len(parts) > limit {\n\t\treturn \"\", errors.New(\"too many parts\")\n\t}\n")
			fmt.Fprintf(&b, "\tvar out []string\n\tfor _, p := range parts {\n\t\tif p != \"\" {\n\t\t\tout = append(out, p)\n\t\t}\n\t}\n")
			if (i*30+j)%20 == 0 {
				fmt.Fprintf(&b, "\tcacheKey := fmt.Sprintf(\"%%s#%%d\", strings.Join(out, \"/\"), %d)\n\treturn cacheKey, nil\n}\n\n", j)
			} else {
				fmt.Fprintf(&b, "\treturn fmt.Sprintf(\"%%s?v=%%d\", strings.Join(out, \"/\"), %d), nil\n}\n\n", j)
			}
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

// BenchmarkGitleaksAlone is the baseline of BenchmarkScanTree: gitleaks'
// own detector over the same files, read and scanned by as many workers,
// without escarp's windows for generic-api-key.
func BenchmarkGitleaksAlone(b *testing.B) {
	dir := b.TempDir()
	const files = 2000
	size := writeTree(b, dir, files)
	cfg, err := gitleaksConfig()
	if err != nil {
		b.Fatal(err)
	}
	var paths []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return nil
	})
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		det := detect.NewDetector(cfg)
		ch := make(chan string)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for p := range ch {
					data, err := os.ReadFile(p)
					if err != nil {
						b.Error(err)
						continue
					}
					detectIn(context.Background(), det, sources.Fragment{Raw: string(data), FilePath: p, StartLine: 1})
				}
			}()
		}
		for _, p := range paths {
			ch <- p
		}
		close(ch)
		wg.Wait()
	}
	b.ReportMetric(float64(files)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
