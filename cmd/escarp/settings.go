package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/scan"
)

// Settings are resolved here, once per component, in one order: the flag
// when set on the command line, then ESCARP_<KEY> in the environment, then
// the config file, then the default. Typed values from the file are used
// as they are (never printed and parsed again); every bad value is
// reported, not only the first.

// newReport is the one report envelope every command writes: schema
// version, tool, the time span (finished now) and the runs.
func newReport(started time.Time, runs ...*escarp.Run) *escarp.Report {
	return &escarp.Report{
		SchemaVersion: escarp.ReportSchemaVersion,
		Tool:          escarp.Tool{Name: "escarp", Version: currentBuild().Version, URI: "https://github.com/escarp/escarp"},
		StartedAt:     started,
		FinishedAt:    time.Now().UTC(),
		Runs:          runs,
	}
}

// validConfig is [app.config] for the commands that act on the config
// (scan, audit, ci): the file is first checked like `escarp config
// validate` does, and every problem is printed as file:line:col: field:
// message before the command fails with exit code 2.
func (a *app) validConfig(op string) (*config.File, error) {
	if a.cfg == nil {
		if path := a.configFile(); path != "" {
			if errs := config.ValidateFile(path, a.rel(path), a.getenv); len(errs) > 0 {
				return nil, a.configProblems(op, a.rel(path), errs)
			}
		}
	}
	return a.config()
}

// configProblems prints errs, the problems found in the config file name,
// on stderr and returns the error that ends the command: exit code 2, or
// the first error that is not about the input (an unreadable file).
func (a *app) configProblems(op, name string, errs []error) error {
	for _, err := range errs {
		fmt.Fprintln(a.stderr, err)
	}
	for _, err := range errs {
		if k := escarp.KindOf(err); k != escarp.Invalid {
			return fmt.Errorf("%s: cannot validate: %w", name, err)
		}
	}
	problems := "problems"
	if len(errs) == 1 {
		problems = "problem"
	}
	return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: fmt.Sprintf("%s: %d %s", name, len(errs), problems)}
}

// resolver resolves the settings of one command (cmd may be nil: only the
// file and the defaults count, as for the demo's built-in config).
type resolver struct {
	a    *app
	cmd  *cobra.Command
	errs []error
}

func (r *resolver) flag(name string) *pflag.Flag {
	if r.cmd == nil {
		return nil
	}
	return r.cmd.Flags().Lookup(name)
}

// raw returns the value of the flag when set, else of ESCARP_<KEY>, with
// where it came from; ok is false when neither is set.
func (r *resolver) raw(flag, key string) (v, from string, ok bool) {
	if f := r.flag(flag); f != nil && f.Changed {
		return f.Value.String(), "--" + flag, true
	}
	if r.cmd != nil {
		env := "ESCARP_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
		if v, ok := r.a.getenv(env); ok && v != "" {
			return v, env, true
		}
	}
	return "", "", false
}

// resolve returns the setting flag/key of type T: flag, environment, file
// (nil when the file does not set it), then the flag's default (else def).
func resolve[T any](r *resolver, flag, key string, file *T, def T, parse func(string) (T, error)) T {
	if v, from, ok := r.raw(flag, key); ok {
		x, err := parse(v)
		if err != nil {
			r.errs = append(r.errs, &escarp.Error{Op: "settings", Kind: escarp.Invalid, Message: fmt.Sprintf("%s %q: %v", from, v, unwrapNum(err))})
			return def
		}
		return x
	}
	if file != nil {
		return *file
	}
	if f := r.flag(flag); f != nil {
		if x, err := parse(f.DefValue); err == nil {
			return x
		}
	}
	return def
}

// unwrapNum drops strconv's "strconv.ParseFloat: parsing "x":" prefix.
func unwrapNum(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return ne.Err
	}
	return err
}

func parseList(s string) ([]string, error) { return splitList(s), nil }
func parseString(s string) (string, error) { return s, nil }

// err returns the collected errors as one (nil when none).
func (r *resolver) err(op string) error {
	if len(r.errs) == 0 {
		return nil
	}
	if len(r.errs) == 1 {
		return r.errs[0]
	}
	msgs := make([]string, len(r.errs))
	for i, e := range r.errs {
		msgs[i] = e.Error()
	}
	return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: strings.Join(msgs, "; ")}
}

// addScanFlags adds the flags that control a scan, shared by `escarp scan`
// and the scan stage of `escarp ci` and `escarp baseline create`.
func addScanFlags(f *pflag.FlagSet) {
	f.Float64("rate", scan.DefaultRate, "maximum requests per second (0: default, negative: unthrottled)")
	f.Int("concurrency", scan.DefaultConcurrency, "maximum requests in flight")
	f.Int("max-requests", scan.DefaultMaxRequests, "request budget")
	f.Duration("max-duration", scan.DefaultMaxDuration, "time budget of the whole scan")
	f.Duration("timeout", scan.DefaultTimeout, "timeout of each request")
	f.String("checks", "", "run only these checks: comma-separated ids, id prefixes or OWASP categories (API1,ESC-DAST-SSRF)")
	f.String("skip-checks", "", "skip these checks (same selectors as --checks)")
	f.Bool("allow-destructive", false, "run destructive checks and allow DELETE on resources escarp did not create")
	f.String("callback-addr", "", "address of escarp's callback listener (default a random loopback port)")
	f.String("callback-url", "", "URL the target uses to reach the callback listener (remote targets)")
	f.String("identity-file", "", "YAML file with an identities list (replaces the config's identities)")
}

// scanConfig resolves the scan settings of cmd (nil: the file's only) from
// cf's scan and identities sections, the environment and the flags of
// [addScanFlags]. It is the only place a scan.Config is assembled.
func (a *app) scanConfig(cmd *cobra.Command, cf *config.File) (scan.Config, error) {
	const op = "scan"
	var fc scan.FileConfig
	if err := cf.Section("scan", &fc); err != nil {
		return scan.Config{}, err
	}
	var cfg scan.Config
	if err := cf.Section("identities", &cfg.Identities); err != nil {
		return scan.Config{}, err
	}
	r := &resolver{a: a, cmd: cmd}
	// The file's durations are strings: parse them once, where they are.
	fileDur := func(field, v string) *time.Duration {
		if v == "" {
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			pos := escarp.Position{File: cf.Path}
			if n := cf.Node("scan"); n != nil {
				pos.Line, pos.Column = n.Line, n.Column
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == field {
						pos.Line, pos.Column = n.Content[i+1].Line, n.Content[i+1].Column
					}
				}
			}
			r.errs = append(r.errs, escarp.InvalidAt(pos, "scan.%s: %q is not a duration (like 90s or 10m)", field, v))
			return nil
		}
		return &d
	}
	fileStr := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	fileList := func(v []string) *[]string {
		if v == nil {
			return nil
		}
		return &v
	}
	cfg.Rate = resolve(r, "rate", "rate", fc.Rate, 0, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
	cfg.Concurrency = resolve(r, "concurrency", "concurrency", fc.Concurrency, 0, strconv.Atoi)
	cfg.MaxRequests = resolve(r, "max-requests", "max_requests", fc.MaxRequests, 0, strconv.Atoi)
	cfg.MaxDuration = resolve(r, "max-duration", "max_duration", fileDur("max_duration", fc.MaxDuration), 0, time.ParseDuration)
	cfg.Timeout = resolve(r, "timeout", "timeout", fileDur("timeout", fc.Timeout), 0, time.ParseDuration)
	cfg.AllowDestructive = resolve(r, "allow-destructive", "allow_destructive", fc.AllowDestructive, false, strconv.ParseBool)
	cfg.Checks = resolve(r, "checks", "checks", fileList(fc.Checks), nil, parseList)
	cfg.SkipChecks = resolve(r, "skip-checks", "skip_checks", fileList(fc.SkipChecks), nil, parseList)
	cfg.CallbackAddr = resolve(r, "callback-addr", "callback_addr", fileStr(fc.CallbackAddr), "", parseString)
	cfg.CallbackURL = resolve(r, "callback-url", "callback_url", fileStr(fc.CallbackURL), "", parseString)
	idFile := resolve(r, "identity-file", "identity_file", nil, "", parseString)
	if err := r.err(op); err != nil {
		return scan.Config{}, err
	}
	if idFile != "" {
		if !filepath.IsAbs(idFile) {
			idFile = filepath.Join(a.wd, idFile)
		}
		ids, err := loadIdentityFile(idFile, a.getenv)
		if err != nil {
			return scan.Config{}, err
		}
		cfg.Identities = ids
	}
	cfg.Progress, cfg.Detail, cfg.Bar = a.status(), a.detail(), barWriter(a.progress())
	return cfg, nil
}

// configFile returns the path of the config file in use (--config, else
// ESCARP_CONFIG, else ./escarp.yaml when present), absolute, or "".
func (a *app) configFile() string {
	path := a.configPath
	if path == "" {
		if p, ok := a.getenv("ESCARP_CONFIG"); ok && p != "" {
			path = p
		}
	}
	if path == "" {
		p := filepath.Join(a.wd, config.DefaultName)
		if _, err := os.Stat(p); err == nil {
			path = p
		}
	}
	if path != "" && !filepath.IsAbs(path) {
		path = filepath.Join(a.wd, path)
	}
	return path
}

// auditSettings applies the audit flags and environment over cfg, the
// audit section of the file: --fail-on (ESCARP_FAIL_ON) and --min-score
// (ESCARP_MIN_SCORE).
func (a *app) auditSettings(cmd *cobra.Command, cfg *audit.Config) error {
	r := &resolver{a: a, cmd: cmd}
	var fileScore *int
	if cfg.MinScore != 0 {
		fileScore = &cfg.MinScore
	}
	var fileFail *string
	if cfg.FailOn != "" {
		fileFail = &cfg.FailOn
	}
	cfg.MinScore = resolve(r, "min-score", "min_score", fileScore, 0, func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, errors.New("not a number")
		}
		return n, nil
	})
	cfg.FailOn = resolve(r, "fail-on", "fail_on", fileFail, "", parseString)
	return r.err("audit")
}
