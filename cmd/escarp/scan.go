package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check/authn"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/spec"
)

// scanCmd is `escarp scan`: stateful multi-identity DAST of a running API.
func (a *app) scanCmd() *cobra.Command {
	var (
		outputs []string
		format  string
	)
	cmd := &cobra.Command{
		Use:   "scan --spec FILE --target URL",
		Short: "Test a running API (DAST) with every configured identity",
		Long: `scan tests a running API described by an OpenAPI document: it logs every
configured identity in and proves it works, creates the resources each
identity needs, runs the DAST checks (authorization, authentication,
injection, SSRF, misconfiguration...) within scope and budget, and deletes
what it created.

Requests go only to the target's origin; redirects are not followed. SSRF
probes point at escarp's own callback listener. No DELETE reaches a
resource escarp did not create unless --allow-destructive.

Settings come from flags, then ESCARP_<KEY> environment variables
(ESCARP_TARGET, ESCARP_SPEC, ESCARP_RATE, ...), then the scan and
identities sections of escarp.yaml.

Exit codes: 0 scanned; 1 a finding reached --fail-on; 2 bad input;
3 the target is unreachable, no identity authenticates, or the budget ran
out before every check ran.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runScan(cmd, format, outputs)
		},
	}
	f := cmd.Flags()
	f.String("spec", "", "OpenAPI document of the target (file or URL)")
	f.String("target", "", "base URL of the running API")
	f.StringArrayVarP(&outputs, "output", "o", nil, "write the report to `PATH` (format from the extension, or FORMAT:PATH); repeatable")
	f.StringVar(&format, "format", "text", "stdout format: text, json, sarif, junit, markdown or html")
	addScanFlags(f)
	f.String("jwt-wordlist", "", "file of candidate JWT HMAC keys, one a line, tried offline after the built-in list")
	f.String("fail-on", "", "exit 1 when a finding has at least this severity (critical, high, medium, low, info)")
	f.Bool("no-store", false, "do not record the findings in the store")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	return cmd
}

func (a *app) runScan(cmd *cobra.Command, format string, outputs []string) error {
	const op = "scan"
	cf, err := a.validConfig(op)
	if err != nil {
		return err
	}
	cfg, err := a.scanConfig(cmd, cf)
	if err != nil {
		return err
	}

	target := a.setting(cmd, "target", "target", cf.Target)
	if target == "" {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "no target: give --target URL, ESCARP_TARGET or target: in escarp.yaml"}
	}
	specPath := a.setting(cmd, "spec", "spec", "")
	if specPath == "" && cf.Spec != "" {
		specPath = cf.Spec
		if !strings.Contains(specPath, "://") && !filepath.IsAbs(specPath) {
			specPath = filepath.Join(cf.Dir, specPath)
		}
	} else if specPath != "" && !strings.Contains(specPath, "://") && !filepath.IsAbs(specPath) {
		specPath = filepath.Join(a.wd, specPath)
	}
	if specPath == "" {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "no API description: give --spec FILE, ESCARP_SPEC or spec: in escarp.yaml"}
	}

	var failOn *escarp.Severity
	if v := a.setting(cmd, "fail-on", "fail_on", ""); v != "" {
		sev, err := escarp.ParseSeverity(v)
		if err != nil {
			return err
		}
		failOn = &sev
	}

	ctx := cmd.Context()
	api, warnings, err := spec.Load(ctx, specPath, spec.Options{})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(a.status(), "warning:", w)
	}
	started := time.Now()
	var opts list.Options
	var fc scan.FileConfig
	if err := cf.Section("scan", &fc); err != nil {
		return err
	}
	if p := a.setting(cmd, "jwt-wordlist", "jwt_wordlist", fc.JWTWordlist); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(a.wd, p)
		}
		words, err := authn.LoadWordlist(p)
		if err != nil {
			return err
		}
		opts.JWTWordlist = words
	}
	run, err := scan.Run(ctx, api, target, cfg, list.With(opts))
	if run == nil {
		return err
	}
	if err != nil && len(run.Rules) == 0 {
		// Nothing was tested (unreachable, no identity): the reports still
		// say so, for CI upload steps.
		run.Notes = append(run.Notes, "scan stopped early: "+err.Error())
	}
	rep := newReport(started, run)
	if eerr := a.emit(rep, format, outputs); eerr != nil {
		return eerr
	}
	if noStore, _ := cmd.Flags().GetBool("no-store"); !noStore && (err == nil || len(run.Rules) > 0) {
		if serr := a.recordRuns(cmd, run); serr != nil {
			return serr
		}
	}
	if err != nil {
		return err
	}
	if failOn != nil {
		return failOnError(op, run, *failOn)
	}
	return nil
}

// loadIdentityFile reads identities from a YAML file holding either an
// `identities:` section or a bare list.
func loadIdentityFile(path string, getenv func(string) (string, bool)) ([]scan.Identity, error) {
	f, err := config.Load(path, getenv)
	if err != nil {
		return nil, err
	}
	var ids []scan.Identity
	if err := f.Section("identities", &ids); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, escarp.InvalidAt(escarp.Position{File: path, Line: 1}, "no identities: the file needs an identities: list")
	}
	return ids, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
