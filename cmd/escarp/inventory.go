package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/git"
	"github.com/escarp/escarp/internal/inventory"
	"github.com/escarp/escarp/internal/inventory/input"
	"github.com/escarp/escarp/internal/inventory/routes"
	"github.com/escarp/escarp/internal/sqlstore"
)

// inventoryConfig is the inventory section of escarp.yaml.
type inventoryConfig struct {
	// OrphanAfter is the orphan window, as a Go duration or "30d".
	OrphanAfter string `yaml:"orphan_after"`
	// Collapse is the templating cardinality threshold.
	Collapse int `yaml:"collapse"`
	// Sources are imported by `escarp inventory import` with no argument.
	Sources []inventorySource `yaml:"sources"`
}

// inventorySource is one configured source.
type inventorySource struct {
	Path    string `yaml:"path"`
	Service string `yaml:"service"`
	Host    string `yaml:"host"`
}

func (a *app) inventoryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Keep one catalogue of every API and endpoint (specs, code, traffic, probing)",
		Long: `The inventory merges API descriptions, code routes, recorded traffic
(HAR, NGINX/Apache combined logs, Kong/Envoy/OpenTelemetry JSON logs) and
active discovery into endpoints keyed by (service, method, path template),
and classifies each: documented, shadow (served, in no spec), zombie
(deprecated but served), orphan (documented, unseen for 30 days while
traffic is watched) or rogue (on an unknown host).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().String("store", "", "store: a SQLite path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	cmd.AddCommand(a.inventoryImportCmd(), a.inventoryListCmd(), a.inventorySpecCmd(), a.inventoryDiffCmd(),
		a.inventoryExportCmd(), a.inventorySnapshotCmd(), a.inventoryRuleCmd())
	return cmd
}

func (a *app) inventoryConfig() (inventoryConfig, inventory.Options, error) {
	var ic inventoryConfig
	cfg, err := a.config()
	if err != nil {
		return ic, inventory.Options{}, err
	}
	if err := cfg.Section("inventory", &ic); err != nil {
		return ic, inventory.Options{}, err
	}
	opts := inventory.Options{Collapse: ic.Collapse}
	if ic.OrphanAfter != "" {
		d, err := parseDays(ic.OrphanAfter)
		if err != nil {
			return ic, opts, escarp.InvalidAt(escarp.Position{File: cfg.Path}, "inventory.orphan_after: %v", err)
		}
		opts.OrphanAfter = d
	}
	return ic, opts, nil
}

// parseDays parses a Go duration or a number of days ("30d").
func parseDays(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad duration %q (want e.g. 30d or 720h)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (want e.g. 30d or 720h)", s)
	}
	return d, nil
}

func (a *app) inventoryImportCmd() *cobra.Command {
	var service, host, orphan string
	cmd := &cobra.Command{
		Use:   "import [--service NAME] FILE|URL|DIR...",
		Short: "Import specs, HAR files, access logs or code routes into the inventory",
		Long: `Each input's kind is detected from its content: an OpenAPI or Swagger
document, a Postman collection, a HAR recording, escarp code routes JSON,
or an access log. A directory imports every file in it (a git checkout
imports the specs it tracks). With no argument, the sources listed under
inventory.sources in escarp.yaml are imported.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ic, opts, err := a.inventoryConfig()
			if err != nil {
				return err
			}
			if orphan != "" {
				if opts.OrphanAfter, err = parseDays(orphan); err != nil {
					return escarp.Errorf(escarp.Invalid, "--orphan-after: %v", err)
				}
			}
			type item struct{ path, service, host string }
			var inputs []item
			for _, p := range args {
				inputs = append(inputs, item{p, service, host})
			}
			if len(args) == 0 {
				for _, s := range ic.Sources {
					inputs = append(inputs, item{s.Path, s.Service, s.Host})
				}
			}
			if len(inputs) == 0 {
				return escarp.Errorf(escarp.Invalid, "nothing to import: name files or URLs, or list inventory.sources in escarp.yaml")
			}
			db, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			inv := inventory.New(db, opts)
			total := &inventory.Result{Classes: map[string]int{}}
			for _, in := range inputs {
				path := in.path
				if repo, ref, ok := git.Parse(path); ok {
					dir, cleanup, err := git.Checkout(cmd.Context(), repo, ref)
					if err != nil {
						return err
					}
					defer cleanup()
					path = dir
				}
				files, err := input.Expand(path)
				if err != nil {
					return err
				}
				walked := len(files) != 1 || files[0] != path
				if walked {
					res, notes, err := importCodeRoutes(cmd.Context(), inv, path, in.service)
					if err != nil {
						return err
					}
					for _, n := range notes {
						fmt.Fprintln(a.stderr, "note: "+n)
					}
					if res != nil {
						fmt.Fprintf(a.stdout, "%s: code routes: %d observations, %d new endpoints, %d updated, %d ignored (%s)\n",
							in.path, res.Observations, res.New, res.Updated, res.Ignored, strings.Join(res.Services, ", "))
						total = res
					}
				}
				for _, f := range files {
					src, err := input.Open(cmd.Context(), f, input.Options{Service: in.service, Host: in.host})
					if walked && errors.Is(err, input.ErrUnknownKind) {
						continue // a directory holds more than API material
					}
					if err != nil {
						return err
					}
					res, warns, err := inv.ImportSource(cmd.Context(), src)
					if err != nil {
						return err
					}
					for _, w := range warns {
						fmt.Fprintln(a.stderr, "warning: "+w.String())
					}
					fmt.Fprintf(a.stdout, "%s: %d observations, %d new endpoints, %d updated, %d ignored (%s)\n",
						f, res.Observations, res.New, res.Updated, res.Ignored, strings.Join(res.Services, ", "))
					total = res
				}
			}
			fmt.Fprintf(a.stdout, "inventory: %s\n", classSummary(total.Classes))
			return nil
		},
	}
	cmd.Flags().StringVar(&service, "service", "", "service the inputs belong to (default: a spec's title; traffic is matched by host and path)")
	cmd.Flags().StringVar(&host, "host", "", "host for access-log lines that carry none")
	cmd.Flags().StringVar(&orphan, "orphan-after", "", "orphan window (default 30d)")
	return cmd
}

func classSummary(c map[string]int) string {
	var parts []string
	for _, k := range []string{escarp.ClassDocumented, escarp.ClassShadow, escarp.ClassZombie, escarp.ClassOrphan, escarp.ClassRogue} {
		parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
	}
	return strings.Join(parts, ", ")
}

// importCodeRoutes imports the routes that the source code under dir
// serves (Go, Express, Flask, FastAPI), as `escarp code routes` lists
// them. A tree with no route imports nothing.
func importCodeRoutes(ctx context.Context, inv *inventory.Inventory, dir, service string) (*inventory.Result, []string, error) {
	rs, notes, err := extractRoutes(ctx, dir)
	if err != nil || len(rs) == 0 {
		return nil, notes, err
	}
	data, err := json.Marshal(routes.Document{Routes: rs})
	if err != nil {
		return nil, notes, &escarp.Error{Op: "inventory import", Kind: escarp.Internal, Err: err}
	}
	res, _, err := inv.ImportSource(ctx, input.Routes(dir, data, input.Options{Service: service}))
	return res, notes, err
}

func (a *app) inventoryListCmd() *cobra.Command {
	var service, class, format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every endpoint with its classification and attributes",
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, eps, err := a.freshEndpoints(cmd, escarp.EndpointFilter{Service: service, Classification: class})
			if err != nil {
				return err
			}
			defer db.Close()
			switch format {
			case "json":
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if eps == nil {
					eps = []*escarp.Endpoint{}
				}
				return enc.Encode(eps)
			case "text", "":
				return writeEndpointTable(a.stdout, eps)
			}
			return escarp.Errorf(escarp.Invalid, "--format %q: want text or json", format)
		},
	}
	cmd.Flags().StringVar(&service, "service", "", "only this service")
	cmd.Flags().StringVar(&class, "class", "", "only this classification (documented, shadow, zombie, orphan, rogue)")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func writeEndpointTable(w io.Writer, eps []*escarp.Endpoint) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tMETHOD\tTEMPLATE\tCLASS\tSOURCES\tHITS\tAUTH\tDATA\tLAST SEEN")
	for _, e := range eps {
		last := "never"
		if !e.LastSeen.IsZero() {
			last = e.LastSeen.Format("2006-01-02 15:04")
		}
		auth := strings.Join(e.Auth, ",")
		if e.Anonymous {
			auth = strings.TrimPrefix(auth+",anonymous", ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", e.Service, e.Method, e.Template, e.Classification,
			strings.Join(e.Sources, ","), e.Hits, dash(auth), dash(strings.Join(e.DataClasses, ",")), last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	counts := map[string]int{}
	for _, e := range eps {
		counts[e.Classification]++
	}
	_, err := fmt.Fprintf(w, "\n%d endpoints: %s\n", len(eps), classSummary(counts))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) openInventory(cmd *cobra.Command) (*sqlstore.DB, *inventory.Inventory, error) {
	_, opts, err := a.inventoryConfig()
	if err != nil {
		return nil, nil, err
	}
	db, err := a.openStore(cmd)
	if err != nil {
		return nil, nil, err
	}
	return db, inventory.New(db, opts), nil
}

// freshEndpoints opens the inventory, reclassifies it at the current time
// (orphans appear as time passes) and returns the endpoints matching f.
// The caller closes the store.
func (a *app) freshEndpoints(cmd *cobra.Command, f escarp.EndpointFilter) (*sqlstore.DB, []*escarp.Endpoint, error) {
	db, inv, err := a.openInventory(cmd)
	if err != nil {
		return nil, nil, err
	}
	if _, err := inv.Reclassify(cmd.Context()); err != nil {
		db.Close()
		return nil, nil, err
	}
	eps, err := db.Endpoints(cmd.Context(), f)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, eps, nil
}

// output opens -o PATH or returns stdout.
func (a *app) output(path string) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return a.stdout, func() error { return nil }, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, escarp.Errorf(escarp.Invalid, "creating %s: %w", filepath.Dir(path), err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, escarp.Errorf(escarp.Invalid, "creating %s: %w", path, err)
	}
	return f, f.Close, nil
}

func (a *app) inventorySpecCmd() *cobra.Command {
	var service, out, class string
	cmd := &cobra.Command{
		Use:   "spec [--service NAME] [-o FILE]",
		Short: "Write OpenAPI 3.1 for observed endpoints, with schemas inferred from traffic",
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, _, err := a.openInventory(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			eps, err := db.Endpoints(cmd.Context(), escarp.EndpointFilter{Service: service, Classification: class})
			if err != nil {
				return err
			}
			w, closeFn, err := a.output(out)
			if err != nil {
				return err
			}
			if err := inventory.WriteOpenAPI(w, service, eps); err != nil {
				closeFn()
				return err
			}
			return closeFn()
		},
	}
	cmd.Flags().StringVar(&service, "service", "", "only this service (the document's title)")
	cmd.Flags().StringVar(&class, "class", "", "only endpoints of this classification (e.g. shadow)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

func (a *app) inventoryExportCmd() *cobra.Command {
	var format, out, service string
	cmd := &cobra.Command{
		Use:   "export --format openapi|csv|json|backstage [-o FILE]",
		Short: "Export the inventory as OpenAPI, CSV, JSON or Backstage catalog entities",
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, eps, err := a.freshEndpoints(cmd, escarp.EndpointFilter{Service: service})
			if err != nil {
				return err
			}
			defer db.Close()
			svcs, err := db.Services(cmd.Context())
			if err != nil {
				return err
			}
			w, closeFn, err := a.output(out)
			if err != nil {
				return err
			}
			if err := inventory.Export(w, format, svcs, eps); err != nil {
				closeFn()
				return err
			}
			return closeFn()
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "openapi, csv, json or backstage")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	cmd.Flags().StringVar(&service, "service", "", "only this service")
	return cmd
}

func (a *app) inventorySnapshotCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "snapshot [--name NAME]",
		Short: "Save the current inventory, to diff against later",
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, inv, err := a.openInventory(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			if _, err := inv.Reclassify(cmd.Context()); err != nil {
				return err
			}
			sn := &escarp.Snapshot{Name: name}
			if err := db.PutSnapshot(cmd.Context(), sn); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "snapshot %s saved (%d endpoints)\n", sn.ID, sn.Endpoints)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "a name to refer to the snapshot by")
	return cmd
}

func (a *app) inventoryDiffCmd() *cobra.Command {
	var since, snapshot, format string
	cmd := &cobra.Command{
		Use:   "diff [--snapshot ID|NAME | --since DATE]",
		Short: "Show new, removed and changed endpoints since a snapshot or a date",
		Long: `Compares the current inventory with a snapshot (--snapshot, default the
latest) or with the latest snapshot taken at or before a date (--since
2026-11-01). With --since and no snapshot that old, endpoints first seen
since the date are listed as new.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, inv, err := a.openInventory(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			current, err := inv.Reclassify(cmd.Context())
			if err != nil {
				return err
			}
			before, label, err := baselineEndpoints(cmd.Context(), db, snapshot, since, current)
			if err != nil {
				return err
			}
			changes := inventory.Diff(before, current)
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if changes == nil {
					changes = []inventory.Change{}
				}
				return enc.Encode(struct {
					Since   string             `json:"since"`
					Changes []inventory.Change `json:"changes"`
				}{label, changes})
			}
			fmt.Fprintf(a.stdout, "changes since %s: %d\n", label, len(changes))
			for _, c := range changes {
				fmt.Fprintf(a.stdout, "  %-8s %s %s %s (%s)\n", c.Kind, c.Endpoint.Service, c.Endpoint.Method, c.Endpoint.Template, c.Endpoint.Classification)
				for _, d := range c.Details {
					fmt.Fprintf(a.stdout, "           %s\n", d)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&snapshot, "snapshot", "", "compare with this snapshot (id or name)")
	cmd.Flags().StringVar(&since, "since", "", "compare with the inventory as of this date (YYYY-MM-DD or RFC 3339)")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func baselineEndpoints(ctx context.Context, db *sqlstore.DB, snapshot, since string, current []*escarp.Endpoint) ([]*escarp.Endpoint, string, error) {
	if snapshot != "" {
		eps, err := db.SnapshotEndpoints(ctx, snapshot)
		return eps, "snapshot " + snapshot, err
	}
	snaps, err := db.Snapshots(ctx)
	if err != nil {
		return nil, "", err
	}
	if since == "" {
		if len(snaps) == 0 {
			return nil, "", escarp.Errorf(escarp.Invalid, "no snapshot yet: run `escarp inventory snapshot` first, or give --since DATE")
		}
		last := snaps[len(snaps)-1]
		eps, err := db.SnapshotEndpoints(ctx, last.ID)
		return eps, "snapshot " + last.ID + " (" + last.Created.Format(time.RFC3339) + ")", err
	}
	t, err := time.Parse(time.RFC3339, since)
	if err != nil {
		if t, err = time.Parse("2006-01-02", since); err != nil {
			return nil, "", escarp.Errorf(escarp.Invalid, "--since %q: want YYYY-MM-DD or RFC 3339", since)
		}
	}
	for i := len(snaps) - 1; i >= 0; i-- {
		if !snaps[i].Created.After(t) {
			eps, err := db.SnapshotEndpoints(ctx, snaps[i].ID)
			return eps, since + " (snapshot " + snaps[i].ID + ")", err
		}
	}
	// No snapshot that old: everything first seen before the date existed.
	var before []*escarp.Endpoint
	for _, e := range current {
		if e.FirstSeen.Before(t) {
			before = append(before, e)
		}
	}
	return before, since, nil
}

func (a *app) inventoryRuleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rule",
		Short: "Manage path-templating decisions that every later import keeps",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var service, template, literal, note string
	add := &cobra.Command{
		Use:   "add (--template /users/{id} | --literal /users/me) [--service NAME]",
		Short: "Force paths onto a template, or keep a literal path from being templated",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (template == "") == (literal == "") {
				return escarp.Errorf(escarp.Invalid, "give exactly one of --template or --literal")
			}
			db, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			r := &escarp.TemplateRule{Service: service, Template: inventory.Normalize(template), Literal: literal, Note: note}
			if template == "" {
				r.Template = ""
			}
			if err := db.PutTemplateRule(cmd.Context(), r); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "rule %d added; it applies from the next import\n", r.ID)
			return nil
		},
	}
	add.Flags().StringVar(&service, "service", "", "only for this service")
	add.Flags().StringVar(&template, "template", "", "template that matching paths take")
	add.Flags().StringVar(&literal, "literal", "", "path that stays literal")
	add.Flags().StringVar(&note, "note", "", "why")
	list := &cobra.Command{
		Use:   "list",
		Short: "List templating decisions",
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			rules, err := db.TemplateRules(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSERVICE\tTEMPLATE\tLITERAL\tNOTE")
			for _, r := range rules {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, dash(r.Service), dash(r.Template), dash(r.Literal), r.Note)
			}
			return tw.Flush()
		},
	}
	rm := &cobra.Command{
		Use:   "rm ID",
		Short: "Remove a templating decision",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return escarp.Errorf(escarp.Invalid, "rule id %q is not a number", args[0])
			}
			db, err := a.openStore(cmd)
			if err != nil {
				return err
			}
			defer db.Close()
			return db.DeleteTemplateRule(cmd.Context(), id)
		},
	}
	cmd.AddCommand(add, list, rm)
	return cmd
}
