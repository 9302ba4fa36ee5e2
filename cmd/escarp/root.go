package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/config"
)

// app carries what every command shares: I/O, the environment and the
// lazily loaded config.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// getenv looks up the environment; tests replace it.
	getenv func(string) (string, bool)
	// wd is the working directory; tests replace it.
	wd string

	configPath string
	noColor    bool
	// verbose adds per-check detail to the status lines on stderr.
	verbose bool
	cfg     *config.File
}

// run is the testable entry point: main only turns its error into an exit
// code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	wd, _ := os.Getwd()
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.LookupEnv, wd: wd}
	return a.run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) error {
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if err != nil && escarp.KindOf(err) == escarp.Internal && isUsageError(err) {
		return &escarp.Error{Op: "cli", Kind: escarp.Invalid, Message: err.Error()}
	}
	return err
}

// isUsageError recognises cobra's and pflag's own errors, which are plain
// errors without a kind.
func isUsageError(err error) bool {
	var e *escarp.Error
	if errors.As(err, &e) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "requires at most", "received ", "required flag", "if any flags"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "escarp",
		Short: "Continuous API security: audit, scan, code, CI gate, inventory",
		Long: `escarp tests APIs across their whole lifecycle: a static audit of API
descriptions, stateful multi-identity DAST of running APIs, code scanning,
a CI gate with baselines, an API inventory, and a vulnerable lab to learn on.

Exit codes: 0 ran and nothing reached the failure threshold; 1 findings
reached the threshold; 2 usage, configuration or input error; 3 the run
could not complete.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.configPath, "config", "", "config file (default ./escarp.yaml when present)")
	root.PersistentFlags().BoolVar(&a.noColor, "no-color", false, "disable colour (NO_COLOR is honoured too)")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "add per-check detail (timings) to the status lines on stderr")
	root.AddCommand(a.commands()...)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &escarp.Error{Op: "cli", Kind: escarp.Invalid, Message: err.Error()}
	})
	return root
}

// commands is the explicit list of subcommands.
func (a *app) commands() []*cobra.Command {
	return []*cobra.Command{
		a.demoCmd(),
		a.labCmd(),
		a.specCmd(),
		a.auditCmd(),
		a.scanCmd(),
		a.codeCmd(),
		a.reportCmd(),
		a.inventoryCmd(),
		a.discoverCmd(),
		a.explainCmd(),
		a.configCmd(),
		a.versionCmd(),
		a.ciCmd(),
		a.baselineCmd(),
		a.learnCmd(),
		a.checklistCmd(),
		a.reviewCmd(),
		a.threatCmd(),
		a.policyCmd(),
		a.monitorCmd(),
		a.serveCmd(),
		a.workerCmd(),
	}
}

// config returns the loaded config: --config, else ./escarp.yaml when
// present, else an empty one rooted at the working directory.
func (a *app) config() (*config.File, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path := a.configFile()
	if path == "" {
		a.cfg = config.Empty(a.wd)
		return a.cfg, nil
	}
	f, err := config.Load(path, a.getenv)
	if err != nil {
		return nil, err
	}
	a.cfg = f
	return f, nil
}

// setting resolves a scalar setting by precedence: the flag when set on
// the command line, then ESCARP_<KEY> in the environment, then the value
// from the config file (fromConfig), then the flag's default.
func (a *app) setting(cmd *cobra.Command, flag, key, fromConfig string) string {
	if f := cmd.Flags().Lookup(flag); f != nil && f.Changed {
		return f.Value.String()
	}
	if v, ok := a.getenv("ESCARP_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))); ok && v != "" {
		return v
	}
	if fromConfig != "" {
		return fromConfig
	}
	if f := cmd.Flags().Lookup(flag); f != nil {
		return f.Value.String()
	}
	return ""
}

// color reports whether output to w may use ANSI colour.
func (a *app) color(w io.Writer) bool {
	if a.noColor {
		return false
	}
	if _, ok := a.getenv("NO_COLOR"); ok {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a terminal. A character device is not
// enough: /dev/null is one.
func isTerminal(w io.Writer) bool {
	// A character device is not enough: /dev/null is one. term.IsTerminal
	// asks the terminal driver.
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress returns where progress bars go: stderr on a terminal, else
// nowhere. Status lines go to [app.status] whatever stderr is.
func (a *app) progress() io.Writer {
	if isTerminal(a.stderr) {
		return a.stderr
	}
	return io.Discard
}

// status returns where status lines go: one per stage, "wrote FILE", the
// summary. Always stderr, never into machine output on stdout.
func (a *app) status() io.Writer { return a.stderr }

// detail returns where per-check detail goes: stderr with --verbose, else
// nowhere.
func (a *app) detail() io.Writer {
	if a.verbose {
		return a.stderr
	}
	return io.Discard
}

// barWriter returns w for progress bars, or nil when w discards them (so
// that engines skip drawing and keep their plain status lines).
func barWriter(w io.Writer) io.Writer {
	if w == io.Discard {
		return nil
	}
	return w
}
