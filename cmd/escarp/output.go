package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/learn"
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
	teachRules(rep)
	outs, err := a.outputs(outputs)
	if err != nil {
		return err
	}
	opts := a.reportOptions()
	if _, err := opts.Lookup(format); err != nil {
		return &escarp.Error{Op: "emit", Kind: escarp.Invalid, Message: "--format: " + err.Error()}
	}
	if err := opts.WriteOutputs(rep, outs); err != nil {
		return err
	}
	stdout := opts
	stdout.Color = format == report.FormatText && a.color(a.stdout)
	f, _ := stdout.Lookup(format)
	return f(a.stdout, rep)
}

// teachRules names, on every rule of rep's runs, the lesson that teaches
// its flaw, so each report points from a finding to its lesson.
func teachRules(rep *escarp.Report) {
	for _, run := range rep.Runs {
		for i := range run.Rules {
			r := &run.Rules[i]
			if r.Lesson != "" {
				continue
			}
			if l := learn.LessonFor(r.ID, learn.ClassFor(r.CWE, r.OWASP, "")); l != nil {
				r.Lesson = l.ID
			}
		}
	}
}

// wrote prints the status line "wrote FILE" on stderr for every output
// written, named as the user gave it (relative to the working directory).
func (a *app) wrote(outs []report.Output) {
	for _, o := range outs {
		name := o.Path
		if rel, err := filepath.Rel(a.wd, o.Path); err == nil && a.wd != "" && !strings.HasPrefix(rel, "..") {
			name = rel
		}
		fmt.Fprintf(a.stderr, "wrote %s\n", name)
	}
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
