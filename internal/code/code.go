// Package code runs escarp's code engines (SAST, dependencies, secrets)
// over a source tree and merges what they find into one run of engine
// "code", so every report format, the gate and the baseline see one result.
//
// The engines themselves live in their own packages (internal/sast,
// internal/treesitter, internal/sca, internal/secrets); cmd/escarp hands
// their explicit list to [Run], so this package links none of them and can
// be tested with fake engines.
package code

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/pathglob"
)

// The engine names, as written in the engines list of the code section.
const (
	EngineSAST    = "sast"
	EngineSCA     = "sca"
	EngineSecrets = "secrets"
)

// Names lists every engine name in the order they run.
var Names = []string{EngineSAST, EngineSCA, EngineSecrets}

// Config is the code section of escarp.yaml.
type Config struct {
	// Path is the directory to analyse, relative to the config file
	// (default: the config file's directory, else the working directory).
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Engines chooses what runs among sast, sca and secrets (default all).
	Engines []string `yaml:"engines,omitempty" json:"engines,omitempty"`
	// Exclude are path globs, relative to Path, that no engine reads
	// ("testdata", "*.min.js", "internal/lab"); see internal/pathglob.
	Exclude []string `yaml:"exclude,omitempty" json:"exclude,omitempty"`
	// Tests includes Go test files in SAST.
	Tests bool `yaml:"tests,omitempty" json:"tests,omitempty"`
	// Tags are Go build tags for SAST.
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// OfflineDB is a directory of OSV JSON records: dependencies are
	// matched against it instead of osv.dev.
	OfflineDB string `yaml:"offline_db,omitempty" json:"offline_db,omitempty"`
	// Reachability, when false, skips govulncheck's call analysis for Go.
	Reachability *bool `yaml:"reachability,omitempty" json:"reachability,omitempty"`
	// History also scans git history for secrets (default true).
	History *bool `yaml:"history,omitempty" json:"history,omitempty"`
	// FailOn makes escarp code exit 1 when an unsuppressed finding reaches
	// this severity.
	FailOn string `yaml:"fail_on,omitempty" json:"fail_on,omitempty"`
}

// Validate reports the first invalid setting as an Invalid error.
func (c Config) Validate() error {
	for _, e := range c.Engines {
		if !slices.Contains(Names, e) {
			return invalid("code.engines: unknown engine %q (want %s)", e, strings.Join(Names, ", "))
		}
	}
	if c.FailOn != "" {
		if _, err := escarp.ParseSeverity(c.FailOn); err != nil {
			return invalid("code.fail_on: %v", err)
		}
	}
	if err := pathglob.Set(c.Exclude).Validate(); err != nil {
		return invalid("code.exclude: %v", err)
	}
	return nil
}

// Enabled reports whether the engine called name runs.
func (c Config) Enabled(name string) bool {
	return len(c.Engines) == 0 || slices.Contains(c.Engines, name)
}

func invalid(format string, args ...any) error {
	return &escarp.Error{Op: "code", Kind: escarp.Invalid, Message: fmt.Sprintf(format, args...)}
}

// Engine is one code engine as [Run] sees it.
type Engine struct {
	// Name is the engine name (sast, sca, secrets) the engines setting
	// selects; several engines may share one (Go and JavaScript SAST).
	Name string
	// Scan analyses root and returns a run whose file names are relative
	// to root.
	Scan func(ctx context.Context, root string) (*escarp.Run, error)
}

// Run runs every engine over root in order and merges their runs. An
// engine that fails does not stop the others: its error is noted in the
// run, and the first such error is returned with the merged run, so the
// caller can still report what the others found.
func Run(ctx context.Context, root string, engines []Engine) (*escarp.Run, error) {
	out := &escarp.Run{Engine: escarp.EngineCode, Target: root, StartedAt: time.Now().UTC(), Stats: map[string]int64{}}
	var firstErr error
	seen := map[string]bool{}
	for _, e := range engines {
		if err := ctx.Err(); err != nil {
			return out, &escarp.Error{Op: "code", Kind: escarp.Unavailable, Message: "interrupted", Err: err}
		}
		start := time.Now()
		run, err := e.Scan(ctx, root)
		out.Stats[e.Name+"Ms"] += time.Since(start).Milliseconds()
		if err != nil {
			if escarp.KindOf(err) == escarp.Invalid {
				return out, err
			}
			out.Notes = append(out.Notes, fmt.Sprintf("%s: could not complete: %v", e.Name, err))
			if firstErr == nil {
				firstErr = err
			}
		}
		if run == nil {
			continue
		}
		for _, r := range run.Rules {
			if !seen[r.ID] {
				seen[r.ID] = true
				out.Rules = append(out.Rules, r)
			}
		}
		out.Findings = append(out.Findings, run.Findings...)
		for _, n := range run.Notes {
			out.Notes = append(out.Notes, e.Name+": "+n)
		}
		for k, v := range run.Stats {
			out.Stats[e.Name+"."+k] += v
		}
	}
	out.Findings = dedupe(out.Findings)
	out.FinishedAt = time.Now().UTC()
	return out, firstErr
}

// sameFlaw are rules of different engines that report the same flaw on
// the same line; the later rule is dropped in favour of the earlier, which
// names the dropped one in its "also" property.
var sameFlaw = []struct{ keep, drop string }{
	// gosec's hard-coded credential rule and gitleaks find the same
	// secret; gitleaks names its kind and hashes the secret.
	{keep: "gitleaks:", drop: "gosec:G101"},
}

// dedupe drops findings of one engine that repeat another's on the same
// file and line.
func dedupe(fs []escarp.Finding) []escarp.Finding {
	type at struct {
		file string
		line int
	}
	kept := map[at][]int{}
	for i, f := range fs {
		k := at{f.Location.File, f.Location.Line}
		kept[k] = append(kept[k], i)
	}
	drop := make([]bool, len(fs))
	for _, idx := range kept {
		if len(idx) < 2 {
			continue
		}
		for _, p := range sameFlaw {
			keeper := -1
			for _, i := range idx {
				if strings.HasPrefix(fs[i].RuleID, p.keep) {
					keeper = i
					break
				}
			}
			if keeper < 0 {
				continue
			}
			for _, i := range idx {
				if fs[i].RuleID == p.drop && !drop[i] {
					drop[i] = true
					k := &fs[keeper]
					if k.Properties == nil {
						k.Properties = map[string]string{}
					}
					k.Properties["also"] = joinAlso(k.Properties["also"], p.drop)
				}
			}
		}
	}
	out := fs[:0]
	for i := range fs {
		if !drop[i] {
			out = append(out, fs[i])
		}
	}
	return out
}

func joinAlso(have, id string) string {
	if have == "" {
		return id
	}
	if slices.Contains(strings.Split(have, ","), id) {
		return have
	}
	return have + "," + id
}

// Rebase rewrites the file names of run, which are relative to root (or
// absolute, for files outside it such as a spec), to be relative to workDir (where reports resolve relative names), and computes
// every fingerprint from the name relative to repoRoot, so a finding keeps
// its identity whichever directory escarp was started in. Flow steps are
// rebased too.
func Rebase(run *escarp.Run, root, workDir, repoRoot string) {
	move := func(file string) (shown, ident string) {
		if file == "" {
			return file, file
		}
		abs := filepath.FromSlash(file)
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(root, abs)
		}
		shown, ident = file, file
		if workDir != "" {
			if r, err := filepath.Rel(workDir, abs); err == nil {
				shown = filepath.ToSlash(r)
			}
		}
		if repoRoot != "" {
			if r, err := filepath.Rel(repoRoot, abs); err == nil && !strings.HasPrefix(r, "..") {
				ident = filepath.ToSlash(r)
			}
		}
		return shown, ident
	}
	for i := range run.Findings {
		f := &run.Findings[i]
		shown, ident := move(f.Location.File)
		f.Location.File = ident
		f.Fingerprint = ""
		f.SetFingerprint()
		f.Location.File = shown
		for _, flow := range f.Flows {
			for j := range flow {
				flow[j].File, _ = move(flow[j].File)
			}
		}
	}
}
