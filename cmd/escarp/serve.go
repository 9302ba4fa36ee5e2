package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/bus"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/jobs"
	"github.com/escarp/escarp/internal/server"
)

// serveCmd is `escarp serve`: the continuous platform.
func (a *app) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the platform: scheduler, history, REST API, dashboard and workers",
		Long: `serve runs escarp continuously: projects re-tested on a cron schedule, on
a signed POST from CI or by hand; every run and finding kept in the store
with its fingerprint history and triage; a REST API under /api/v1 (its
OpenAPI 3.1 document at /api/v1/openapi.json) and a dashboard at /ui/.

The first line on stdout is "listening http://ADDR". On a store with no
token, an admin token is created from ESCARP_SERVE_ADMIN_TOKEN, or
generated and printed once to stderr. Every route but /healthz, /readyz
and the login page needs a token; /metrics is anonymous only on
--metrics-addr. Several serve processes may share one PostgreSQL store
(--store postgres://...) and one NATS bus (--bus nats://...); schedules
fire once across them. docs/serve.md has the details.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runServe(cmd, false) },
	}
	f := cmd.Flags()
	f.String("listen", "127.0.0.1:8088", "address to serve on")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	addBusFlag(cmd)
	f.String("tls-cert", "", "serve HTTPS with this certificate `FILE`")
	f.String("tls-key", "", "the certificate's key `FILE`")
	f.String("metrics-addr", "", "also serve /metrics without authentication on this address")
	f.Int("workers", 1, "jobs this node runs at once (0: none, API only)")
	f.Int("retention", 0, "keep raw evidence of the last `N` runs per project (0: all)")
	f.Bool("no-scheduler", false, "do not fire schedules on this node")
	return cmd
}

// workerCmd is `escarp worker`: runs jobs from the store and bus, no API.
func (a *app) workerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run escarp serve's jobs on this machine (no API, no scheduler)",
		Long: `worker takes jobs queued by escarp serve, from the bus (--bus nats://...)
and the shared store (--store postgres://...), runs them and records
their results. A worker that dies mid-job leaves its job to another
worker once its lease expires; the job's result is recorded once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runServe(cmd, true) },
	}
	f := cmd.Flags()
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	addBusFlag(cmd)
	f.Int("workers", 1, "jobs this worker runs at once")
	f.Int("retention", 0, "keep raw evidence of the last `N` runs per project (0: all)")
	f.Duration("lease", 30*time.Second, "how long a job is held without a heartbeat")
	return cmd
}

func (a *app) runServe(cmd *cobra.Command, worker bool) error {
	const op = "serve"
	ctx := cmd.Context()
	cf, err := a.config()
	if err != nil {
		return err
	}
	var fc server.FileConfig
	if err := cf.Section("serve", &fc); err != nil {
		return err
	}
	intSetting := func(flag, key string, fromConfig int) (int, error) {
		def := ""
		if fromConfig != 0 {
			def = strconv.Itoa(fromConfig)
		}
		v := a.setting(cmd, flag, key, def)
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: fmt.Sprintf("--%s %q: want a whole number, 0 or more", flag, v)}
		}
		return n, nil
	}
	workers, err := intSetting("workers", "serve_workers", fc.Workers)
	if err != nil {
		return err
	}
	retention, err := intSetting("retention", "serve_retention", fc.Retention.Runs)
	if err != nil {
		return err
	}
	db, err := a.openStore(cmd)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := server.Config{Store: db, Retention: retention, Workers: workers,
		Logger: slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if workers == 0 {
		cfg.Workers = -1
	}
	if f := cmd.Flags().Lookup("bus"); f != nil {
		opts := bus.Options{}
		if worker {
			lease, _ := cmd.Flags().GetDuration("lease")
			cfg.Lease, opts.AckWait = lease, lease
		}
		var fromConfig string
		_ = cf.Section("bus", &fromConfig)
		if u := a.setting(cmd, "bus", "bus", fromConfig); u != "" && u != "memory" {
			b, err := a.openBus(cmd, opts)
			if err != nil {
				return err
			}
			defer b.Close()
			cfg.Bus = b
		}
	}
	cfg.Runners = jobs.Runners(jobs.Options{Dir: cf.Dir, Getenv: a.getenv}, rules.All(), list.All())
	cfg.Runners["code"] = a.codeRunner(cf)
	if worker {
		cfg.NoScheduler = true
	} else {
		cfg.NoScheduler, _ = cmd.Flags().GetBool("no-scheduler")
		cfg.TLS = a.setting(cmd, "tls-cert", "serve_tls_cert", fc.TLSCert) != ""
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	if worker {
		fmt.Fprintf(a.stderr, "escarp worker: running jobs (%v)\n", srv.Kinds())
		srv.Background(ctx)
		return nil
	}
	secret, _ := a.getenv("ESCARP_SERVE_ADMIN_TOKEN")
	created, err := srv.Bootstrap(ctx, secret)
	if err != nil {
		return err
	}
	if created != "" && secret == "" {
		fmt.Fprintf(a.stderr, "escarp serve: admin token (shown once; store it now): %s\n", created)
	}
	tlsCert := a.setting(cmd, "tls-cert", "serve_tls_cert", fc.TLSCert)
	tlsKey := a.setting(cmd, "tls-key", "serve_tls_key", fc.TLSKey)
	if (tlsCert == "") != (tlsKey == "") {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "--tls-cert and --tls-key go together"}
	}
	addr := a.setting(cmd, "listen", "serve_listen", fc.Listen)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "listening on " + addr, Err: err}
	}
	scheme := "http"
	if tlsCert != "" {
		scheme = "https"
	}
	if maddr := a.setting(cmd, "metrics-addr", "serve_metrics_addr", fc.MetricsAddr); maddr != "" {
		mln, err := net.Listen("tcp", maddr)
		if err != nil {
			ln.Close()
			return &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "listening on " + maddr, Err: err}
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = ms.Serve(mln) }()
		defer ms.Close()
		fmt.Fprintf(a.stderr, "escarp serve: metrics on http://%s/metrics\n", mln.Addr())
	}
	fmt.Fprintf(a.stdout, "listening %s://%s\n", scheme, ln.Addr())
	err = srv.Run(ctx, ln, tlsCert, tlsKey, 20*time.Second)
	fmt.Fprintln(a.stderr, "escarp serve: stopped")
	return err
}

// codeRunner runs escarp code, with the code: section of escarp.yaml, over
// a project's repository: a directory inside the directory of the config
// (or the working directory), so that an editor cannot point the engines,
// whose findings quote code, at arbitrary files of the server.
func (a *app) codeRunner(cf *config.File) server.Runner {
	return server.RunnerFunc(func(ctx context.Context, p *escarp.Project) (*escarp.Run, error) {
		const op = "serve.code"
		if p.Repository == "" {
			return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "project " + p.Name + ": no repository to scan"}
		}
		base, err := filepath.Abs(cf.Dir)
		if err != nil {
			return nil, &escarp.Error{Op: op, Err: err}
		}
		root := filepath.Clean(filepath.Join(base, p.Repository))
		if filepath.IsAbs(p.Repository) {
			root = filepath.Clean(p.Repository)
		}
		if rel, err := filepath.Rel(base, root); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "project " + p.Name + ": repository " + p.Repository + " is outside " + base}
		}
		if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
			return nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: "project " + p.Name + ": repository " + p.Repository + " is not a directory"}
		}
		plan := &codePlan{root: root}
		if err := cf.Section("code", &plan.cfg); err != nil {
			return nil, err
		}
		run, _, err := a.codeRun(ctx, plan)
		return run, err
	})
}
