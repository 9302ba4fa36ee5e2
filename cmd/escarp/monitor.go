package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/bus"
	"github.com/escarp/escarp/internal/monitor"
	"github.com/escarp/escarp/internal/monitor/detect"
	"github.com/escarp/escarp/internal/monitor/detectors"
	"github.com/escarp/escarp/internal/monitor/ingest"
	"github.com/escarp/escarp/internal/monitor/proxy"
	"github.com/escarp/escarp/internal/monitor/signature"
	"github.com/escarp/escarp/internal/monitor/sink"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/sqlstore"
	"github.com/escarp/escarp/internal/traffic"
)

func (a *app) monitorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Watch live API traffic: detect attacks by principal and operation, alert, block",
		Long: `escarp monitor watches API traffic as a reverse proxy (monitor proxy) or
from logs and captures (monitor ingest), normalises each call (client,
verified principal, operation by path template, sizes) and runs the
detectors (escarp explain ESC-MON-ENUM-001, ...). Alerts are findings of
kind anomaly, written to every report format, the store and the sinks
(--webhook, --syslog). With --bus nats://..., sensors publish events to
NATS JetStream and monitor analyze processes consume them.`,
	}
	cmd.AddCommand(a.monitorProxyCmd(), a.monitorIngestCmd(), a.monitorAnalyzeCmd(), a.monitorBlocksCmd())
	return cmd
}

// monitorFlags are the flags every analysing monitor command shares.
type monitorFlags struct {
	spec, webhook, webhookStyle, syslog, format, failOn, jwks string
	outputs                                                   []string
	noStore, block                                            bool
	blockTTL                                                  time.Duration
	blockStatus, signatures                                   int
}

func (fl *monitorFlags) add(cmd *cobra.Command, blocking bool) {
	f := cmd.Flags()
	f.StringVar(&fl.spec, "spec", "", "API description: calls are matched to its operations (shadow and zombie calls need it)")
	f.StringVar(&fl.webhook, "webhook", "", "POST each alert, one JSON finding per request, to this URL")
	f.StringVar(&fl.webhookStyle, "webhook-style", "", "json (the finding) or slack (a Slack-compatible message)")
	f.StringVar(&fl.syslog, "syslog", "", "send alerts to syslog: udp://host:port, tcp://host:port or local")
	f.StringVar(&fl.jwks, "jwks", "", "JWKS file verifying bearer JWTs (monitor.jwks)")
	f.StringArrayVarP(&fl.outputs, "output", "o", nil, "write the alerts to FILE (format from the extension, or FORMAT:FILE); repeatable")
	f.StringVar(&fl.format, "format", "", "stdout format: text, json, sarif, junit, markdown or html")
	f.StringVar(&fl.failOn, "fail-on", "", "exit 1 when an alert has at least this severity")
	f.BoolVar(&fl.noStore, "no-store", false, "do not record the alerts in the store")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	if cmd.Name() != "analyze" {
		f.IntVar(&fl.signatures, "signatures", 0, "run the OWASP CRS (Coraza) on one request in N (0: off)")
	}
	if blocking {
		f.BoolVar(&fl.block, "block", false, "block verified principals and clients that raise alerts (proxy mode)")
		f.DurationVar(&fl.blockTTL, "block-ttl", 15*time.Minute, "how long a block lasts")
		f.IntVar(&fl.blockStatus, "block-status", http.StatusTooManyRequests, "status blocked requests get: 429 or 403")
	}
	addBusFlag(cmd)
}

// monitorRig is an analysing monitor, set up from flags and config.
type monitorRig struct {
	cfg      monitor.Config
	norm     *monitor.Normalizer
	an       *monitor.Analyzer
	blocks   *monitor.Blocks
	webhook  *sink.Webhook
	syslog   *sink.Syslog
	db       *sqlstore.DB
	notes    []string
	started  time.Time
	specFile string
	sig      *signature.Stage
	rules    []escarp.RuleInfo
	obsMu    sync.Mutex
	obs      []escarp.Observation
	obsLost  int
}

// Bounds on what the monitor hands to the inventory per run.
const (
	maxObservations = 20_000
	maxObsBodies    = 1_000
)

// observe keeps x as an inventory observation (traffic source).
func (r *monitorRig) observe(x *escarp.Exchange) {
	r.obsMu.Lock()
	defer r.obsMu.Unlock()
	if len(r.obs) >= maxObservations {
		r.obsLost++
		return
	}
	o := traffic.Observe(x, "")
	if len(r.obs) >= maxObsBodies {
		o.RequestBody, o.ResponseBody = "", ""
	}
	r.obs = append(r.obs, o)
}

// inspect runs the sampled signature stage, when on, on one exchange.
func (r *monitorRig) inspect(x *escarp.Exchange, t time.Time) {
	if r.sig == nil {
		return
	}
	if a := r.sig.Inspect(x, t); a != nil {
		r.an.Raise(*a)
	}
}

func (a *app) monitorSetup(cmd *cobra.Command, fl *monitorFlags, ctx context.Context) (*monitorRig, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	r := &monitorRig{started: time.Now().UTC()}
	if err := cfg.Section("monitor", &r.cfg); err != nil {
		return nil, err
	}
	mc := &r.cfg
	r.specFile = a.setting(cmd, "spec", "monitor_spec", firstNonEmpty(mc.Spec, cfg.Spec))
	var api *escarp.API
	if r.specFile != "" {
		var warns []escarp.Warning
		api, warns, err = spec.Load(ctx, a.resolvePath(r.specFile, cfg.Dir), spec.Options{})
		if err != nil {
			return nil, err
		}
		for _, w := range warns {
			r.notes = append(r.notes, w.String())
		}
	} else {
		r.notes = append(r.notes, "no --spec: operations are inferred from paths, so shadow and zombie calls are not judged")
	}
	jwksFile := a.setting(cmd, "jwks", "monitor_jwks", mc.JWKS)
	norm := monitor.NewNormalizer(api, nil)
	if jwksFile != "" {
		set, err := monitor.LoadKeys(a.resolvePath(jwksFile, cfg.Dir))
		if err != nil {
			return nil, err
		}
		norm = monitor.NewNormalizer(api, set)
	}
	r.norm = norm
	for _, op := range mc.Sensitive {
		norm.Sensitize(op, 1)
	}
	allow, err := mc.Allow.Func()
	if err != nil {
		return nil, err
	}
	eng, err := detect.New(detectors.All(), detect.Options{Allow: allow, NoCatalogue: !norm.Catalogued()})
	if err != nil {
		return nil, err
	}
	if !fl.noStore || fl.block {
		db, err := a.openStore(cmd)
		if err != nil {
			return nil, err
		}
		r.db = db
		// Operations escarp scan found flawed weigh double.
		if fs, _, err := db.FindFindings(ctx, escarp.FindingFilter{Engine: escarp.EngineScan, Limit: 1000}); err == nil {
			n := 0
			for _, f := range fs {
				if f.Location.Method != "" && f.Location.Path != "" {
					norm.Sensitize(f.Location.Method+" "+f.Location.Path, 1)
					n++
				}
			}
			if n > 0 {
				r.notes = append(r.notes, fmt.Sprintf("%d operations weigh double: escarp scan found flaws on them", n))
			}
		}
	}
	var sinks []monitor.Sink
	if wh := a.setting(cmd, "webhook", "monitor_webhook", mc.Webhook); wh != "" {
		style := a.setting(cmd, "webhook-style", "monitor_webhook_style", mc.WebhookStyle)
		if r.webhook, err = sink.NewWebhook(wh, style, 1024); err != nil {
			return nil, err
		}
		sinks = append(sinks, r.webhook)
	}
	if sl := a.setting(cmd, "syslog", "monitor_syslog", mc.Syslog); sl != "" {
		network, addr := "", ""
		if sl != "local" {
			u, err := url.Parse(sl)
			if err != nil || (u.Scheme != "udp" && u.Scheme != "tcp") || u.Host == "" {
				return nil, escarp.Errorf(escarp.Invalid, "--syslog %q: want udp://host:port, tcp://host:port or local", sl)
			}
			network, addr = u.Scheme, u.Host
		}
		if r.syslog, err = sink.NewSyslog(network, addr); err != nil {
			return nil, err
		}
		sinks = append(sinks, r.syslog)
	}
	if cmd.Flags().Lookup("block") != nil && (fl.block || mc.Block) { // proxy and analyze only
		ttl, status := fl.blockTTL, fl.blockStatus
		if !cmd.Flags().Changed("block-ttl") && mc.BlockTTL > 0 {
			ttl = mc.BlockTTL
		}
		if !cmd.Flags().Changed("block-status") && mc.BlockStatus != 0 {
			status = mc.BlockStatus
		}
		if status != http.StatusTooManyRequests && status != http.StatusForbidden {
			return nil, escarp.Errorf(escarp.Invalid, "--block-status %d: want 429 or 403", status)
		}
		r.blocks = monitor.NewBlocks(r.db, ttl, status)
	}
	r.rules = detectors.Rules()
	every := fl.signatures
	if !cmd.Flags().Changed("signatures") && mc.Signatures > 0 {
		every = mc.Signatures
	}
	if every > 0 {
		if r.sig, err = signature.New(every); err != nil {
			return nil, err
		}
		r.rules = append(r.rules, signature.Rule())
		r.notes = append(r.notes, fmt.Sprintf("signature stage on: the OWASP CRS inspected one request in %d", every))
	}
	var blocker monitor.Blocker
	if r.blocks != nil {
		blocker = r.blocks
	}
	r.an = monitor.NewAnalyzer(ctx, eng, sinks, blocker)
	return r, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// finish closes the sinks, then reports and records the alerts.
func (a *app) monitorFinish(cmd *cobra.Command, fl *monitorFlags, r *monitorRig, target string, stats map[string]int64) error {
	if r.webhook != nil {
		if err := r.webhook.Close(); err != nil {
			r.notes = append(r.notes, err.Error())
		}
		st := r.webhook.Stats()
		stats["webhookSent"], stats["webhookFailed"], stats["webhookDropped"] = st.Sent, st.Failed, st.Dropped
	}
	if r.syslog != nil {
		r.syslog.Close()
	}
	for _, err := range r.an.Errors() {
		r.notes = append(r.notes, "sink: "+err.Error())
	}
	findings := r.an.Findings()
	stats["alerts"] = int64(len(findings))
	stats["events"] = r.an.Engine().Events()
	stats["keys"] = int64(r.an.Engine().Keys())
	run := &escarp.Run{Engine: escarp.EngineMonitor, Target: target, Spec: r.specFile, StartedAt: r.started,
		FinishedAt: time.Now().UTC(), Rules: r.rules, Findings: findings, Stats: stats, Notes: r.notes}
	if run.Findings == nil {
		run.Findings = []escarp.Finding{}
	}
	rep := &escarp.Report{SchemaVersion: escarp.ReportSchemaVersion,
		Tool:      escarp.Tool{Name: "escarp", Version: currentBuild().Version, URI: "https://github.com/escarp/escarp"},
		StartedAt: r.started, FinishedAt: run.FinishedAt, Runs: []*escarp.Run{run}}
	if err := a.emit(rep, fl.format, fl.outputs); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "monitor: %d events, %d alerts\n", stats["events"], len(findings))
	if r.db != nil {
		defer r.db.Close()
		if !fl.noStore {
			if err := putRuns(context.WithoutCancel(cmd.Context()), r.db, []*escarp.Run{run}); err != nil {
				return err
			}
			if err := a.monitorInventory(cmd, r); err != nil {
				return err
			}
		}
	}
	if fl.failOn != "" {
		sev, err := escarp.ParseSeverity(fl.failOn)
		if err != nil {
			return escarp.Errorf(escarp.Invalid, "--fail-on: %w", err)
		}
		return failOnError("monitor", run, sev)
	}
	return nil
}

// monitorInventory feeds the calls observed to the inventory, as its
// traffic source: observed operations, authentication, shadow endpoints.
func (a *app) monitorInventory(cmd *cobra.Command, r *monitorRig) error {
	r.obsMu.Lock()
	obs := r.obs
	r.obsMu.Unlock()
	if len(obs) == 0 {
		return nil
	}
	db, inv, err := a.openInventory(cmd)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := inv.Import(context.WithoutCancel(cmd.Context()), nil, obs, ""); err != nil {
		return fmt.Errorf("monitor: feeding the inventory: %w", err)
	}
	msg := fmt.Sprintf("monitor: %d calls recorded in the inventory", len(obs))
	if r.obsLost > 0 {
		msg += fmt.Sprintf(" (%d more not: the first %d are kept per run)", r.obsLost, maxObservations)
	}
	fmt.Fprintln(a.stderr, msg)
	return nil
}

// openMonitorBus opens --bus when it names NATS; nil for in-process.
func (a *app) openMonitorBus(cmd *cobra.Command) (bus.Bus, error) {
	b, err := a.openBus(cmd, bus.Options{})
	if err != nil {
		return nil, err
	}
	if _, ok := b.(*bus.Memory); ok {
		b.Close()
		return nil, nil
	}
	return b, nil
}

func (a *app) monitorProxyCmd() *cobra.Command {
	var (
		fl                       monitorFlags
		target, listen, adminAdr string
		duration                 time.Duration
		queue                    int
	)
	cmd := &cobra.Command{
		Use:   "proxy --target URL --listen ADDR",
		Short: "Reverse proxy in front of an API: every call analysed, none delayed",
		Long: `A reverse proxy in front of the API. Every request is forwarded at once;
a copy of each exchange goes to analysis through a bounded queue, and when
analysis lags, copies are dropped and counted (escarp_monitor_dropped_total),
never the traffic delayed. With --block, verified principals and client
addresses that raise alerts get 429 (or 403) until the block expires or is
lifted (escarp monitor blocks). The monitor's own endpoints (GET /blocks,
DELETE /blocks/{id}, /counters, /metrics) are served only on --admin-addr.

The first stdout line is "listening http://ADDR". The proxy runs until
interrupted or --duration, then reports its alerts.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := a.config()
			if err != nil {
				return err
			}
			r, err := a.monitorSetup(cmd, &fl, ctx)
			if err != nil {
				return err
			}
			mc := r.cfg
			target = a.setting(cmd, "target", "monitor_target", firstNonEmpty(mc.Target, cfg.Target))
			tu, err := url.Parse(target)
			if target == "" || err != nil || (tu.Scheme != "http" && tu.Scheme != "https") || tu.Host == "" {
				return escarp.Errorf(escarp.Invalid, "--target %q: want the API's base URL, http(s)://host:port", target)
			}
			listen = a.setting(cmd, "listen", "monitor_listen", firstNonEmpty(mc.Listen, "127.0.0.1:8081"))
			adminAdr = a.setting(cmd, "admin-addr", "monitor_admin_addr", mc.AdminAddr)
			if !cmd.Flags().Changed("queue") && mc.Queue > 0 {
				queue = mc.Queue
			}
			b, err := a.openMonitorBus(cmd)
			if err != nil {
				return err
			}
			p := proxy.New(proxy.Options{Target: tu, Queue: queue, Blocks: r.blocks})
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return escarp.Errorf(escarp.Invalid, "--listen %s: %w", listen, err)
			}
			srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(a.stdout, "listening http://%s\n", ln.Addr())
			var admin *http.Server
			if adminAdr != "" {
				aln, err := net.Listen("tcp", adminAdr)
				if err != nil {
					ln.Close()
					return escarp.Errorf(escarp.Invalid, "--admin-addr %s: %w", adminAdr, err)
				}
				admin = &http.Server{Handler: p.Admin(), ReadHeaderTimeout: 10 * time.Second}
				fmt.Fprintf(a.stderr, "admin http://%s\n", aln.Addr())
				go admin.Serve(aln)
			}
			runCtx, stop := context.WithCancel(ctx)
			if duration > 0 {
				runCtx, stop = context.WithTimeout(ctx, duration)
			}
			defer stop()
			var wg sync.WaitGroup
			drainCtx, stopDrain := context.WithCancel(context.WithoutCancel(ctx))
			var publishErrs int64
			wg.Go(func() {
				p.Drain(drainCtx, func(x *proxy.Exchange) {
					e := r.norm.Event(&x.X, x.Meta)
					r.inspect(&x.X, e.Time)
					if !fl.noStore {
						r.observe(&x.X)
					}
					if b != nil {
						if monitor.Publish(drainCtx, b, &e) != nil {
							publishErrs++
						}
						return
					}
					r.an.Process(&e)
				})
			})
			if r.blocks != nil && r.db != nil {
				wg.Go(func() {
					t := time.NewTicker(2 * time.Second)
					defer t.Stop()
					for {
						select {
						case <-runCtx.Done():
							return
						case <-t.C:
							_ = r.blocks.Reload(runCtx)
						}
					}
				})
			}
			serveErr := make(chan error, 1)
			go func() { serveErr <- srv.Serve(ln) }()
			select {
			case <-runCtx.Done():
			case err := <-serveErr:
				if !errors.Is(err, http.ErrServerClosed) {
					stopDrain()
					wg.Wait()
					return escarp.Errorf(escarp.Unavailable, "proxy: %w", err)
				}
			}
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = srv.Shutdown(sctx)
			if admin != nil {
				_ = admin.Shutdown(sctx)
			}
			cancel()
			stopDrain()
			wg.Wait()
			if b != nil {
				b.Close()
				r.notes = append(r.notes, "events were published to the bus: escarp monitor analyze raises the alerts")
			}
			st := p.Stats()
			if st.Dropped > 0 {
				r.notes = append(r.notes, fmt.Sprintf("%d of %d exchanges were not analysed: analysis lagged and the queue (%d) was full", st.Dropped, st.Dropped+st.Events, queue))
			}
			if st.Unbodied > 0 {
				r.notes = append(r.notes, fmt.Sprintf("%d exchanges were analysed without their bodies: queued bodies reached their bound", st.Unbodied))
			}
			if publishErrs > 0 {
				r.notes = append(r.notes, fmt.Sprintf("%d events could not be published to the bus", publishErrs))
			}
			return a.monitorFinish(cmd, &fl, r, target, map[string]int64{"requests": st.Events + st.Dropped + st.Blocked,
				"dropped": st.Dropped, "blocked": st.Blocked})
		},
	}
	fl.add(cmd, true)
	f := cmd.Flags()
	f.StringVar(&target, "target", "", "the API to proxy to (monitor.target, then target)")
	f.StringVar(&listen, "listen", "127.0.0.1:8081", "address the proxy listens on")
	f.StringVar(&adminAdr, "admin-addr", "", "address of the monitor's own endpoints (blocks, counters, metrics)")
	f.DurationVar(&duration, "duration", 0, "stop after this long (default: until interrupted)")
	f.IntVar(&queue, "queue", 8192, "exchanges waiting for analysis before copies are dropped")
	return cmd
}

func (a *app) monitorIngestCmd() *cobra.Command {
	var (
		fl             monitorFlags
		format, harOut string
		follow         bool
		duration       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "ingest FILE...|-",
		Short: "Analyse access logs and captures: NGINX, Envoy, Kong, HAR",
		Long: `Reads access logs and captures and analyses them in event time, so a day
of logs gives in seconds the alerts live traffic would have. Formats
(detected from the first record, or --log-format): combined (NGINX/Apache),
nginx-json (escarp's documented NGINX log_format), envoy (Envoy JSON access
log), kong (Kong http-log), har. docs/monitor.md lists which detectors each
format can feed: a combined log has no bearer principal and no bodies.

--follow tails one growing log across rotation until interrupted or
--duration. --har-out FILE writes the calls read (up to 10,000, secrets
redacted) as a HAR, the seed format escarp scan takes.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format != "" {
				if _, err := ingest.LineParser(format); err != nil && format != ingest.HAR {
					return err
				}
			}
			if follow && (len(args) != 1 || args[0] == "-") {
				return escarp.Errorf(escarp.Invalid, "--follow takes exactly one file")
			}
			r, err := a.monitorSetup(cmd, &fl, ctx)
			if err != nil {
				return err
			}
			b, err := a.openMonitorBus(cmd)
			if err != nil {
				return err
			}
			var kept []ingest.Record
			var pubErrs int64
			fn := func(rec *ingest.Record) error {
				if harOut != "" && len(kept) < 10_000 {
					kept = append(kept, *rec)
				}
				e := r.norm.Event(&rec.X, rec.Meta)
				r.inspect(&rec.X, e.Time)
				if !fl.noStore {
					r.observe(&rec.X)
				}
				if b != nil {
					if err := monitor.Publish(ctx, b, &e); err != nil {
						pubErrs++
					}
					return nil
				}
				r.an.Process(&e)
				return nil
			}
			stats := map[string]int64{}
			for _, name := range args {
				var st *ingest.Stats
				if follow {
					fctx, stop := context.WithCancel(ctx)
					if duration > 0 {
						fctx, stop = context.WithTimeout(ctx, duration)
					}
					st, err = ingest.Follow(fctx, name, format, 0, fn)
					stop()
				} else {
					st, err = a.ingestFile(name, format, fn)
				}
				if err != nil {
					return err
				}
				stats["records"] += int64(st.Records)
				stats["skipped"] += int64(st.Skipped)
				for _, w := range st.Warnings {
					r.notes = append(r.notes, w.String())
				}
			}
			if b != nil {
				b.Close()
				r.notes = append(r.notes, "events were published to the bus: escarp monitor analyze raises the alerts")
			}
			if pubErrs > 0 {
				r.notes = append(r.notes, fmt.Sprintf("%d events could not be published to the bus", pubErrs))
			}
			if harOut != "" {
				if err := writeHARFile(a.resolvePath(harOut, a.wd), kept); err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "wrote %s\n", harOut)
			}
			return a.monitorFinish(cmd, &fl, r, strings.Join(args, " "), stats)
		},
	}
	fl.add(cmd, false)
	f := cmd.Flags()
	f.StringVar(&format, "log-format", "", "combined, nginx-json, envoy, kong or har (default: detected)")
	f.BoolVar(&follow, "follow", false, "keep reading the file as it grows, across rotation")
	f.DurationVar(&duration, "duration", 0, "with --follow, stop after this long")
	f.StringVar(&harOut, "har-out", "", "write the calls read as a redacted HAR (scan seeds)")
	return cmd
}

func (a *app) ingestFile(name, format string, fn func(*ingest.Record) error) (*ingest.Stats, error) {
	var r io.Reader = a.stdin
	if name != "-" {
		f, err := os.Open(a.resolvePath(name, a.wd))
		if err != nil {
			return nil, escarp.InvalidAt(escarp.Position{File: name}, "reading log: %w", err)
		}
		defer f.Close()
		r = f
	}
	return ingest.Read(r, name, format, fn)
}

func writeHARFile(path string, recs []ingest.Record) error {
	f, err := os.Create(path)
	if err != nil {
		return escarp.Errorf(escarp.Invalid, "--har-out: %w", err)
	}
	if err := ingest.WriteHAR(f, recs, true); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (a *app) monitorAnalyzeCmd() *cobra.Command {
	var (
		fl           monitorFlags
		index, count int
		group        string
		duration     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "analyze --bus nats://HOST:PORT",
		Short: "Consume monitor events from NATS JetStream and run the detectors",
		Long: `Runs the detectors on events that sensors (monitor proxy, monitor ingest
with --bus) published to the ESCARP_EVENTS stream. Several analyzers share
the stream: analyzer --index I of --of N consumes the partitions p with
p mod N = I of every key space, so each key's state lives on one analyzer
and N analyzers raise the alerts one would. With --block, blocks go to the
store, where the proxies pick them up.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			b, err := a.openMonitorBus(cmd)
			if err != nil {
				return err
			}
			if b == nil {
				return escarp.Errorf(escarp.Invalid, "monitor analyze needs --bus nats://... (or ESCARP_BUS, or bus: in escarp.yaml)")
			}
			defer b.Close()
			parts, err := monitor.Partitions(b.Partitions(), index, count)
			if err != nil {
				return err
			}
			r, err := a.monitorSetup(cmd, &fl, ctx)
			if err != nil {
				return err
			}
			runCtx, stop := context.WithCancel(ctx)
			if duration > 0 {
				runCtx, stop = context.WithTimeout(ctx, duration)
			}
			defer stop()
			fmt.Fprintf(a.stderr, "analyzer %d of %d: partitions %v\n", index, count, parts)
			if err := monitor.Consume(runCtx, b, fmt.Sprintf("%s-%d-of-%d", group, index, count), parts, r.an); err != nil {
				return escarp.Errorf(escarp.Unavailable, "monitor analyze: %w", err)
			}
			return a.monitorFinish(cmd, &fl, r, "bus", map[string]int64{})
		},
	}
	fl.add(cmd, true)
	f := cmd.Flags()
	f.IntVar(&index, "index", 0, "this analyzer's index, from 0")
	f.IntVar(&count, "of", 1, "how many analyzers share the stream")
	f.StringVar(&group, "group", "analyzer", "consumer group name")
	f.DurationVar(&duration, "duration", 0, "stop after this long (default: until interrupted)")
	return cmd
}

func (a *app) monitorBlocksCmd() *cobra.Command {
	var adminURL, format string
	var all bool
	cmd := &cobra.Command{
		Use:   "blocks [lift ID|SUBJECT]",
		Short: "List the monitor's blocks, or lift one",
		Long: `Lists the blocks the monitor enforces (active, expired, lifted) from the
store, or from a running proxy with --admin URL (its --admin-addr). "blocks
lift ID" lifts a block by id; "blocks lift jwt:alice" lifts every active
block of that subject.`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			lift := ""
			if len(args) > 0 {
				if args[0] != "lift" || len(args) != 2 {
					return escarp.Errorf(escarp.Invalid, "usage: escarp monitor blocks [lift ID|SUBJECT]")
				}
				lift = args[1]
			}
			if adminURL != "" {
				return a.blocksViaAdmin(ctx, strings.TrimRight(adminURL, "/"), lift, format)
			}
			db, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			if lift != "" {
				n, err := monitor.LiftBlocks(ctx, db, lift, time.Now())
				if err != nil {
					return err
				}
				if n == 0 {
					return &escarp.Error{Op: "monitor blocks", Kind: escarp.NotFound, Message: "no active block " + lift}
				}
				fmt.Fprintf(a.stdout, "lifted %d block(s)\n", n)
				return nil
			}
			blocks, err := monitor.ListBlocks(ctx, db)
			if err != nil {
				return err
			}
			return a.printBlocks(blocks, all, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&adminURL, "admin", "", "a running proxy's admin URL (http://ADDR of its --admin-addr)")
	f.BoolVar(&all, "all", false, "list expired and lifted blocks too")
	f.StringVar(&format, "format", "text", "text or json")
	f.String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	return cmd
}

func (a *app) printBlocks(blocks []monitor.Block, all bool, format string) error {
	now := time.Now()
	type row struct {
		monitor.Block
		State string `json:"state"`
	}
	rows := []row{}
	for _, b := range blocks {
		if st := b.State(now); all || st == "active" {
			rows = append(rows, row{b, st})
		}
	}
	if format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tKIND\tSUBJECT\tRULE\tSTATUS\tEXPIRES")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.State, r.Kind, r.Subject, r.RuleID, r.Status, r.Expires.Format(time.RFC3339))
	}
	return tw.Flush()
}

func (a *app) blocksViaAdmin(ctx context.Context, base, lift, format string) error {
	method, u := "GET", base+"/blocks"
	if lift != "" {
		method, u = "DELETE", base+"/blocks/"+url.PathEscape(lift)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return escarp.Errorf(escarp.Invalid, "--admin %q: %w", base, err)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return escarp.Errorf(escarp.Unavailable, "monitor admin %s: %w", base, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return &escarp.Error{Op: "monitor blocks", Kind: escarp.NotFound, Message: "no active block " + lift}
	case resp.StatusCode >= 300:
		return escarp.Errorf(escarp.Unavailable, "monitor admin %s: %s", base, resp.Status)
	}
	if lift != "" {
		fmt.Fprintf(a.stdout, "lifted: %s", body)
		return nil
	}
	var blocks []monitor.Block
	if err := json.Unmarshal(body, &blocks); err != nil {
		return escarp.Errorf(escarp.Unavailable, "monitor admin %s: %w", base, err)
	}
	return a.printBlocks(blocks, true, format)
}
