package sast

import (
	"context"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/securego/gosec/v2"
	"github.com/securego/gosec/v2/analyzers"
	"github.com/securego/gosec/v2/rules"
	"golang.org/x/tools/go/packages"
)

// BenchmarkSAST is escarp's whole Go SAST (one load, one SSA build, gosec's
// rules and analyzers, the taint pass, merging) on the vulnerable fixture.
func BenchmarkSAST(b *testing.B) {
	dir := filepath.Join("testdata", "vulnapi")
	for b.Loop() {
		run, err := Scan(context.Background(), dir, Options{})
		if err != nil || len(run.Findings) == 0 {
			b.Fatalf("Scan = %v, %d findings", err, len(run.Findings))
		}
	}
}

// BenchmarkGosecAlone is gosec's library alone, as its command line drives
// it (Process over every package directory, default concurrency), with the
// same rules and analyzers, on the same fixture.
func BenchmarkGosecAlone(b *testing.B) {
	for _, kv := range [][2]string{{"GOFLAGS", "-mod=mod"}, {"GOPROXY", "off"}, {"GOWORK", "off"}, {"GOTOOLCHAIN", "local"}} {
		b.Setenv(kv[0], kv[1])
	}
	root, err := filepath.Abs(filepath.Join("testdata", "vulnapi"))
	if err != nil {
		b.Fatal(err)
	}
	var dirs []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".go" && (len(dirs) == 0 || dirs[len(dirs)-1] != filepath.Dir(p)) {
			dirs = append(dirs, filepath.Dir(p))
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		a := gosec.NewAnalyzer(gosec.NewConfig(), false, false, true, runtime.NumCPU(), log.New(io.Discard, "", 0))
		a.LoadRules(rules.Generate(true).RulesInfo())
		a.LoadAnalyzers(analyzers.Generate(true).AnalyzersInfo())
		if err := a.Process(nil, dirs...); err != nil {
			b.Fatal(err)
		}
		issues, _, _ := a.Report()
		if len(issues) == 0 {
			b.Fatal("gosec found nothing")
		}
	}
}

// BenchmarkGosecOneLoad is gosec's library alone with the packages loaded
// once by the caller (packages.Load of ./..., then CheckRules and
// CheckAnalyzers, which build gosec's own per-package SSA): the cheapest way
// to call gosec alone, for comparison with BenchmarkSAST.
func BenchmarkGosecOneLoad(b *testing.B) {
	dir, err := filepath.Abs(filepath.Join("testdata", "vulnapi"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cfg := &packages.Config{Mode: gosec.LoadMode, Dir: dir, Env: loadEnv(dir)}
		pkgs, err := packages.Load(cfg, "./...")
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
		issues, _, _ := a.Report()
		if len(issues) == 0 {
			b.Fatal("gosec found nothing")
		}
	}
}
