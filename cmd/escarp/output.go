package main

import (
	"os"
	"path/filepath"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/report"
)

// emit writes rep to stdout in format (text when empty; text, json, sarif,
// junit, markdown or html) and to every -o output, whose format follows its
// extension or an explicit FORMAT: prefix. Parent directories of outputs
// are created. Text on stdout is coloured only when stdout is a terminal
// and colour is not disabled.
func (a *app) emit(rep *escarp.Report, format string, outputs []string) error {
	if format == "" {
		format = report.FormatText
	}
	outs, err := a.outputs(outputs)
	if err != nil {
		return err
	}
	opts := a.reportOptions()
	f, err := opts.Lookup(format)
	if err != nil {
		return &escarp.Error{Op: "emit", Kind: escarp.Invalid, Message: "--format: " + err.Error()}
	}
	if err := opts.WriteOutputs(rep, outs); err != nil {
		return err
	}
	stdout := opts
	stdout.Color = format == report.FormatText && a.color(a.stdout)
	f, _ = stdout.Lookup(format)
	return f(a.stdout, rep)
}

// outputs parses -o specifications; relative paths are taken relative to
// the working directory.
func (a *app) outputs(specs []string) ([]report.Output, error) {
	outs, err := report.ParseOutputs(specs)
	if err != nil {
		return nil, err
	}
	for i := range outs {
		if !filepath.IsAbs(outs[i].Path) && a.wd != "" {
			outs[i].Path = filepath.Join(a.wd, outs[i].Path)
		}
	}
	return outs, nil
}

// reportOptions returns how reports render here: file URIs relative to the
// repository root (the nearest directory with .git above the working
// directory, else the working directory), the config file for findings
// that have no element.
func (a *app) reportOptions() report.Options {
	opts := report.Options{BaseDir: repoRoot(a.wd), WorkDir: a.wd, Status: a.status(), StatusDir: a.wd}
	if a.cfg != nil && a.cfg.Path != "" {
		opts.ConfigFile = a.cfg.Path
	}
	return opts
}

// repoRoot returns the nearest directory at or above dir that holds .git,
// or dir itself.
func repoRoot(dir string) string {
	if dir == "" {
		return ""
	}
	for d, i := filepath.Clean(dir), 0; i < 64; i++ {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return dir
}
