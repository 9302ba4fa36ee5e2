package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory"
	"github.com/escarp/escarp/internal/inventory/probe"
	"github.com/escarp/escarp/internal/spec"
)

func (a *app) discoverCmd() *cobra.Command {
	var (
		target, specFile, wordlist, service, format string
		headers                                     []string
		rateRPS                                     float64
		concurrency, maxRequests                    int
		maxDuration                                 time.Duration
		noStore, noBuiltin                          bool
	)
	cmd := &cobra.Command{
		Use:   "discover --target URL",
		Short: "Find undocumented APIs: spec locations, GraphQL, version siblings, wordlist routes",
		Long: `Active discovery of a running API: API descriptions at well-known
locations (/openapi.json, /swagger.json, /v3/api-docs, ...), GraphQL
endpoints that answer introspection, sibling versions of documented paths
(/api/v1 beside /api/v2) and routes from a wordlist. Every answer is
compared with baselines of paths that cannot exist (wildcard and soft-404
filtering, as Kiterunner does), so a server that answers 200 to everything
yields no false routes.

Requests go only to the target's origin, redirects are never followed,
and --rate, --concurrency, --max-requests and --max-duration bound the run.
What is found is recorded in the inventory unless --no-store.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			target = a.setting(cmd, "target", "target", cfg.Target)
			if target == "" {
				return escarp.Errorf(escarp.Invalid, "no target: give --target URL (or ESCARP_TARGET, or target: in escarp.yaml)")
			}
			pc := probe.Config{Target: target, Rate: rateRPS, Concurrency: concurrency, MaxRequests: maxRequests,
				MaxDuration: maxDuration, NoBuiltin: noBuiltin, Header: http.Header{},
				ParseSpec: func(url string, data []byte) (*escarp.API, error) {
					api, _, err := spec.LoadBytes(cmd.Context(), url, data, spec.Options{})
					return api, err
				}}
			for _, h := range headers {
				k, v, ok := strings.Cut(h, ":")
				if !ok {
					return escarp.Errorf(escarp.Invalid, "--header %q: want 'Name: value'", h)
				}
				pc.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			if sp := a.setting(cmd, "spec", "spec", cfg.Spec); sp != "" {
				api, _, err := spec.Load(cmd.Context(), sp, spec.Options{})
				if err != nil {
					return err
				}
				pc.Known = api
			}
			if wordlist != "" {
				data, err := os.ReadFile(wordlist)
				if err != nil {
					return escarp.InvalidAt(escarp.Position{File: wordlist}, "reading wordlist: %w", err)
				}
				pc.Words = probe.ParseWordlist(string(data))
			}
			res, err := probe.Discover(cmd.Context(), pc)
			if err != nil {
				return err
			}
			if !noStore {
				if err := a.recordDiscovery(cmd, res, pc.Known, service); err != nil {
					return err
				}
			}
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			a.printDiscovery(res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&target, "target", "", "base URL of the API (ESCARP_TARGET, target: in escarp.yaml)")
	f.StringVar(&specFile, "spec", "", "the documented API, to tell documented from undocumented routes")
	f.StringVar(&wordlist, "wordlist", "", "extra wordlist file (one path per line)")
	f.BoolVar(&noBuiltin, "no-builtin-wordlist", false, "use only --wordlist")
	f.StringArrayVar(&headers, "header", nil, "header for every request, 'Name: value' (repeatable)")
	f.Float64Var(&rateRPS, "rate", 25, "requests per second")
	f.IntVar(&concurrency, "concurrency", 4, "requests in flight")
	f.IntVar(&maxRequests, "max-requests", 3000, "request budget")
	f.DurationVar(&maxDuration, "max-duration", 2*time.Minute, "time budget")
	f.StringVar(&service, "service", "", "inventory service the findings belong to")
	f.BoolVar(&noStore, "no-store", false, "do not record the findings in the inventory")
	f.StringVar(&format, "format", "text", "text or json")
	f.String("store", "", "store: a SQLite path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	return cmd
}

func (a *app) recordDiscovery(cmd *cobra.Command, res *probe.Result, known *escarp.API, service string) error {
	db, inv, err := a.openInventory(cmd)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := cmd.Context()
	var specs []inventory.SpecService
	var obs []escarp.Observation
	if known != nil {
		sv := inventory.ServiceForSpec(known, service)
		sv.Hosts = append(sv.Hosts, hostOf(res.Target))
		specs = append(specs, sv)
		obs = append(obs, inventory.SpecObservations(known, sv.Name, time.Now().UTC())...)
		if service == "" {
			service = sv.Name
		}
	}
	obs = append(obs, res.Observations(service)...)
	_, err = inv.Import(context.WithoutCancel(ctx), specs, obs, service)
	return err
}

func hostOf(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		raw = raw[i+3:]
	}
	if i := strings.IndexByte(raw, '/'); i >= 0 {
		raw = raw[:i]
	}
	return strings.ToLower(raw)
}

func (a *app) printDiscovery(res *probe.Result) {
	w := a.stdout
	fmt.Fprintf(w, "discovery of %s: %d requests in %s\n", res.Target, res.Requests, res.Duration)
	if res.Wildcard {
		fmt.Fprintln(w, "  the target answers every path alike (wildcard): no routes can be told apart")
	}
	fmt.Fprintf(w, "\nAPI descriptions (%d)\n", len(res.Specs))
	for _, s := range res.Specs {
		fmt.Fprintf(w, "  %s (%s)\n", s.URL, s.Format)
	}
	fmt.Fprintf(w, "\nGraphQL endpoints (%d)\n", len(res.GraphQL))
	for _, g := range res.GraphQL {
		fmt.Fprintf(w, "  POST %s (introspection answered)\n", g)
	}
	var undoc int
	for _, r := range res.Routes {
		if !r.Documented && r.Reason != "spec" {
			undoc++
		}
	}
	fmt.Fprintf(w, "\nRoutes (%d, %d undocumented)\n", len(res.Routes), undoc)
	for _, r := range res.Routes {
		mark := "documented"
		if !r.Documented {
			mark = "UNDOCUMENTED"
		}
		if r.Reason == "spec" {
			mark = "api description"
		}
		fmt.Fprintf(w, "  %-6s %-40s %d  %-15s %s\n", r.Method, r.Path, r.Status, r.Reason, mark)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(w, "\nnote: %s\n", n)
	}
}
