package sast

import (
	"context"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/securego/gosec/v2"
	"github.com/securego/gosec/v2/analyzers"
	"github.com/securego/gosec/v2/rules"
	"golang.org/x/tools/go/packages"
)

// The benchmarks run on the vulnerable fixture. On a shared machine prefer
// BenchmarkSASTVersusGosec, which interleaves the runs and reports ratios.

func benchDir(b *testing.B) string {
	b.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "vulnapi"))
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// escarpOnce is escarp's whole Go SAST: one load, one SSA build, gosec's
// rules and analyzers, the taint pass, merging.
func escarpOnce(b *testing.B, dir string) {
	run, err := Scan(context.Background(), dir, Options{})
	if err != nil || len(run.Findings) == 0 {
		b.Fatalf("Scan = %v, %d findings", err, len(run.Findings))
	}
}

// gosecProcess is gosec's library alone as its command line drives it:
// Process over every package directory, default concurrency, every rule
// and analyzer.
func gosecProcess(b *testing.B, dirs []string) {
	a := gosec.NewAnalyzer(gosec.NewConfig(), false, false, true, runtime.NumCPU(), log.New(io.Discard, "", 0))
	a.LoadRules(rules.Generate(true).RulesInfo())
	a.LoadAnalyzers(analyzers.Generate(true).AnalyzersInfo())
	if err := a.Process(nil, dirs...); err != nil {
		b.Fatal(err)
	}
	if issues, _, _ := a.Report(); len(issues) == 0 {
		b.Fatal("gosec found nothing")
	}
}

// gosecOneLoad is gosec's library alone with the packages loaded once by
// the caller (packages.Load of ./..., then CheckRules and CheckAnalyzers,
// which build gosec's own per-package SSA): the cheapest way to call gosec.
func gosecOneLoad(b *testing.B, dir string) {
	pkgs, err := packages.Load(&packages.Config{Mode: gosec.LoadMode, Dir: dir, Env: loadEnv(dir)}, "./...")
	if err != nil {
		b.Fatal(err)
	}
	a := gosec.NewAnalyzer(gosec.NewConfig(), false, false, true, 1, log.New(io.Discard, "", 0))
	a.LoadRules(rules.Generate(true).RulesInfo())
	a.LoadAnalyzers(analyzers.Generate(true).AnalyzersInfo())
	for _, p := range pkgs {
		a.CheckRules(p)
		a.CheckAnalyzers(p)
	}
	if issues, _, _ := a.Report(); len(issues) == 0 {
		b.Fatal("gosec found nothing")
	}
}

// packageDirs lists the directories holding Go files under dir, as gosec's
// command line expands ./...; it also points the go command (which
// gosec's Process runs in the process environment) offline.
func packageDirs(b *testing.B, dir string) []string {
	b.Helper()
	for _, kv := range [][2]string{{"GOFLAGS", "-mod=mod"}, {"GOPROXY", "off"}, {"GOWORK", "off"}, {"GOTOOLCHAIN", "local"}} {
		b.Setenv(kv[0], kv[1])
	}
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".go" && (len(dirs) == 0 || dirs[len(dirs)-1] != filepath.Dir(p)) {
			dirs = append(dirs, filepath.Dir(p))
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return dirs
}

// BenchmarkSAST is escarp's Scan on the vulnerable fixture.
func BenchmarkSAST(b *testing.B) {
	dir := benchDir(b)
	for b.Loop() {
		escarpOnce(b, dir)
	}
}

// BenchmarkGosecAlone is gosec's library alone (Process, as its command
// line runs it), same rules and analyzers, same input.
func BenchmarkGosecAlone(b *testing.B) {
	dirs := packageDirs(b, benchDir(b))
	for b.Loop() {
		gosecProcess(b, dirs)
	}
}

// BenchmarkGosecOneLoad is gosec's library alone on packages loaded once.
func BenchmarkGosecOneLoad(b *testing.B) {
	dir := benchDir(b)
	for b.Loop() {
		gosecOneLoad(b, dir)
	}
}

// BenchmarkSASTVersusGosec interleaves escarp's Scan with both ways of
// running gosec alone, so load from other processes hits all of them
// alike, and reports escarp's time as a ratio of each (the issue asks for
// at most 1.5).
func BenchmarkSASTVersusGosec(b *testing.B) {
	dir := benchDir(b)
	dirs := packageDirs(b, dir)
	var esc, proc, one time.Duration
	for b.Loop() {
		t0 := time.Now()
		escarpOnce(b, dir)
		t1 := time.Now()
		gosecProcess(b, dirs)
		t2 := time.Now()
		gosecOneLoad(b, dir)
		esc, proc, one = esc+t1.Sub(t0), proc+t2.Sub(t1), one+time.Since(t2)
	}
	n := float64(b.N)
	b.ReportMetric(float64(esc.Nanoseconds())/n, "escarp-ns/op")
	b.ReportMetric(float64(proc.Nanoseconds())/n, "gosec-ns/op")
	b.ReportMetric(float64(one.Nanoseconds())/n, "gosec-oneload-ns/op")
	b.ReportMetric(esc.Seconds()/proc.Seconds(), "escarp/gosec")
	b.ReportMetric(esc.Seconds()/one.Seconds(), "escarp/gosec-oneload")
}
