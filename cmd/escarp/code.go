package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/code"
	"github.com/escarp/escarp/internal/coderoutes"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/inventory/routes"
	"github.com/escarp/escarp/internal/report"
	"github.com/escarp/escarp/internal/sast"
	"github.com/escarp/escarp/internal/sca"
	"github.com/escarp/escarp/internal/secrets"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/treesitter"
)

// codeCmd is `escarp code [PATH]`: SAST, vulnerable dependencies and
// secrets in one report.
func (a *app) codeCmd() *cobra.Command {
	var (
		outputs []string
		format  string
	)
	cmd := &cobra.Command{
		Use:   "code [PATH]",
		Short: "Analyse source code: SAST, vulnerable dependencies (SCA) and secrets, in one report",
		Long: `code looks inside the API's source tree (PATH, default the code section's
path, else the directory of escarp.yaml, else the working directory):

  sast     Go: gosec's rules (gosec:G...) and escarp's taint analysis on SSA
           (ESC-SAST-*) from HTTP request data (net/http, gin, echo, chi,
           gorilla/mux, fiber) to SQL, commands, files, outbound HTTP, HTML
           and redirects, with the flow path of each finding.
           JavaScript/TypeScript (Express) and Python (Flask, FastAPI): SQL
           and command injection (needs a cgo build).
           With a spec, routes served by the code but not documented, and
           documented operations with no code (ESC-SAST-ROUTE-*).
  sca      lockfiles and manifests of Go, npm, Python, Java, Rust, Ruby and
           PHP matched against OSV: osv.dev, or --offline-db DIR (a directory
           of OSV JSON records). For Go, govulncheck's reachability: a
           vulnerable symbol that is never called is reported at info.
           -o cyclonedx:PATH writes a CycloneDX SBOM.
  secrets  gitleaks' rules (gitleaks:...) over the working tree and git
           history, and credential-like examples in the API description;
           every secret is redacted in every output.

"escarp code routes" lists the routes the code serves.

Exit codes: 0 analysed; 1 a finding reached --fail-on; 2 bad input, flags
or configuration; 3 an engine could not complete (osv.dev unreachable,
say): the others' findings are still reported.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runCode(cmd, args, format, outputs)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&outputs, "output", "o", nil, "write the report to `PATH` (format from the extension, or FORMAT:PATH; cyclonedx:PATH for the SBOM); repeatable")
	f.StringVar(&format, "format", "text", "stdout format: text, json, sarif, junit, markdown or html")
	f.String("fail-on", "", "exit 1 when an unsuppressed finding has at least this severity (critical, high, medium, low, info)")
	addCodeFlags(f)
	f.Bool("no-store", false, "do not record the findings in the store")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	cmd.AddCommand(a.codeRoutesCmd())
	return cmd
}

// addCodeFlags adds the flags that configure the code engines, shared by
// `escarp code` and the code stage of `escarp ci`.
func addCodeFlags(f *pflag.FlagSet) {
	f.StringSlice("engines", nil, "engines to run: sast, sca, secrets (default all)")
	f.StringSlice("exclude", nil, "path `GLOB`s, relative to PATH, that no engine reads; repeatable")
	f.Bool("tests", false, "include Go test files in SAST")
	f.StringSlice("tags", nil, "Go build tags for SAST")
	f.String("offline-db", "", "match dependencies against this `DIR` of OSV JSON records instead of osv.dev")
	f.Bool("no-reachability", false, "skip govulncheck's call analysis for Go dependencies")
	f.Bool("no-history", false, "do not scan git history for secrets")
	f.String("code-spec", "", "API description `FILE` to diff the code's routes against and scan for example secrets (default spec: in escarp.yaml)")
}

// codePlan is what `escarp code` and the ci code stage resolve before
// running the engines.
type codePlan struct {
	cfg     code.Config
	root    string // absolute
	specArg string
	spec    string // absolute path or URL, may be ""
}

// planCode resolves flags, environment and the code section.
func (a *app) planCode(cmd *cobra.Command, cf *config.File, pathArg string) (*codePlan, error) {
	p := &codePlan{}
	if err := cf.Section("code", &p.cfg); err != nil {
		return nil, err
	}
	c := &p.cfg
	list := func(flag, key string, into *[]string) {
		if fl := cmd.Flags().Lookup(flag); fl != nil && fl.Changed {
			*into, _ = cmd.Flags().GetStringSlice(flag)
			return
		}
		if v := a.setting(cmd, flag, key, strings.Join(*into, ",")); v != "" && v != "[]" {
			*into = splitList(v)
		}
	}
	list("engines", "code_engines", &c.Engines)
	list("exclude", "code_exclude", &c.Exclude)
	list("tags", "code_tags", &c.Tags)
	fromCfg := ""
	if c.Tests {
		fromCfg = "true"
	}
	if v := a.setting(cmd, "tests", "code_tests", fromCfg); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, &escarp.Error{Op: "code", Kind: escarp.Invalid, Message: fmt.Sprintf("--tests %q: not true or false", v)}
		}
		c.Tests = b
	}
	if cmd.Flags().Lookup("no-reachability").Changed {
		c.Reachability = new(false)
	}
	if cmd.Flags().Lookup("no-history").Changed {
		c.History = new(false)
	}
	if db := a.setting(cmd, "offline-db", "offline_db", ""); db != "" {
		c.OfflineDB = a.resolvePath(db, a.wd)
	} else if c.OfflineDB != "" {
		c.OfflineDB = a.resolvePath(c.OfflineDB, cf.Dir)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}

	switch {
	case pathArg != "":
		p.root = a.resolvePath(pathArg, a.wd)
	case c.Path != "":
		p.root = a.resolvePath(c.Path, cf.Dir)
	case cf.Path != "":
		p.root = cf.Dir
	default:
		p.root = a.wd
	}
	st, err := os.Stat(p.root)
	if err != nil || !st.IsDir() {
		return nil, &escarp.Error{Op: "code", Kind: escarp.Invalid, Message: fmt.Sprintf("%s: not a directory", a.rel(p.root))}
	}

	if v := a.setting(cmd, "code-spec", "code_spec", ""); v != "" {
		p.specArg, p.spec = v, a.resolvePath(v, a.wd)
	} else if cf.Spec != "" && !strings.Contains(cf.Spec, "://") {
		p.specArg, p.spec = cf.Spec, a.resolvePath(cf.Spec, cf.Dir)
	}
	return p, nil
}

// codeEngines is the explicit list of code engines for a plan. The SCA
// engine leaves its result in *deps, for the SBOM.
func (a *app) codeEngines(p *codePlan, deps **sca.Result) []code.Engine {
	c := p.cfg
	var es []code.Engine
	if c.Enabled(code.EngineSAST) {
		es = append(es,
			code.Engine{Name: code.EngineSAST, Scan: func(ctx context.Context, root string) (*escarp.Run, error) {
				return sast.Scan(ctx, root, sast.Options{Tests: c.Tests, Tags: c.Tags, Exclude: c.Exclude})
			}},
			code.Engine{Name: code.EngineSAST, Scan: func(ctx context.Context, root string) (*escarp.Run, error) {
				return treesitter.Scan(ctx, root, treesitter.Options{Exclude: c.Exclude})
			}})
		if p.spec != "" {
			es = append(es, code.Engine{Name: code.EngineSAST, Scan: func(ctx context.Context, root string) (*escarp.Run, error) {
				return routeDiffRun(ctx, root, p.spec)
			}})
		}
	}
	if c.Enabled(code.EngineSCA) {
		es = append(es, code.Engine{Name: code.EngineSCA, Scan: func(ctx context.Context, root string) (*escarp.Run, error) {
			res, err := sca.Scan(ctx, root, sca.Options{OfflineDB: c.OfflineDB, Offline: c.OfflineDB != "",
				NoReachability: c.Reachability != nil && !*c.Reachability, Exclude: c.Exclude})
			if res == nil {
				return nil, err
			}
			*deps = res
			return res.Run, err
		}})
	}
	if c.Enabled(code.EngineSecrets) {
		var specs []string
		if p.spec != "" && !strings.Contains(p.spec, "://") {
			specs = append(specs, p.spec)
		}
		es = append(es, code.Engine{Name: code.EngineSecrets, Scan: func(ctx context.Context, root string) (*escarp.Run, error) {
			return secrets.Scan(ctx, root, secrets.Options{History: c.History == nil || *c.History, Specs: specs, Exclude: c.Exclude})
		}})
	}
	return es
}

// routeExtractors is the explicit list of route sources in code.
var routeExtractors = []func(context.Context, string) ([]routes.Route, []string, error){
	coderoutes.Extract,
	treesitter.Routes,
}

// extractRoutes runs every route extractor over root.
func extractRoutes(ctx context.Context, root string) ([]routes.Route, []string, error) {
	var all []routes.Route
	var notes []string
	for _, x := range routeExtractors {
		rs, ns, err := x(ctx, root)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, rs...)
		notes = append(notes, ns...)
	}
	return all, notes, nil
}

// routeDiffRun compares the routes of the code under root with the spec
// and reports the differences as findings.
func routeDiffRun(ctx context.Context, root, specPath string) (*escarp.Run, error) {
	run := &escarp.Run{Engine: escarp.EngineCode, Target: root, StartedAt: time.Now().UTC(), Rules: coderoutes.Rules()}
	rs, notes, err := extractRoutes(ctx, root)
	if err != nil {
		return nil, err
	}
	run.Notes = notes
	api, _, err := spec.Load(ctx, specPath, spec.Options{})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		run.Notes = append(run.Notes, "no route found in the code: the spec was not compared")
	} else {
		run.Findings = coderoutes.DiffFindings(coderoutes.Diff(rs, api), specPath)
	}
	run.Stats = map[string]int64{"routes": int64(len(rs))}
	run.FinishedAt = time.Now().UTC()
	return run, nil
}

func (a *app) runCode(cmd *cobra.Command, args []string, format string, outputs []string) error {
	cf, err := a.config()
	if err != nil {
		return err
	}
	pathArg := ""
	if len(args) > 0 {
		pathArg = args[0]
	}
	p, err := a.planCode(cmd, cf, pathArg)
	if err != nil {
		return err
	}
	var failOn *escarp.Severity
	if v := a.setting(cmd, "fail-on", "fail_on", p.cfg.FailOn); v != "" {
		sev, err := escarp.ParseSeverity(v)
		if err != nil {
			return &escarp.Error{Op: "code", Kind: escarp.Invalid, Message: "--fail-on: " + err.Error()}
		}
		failOn = &sev
	}
	sbomPaths, rest, err := a.splitSBOMOutputs(outputs)
	if err != nil {
		return err
	}
	if _, err := a.outputs(rest); err != nil {
		return err
	}
	if _, err := a.reportOptions().Lookup(format); err != nil {
		return &escarp.Error{Op: "code", Kind: escarp.Invalid, Message: "--format: " + err.Error()}
	}

	started := time.Now().UTC()
	run, deps, runErr := a.codeRun(cmd.Context(), p)
	if run == nil {
		return runErr
	}
	if escarp.KindOf(runErr) == escarp.Invalid {
		return runErr
	}
	rep := &escarp.Report{
		SchemaVersion: escarp.ReportSchemaVersion,
		Tool:          escarp.Tool{Name: "escarp", Version: currentBuild().Version, URI: "https://github.com/escarp/escarp"},
		StartedAt:     started,
		FinishedAt:    time.Now().UTC(),
		Runs:          []*escarp.Run{run},
	}
	if err := a.writeSBOMs(sbomPaths, deps); err != nil {
		return err
	}
	if err := a.emit(rep, format, rest); err != nil {
		return err
	}
	if noStore, _ := cmd.Flags().GetBool("no-store"); !noStore {
		if err := a.recordRuns(cmd, run); err != nil {
			return err
		}
	}
	if runErr != nil {
		return runErr
	}
	if failOn != nil {
		return failOnError("code", run, *failOn)
	}
	return nil
}

// failOnError is the Threshold error of op when an unsuppressed finding
// of run reaches sev, else nil.
func failOnError(op string, run *escarp.Run, sev escarp.Severity) error {
	n := 0
	for _, f := range run.Findings {
		if f.Suppressed == nil && f.Severity >= sev {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return &escarp.Error{Op: op, Kind: escarp.Threshold,
		Message: fmt.Sprintf("%d unsuppressed finding(s) at or above %s", n, sev)}
}

// codeRun runs the planned engines and rebases file names for reports.
func (a *app) codeRun(ctx context.Context, p *codePlan) (*escarp.Run, *sca.Result, error) {
	var deps *sca.Result
	engines := a.codeEngines(p, &deps)
	status := a.status()
	announced := map[string]bool{}
	for i := range engines {
		scan, name := engines[i].Scan, engines[i].Name
		first := !announced[name] // several SAST analysers share one stage line
		announced[name] = true
		engines[i].Scan = func(ctx context.Context, root string) (*escarp.Run, error) {
			if first {
				fmt.Fprintf(status, "code: %s\n", name)
			}
			return scan(ctx, root)
		}
	}
	run, err := code.Run(ctx, p.root, engines)
	if run != nil {
		run.Target = a.rel(p.root)
		run.Spec = p.specArg
		code.Rebase(run, p.root, a.wd, repoRoot(p.root))
	}
	return run, deps, err
}

// splitSBOMOutputs separates cyclonedx:PATH outputs from report outputs.
func (a *app) splitSBOMOutputs(outputs []string) (sbom, rest []string, err error) {
	for _, o := range outputs {
		if name, path, ok := strings.Cut(o, ":"); ok && strings.EqualFold(name, "cyclonedx") {
			if path == "" {
				return nil, nil, &escarp.Error{Op: "code", Kind: escarp.Invalid, Message: fmt.Sprintf("output %q: no path after \"cyclonedx:\"", o)}
			}
			sbom = append(sbom, a.resolvePath(path, a.wd))
			continue
		}
		rest = append(rest, o)
	}
	return sbom, rest, nil
}

// writeSBOMs writes the CycloneDX SBOM of deps to every path.
func (a *app) writeSBOMs(paths []string, deps *sca.Result) error {
	if len(paths) == 0 {
		return nil
	}
	if deps == nil {
		return &escarp.Error{Op: "code", Kind: escarp.Invalid, Message: "-o cyclonedx: needs the sca engine (it lists the dependencies)"}
	}
	for _, path := range paths {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return &escarp.Error{Op: "code", Kind: escarp.Internal, Err: err}
		}
		f, err := os.Create(path)
		if err != nil {
			return &escarp.Error{Op: "code", Kind: escarp.Internal, Err: err}
		}
		werr := sca.WriteSBOM(f, deps)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			_ = os.Remove(path)
			return &escarp.Error{Op: "code", Kind: escarp.Internal, Message: "writing the SBOM " + path, Err: werr}
		}
		a.wrote([]report.Output{{Format: "cyclonedx", Path: path}})
	}
	return nil
}
