package sca

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// goSelection is the build list of one Go module: the module versions the
// go command selects, which are the only ones a Go advisory can affect.
// go.sum also lists versions that were once considered and are not built;
// reporting them would advise "upgrading" modules already newer.
type goSelection struct {
	versions map[string]map[string]bool // module path → selected versions (without "v")
	note     string                     // why the list may be incomplete, or ""
}

// selects reports whether version of module is in the build list. The
// standard library and toolchain are always in.
func (g *goSelection) selects(module, version string) bool {
	if module == "stdlib" || module == "toolchain" {
		return true
	}
	return g.versions[module][strings.TrimPrefix(version, "v")]
}

func (g *goSelection) add(module, version string) {
	if g.versions[module] == nil {
		g.versions[module] = map[string]bool{}
	}
	g.versions[module][strings.TrimPrefix(version, "v")] = true
}

// selectGo computes the build list of the module whose go.mod is at gomod:
// for go 1.17 and later the (pruned) go.mod lists every module the build
// uses; for older modules `go list -m all` tells it, offline, when the
// module cache holds what it needs; otherwise only the direct requirements
// are known, and the note says so.
func selectGo(ctx context.Context, gomod string) (*goSelection, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return nil, err
	}
	mf, err := modfile.ParseLax(gomod, data, nil)
	if err != nil {
		return nil, err
	}
	g := &goSelection{versions: map[string]map[string]bool{}}
	direct := func() {
		for _, r := range mf.Require {
			g.add(r.Mod.Path, r.Mod.Version)
		}
		for _, r := range mf.Replace {
			if r.New.Version != "" {
				g.add(r.Old.Path, r.New.Version)
				g.add(r.New.Path, r.New.Version)
			}
		}
	}
	goVersion := "1.16" // no go directive: the go command assumes an old module
	if mf.Go != nil {
		goVersion = mf.Go.Version
	}
	if semver.Compare("v"+goVersion, "v1.17") >= 0 {
		direct()
		return g, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-mod=readonly", "-m", "all")
	cmd.Dir = filepath.Dir(gomod)
	cmd.Env = append(govulncheckEnv(os.Environ(), true), "GOWORK=off", "GOFLAGS=-mod=readonly") // never write the user's go.mod
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		direct()
		g.note = fmt.Sprintf("%s declares go %s: its indirect versions are unknown without the module cache (run go mod download there), so only its direct requirements were checked",
			filepath.Base(filepath.Dir(gomod))+"/go.mod", goVersion)
		return g, nil
	}
	for i, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 2 {
			continue // the main module, or a blank line
		}
		g.add(f[0], f[1])
		if len(f) >= 5 && f[2] == "=>" {
			g.add(f[3], f[4])
		}
	}
	return g, nil
}
