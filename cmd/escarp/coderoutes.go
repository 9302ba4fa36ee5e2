package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/coderoutes"
	"github.com/escarp/escarp/internal/inventory/routes"
	"github.com/escarp/escarp/internal/spec"
)

// codeRoutesOutput is the JSON form of `escarp code routes`: the
// routes.Document the inventory imports ({"routes": [...]}), plus the diff
// against the spec when one is given and the notes of the extraction.
type codeRoutesOutput struct {
	Routes []routes.Route         `json:"routes"`
	Diff   *coderoutes.DiffResult `json:"diff,omitempty"`
	Notes  []string               `json:"notes,omitempty"`
	// spec is the description as the user named it.
	spec string
}

// codeRoutesCmd is `escarp code routes [PATH]`.
func (a *app) codeRoutesCmd() *cobra.Command {
	var format, service string
	cmd := &cobra.Command{
		Use:   "routes [PATH]",
		Short: "List the routes the code serves, and diff them against the API description",
		Long: `routes lists every route the source tree under PATH (default ".") serves:
method, path template, handler, file:line, and whether authentication
middleware guards it.

Go code is read syntactically (no build needed) for net/http (Go 1.22
patterns), gin, echo, chi, gorilla/mux and fiber, following router groups
and sub-routers across functions, files and packages. JavaScript/TypeScript
(Express) and Python (Flask, FastAPI) need a cgo build with tree-sitter.

A route registered for every method (gin's Any, chi's Handle, net/http
patterns without a method, gorilla/mux routes without Methods) has method
ANY. Paths keep the framework's syntax (/users/:id, /users/{id}).

--spec FILE (else ESCARP_SPEC) compares the routes with the operations of
the description, on method and path template with parameter names ignored
and the servers' base path honoured: routes in the code but undocumented,
and documented operations with no route.

--format json prints {"routes": [...]} (plus "diff" with --spec), which
"escarp inventory import" reads as a code source.

Exit codes: 0 listed (whatever the diff says); 2 PATH or the spec cannot be
read.`,
		Example: `  escarp code routes
  escarp code routes ./services/api --spec api/openapi.yaml
  escarp code routes --format json --service shop > routes.json && escarp inventory import routes.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := "."
			if len(args) == 1 {
				root = args[0]
			}
			switch format {
			case "text", "json":
			default:
				return &escarp.Error{Op: "code routes", Kind: escarp.Invalid, Message: fmt.Sprintf("--format %q: want text or json", format)}
			}
			ctx := cmd.Context()
			rs, notes, err := extractRoutes(ctx, a.resolvePath(root, a.wd))
			if err != nil {
				return err
			}
			if rs == nil {
				rs = []routes.Route{}
			}
			if service != "" {
				for i := range rs {
					rs[i].Service = service
				}
			}
			out := codeRoutesOutput{Routes: rs, Notes: notes}
			if specArg := a.setting(cmd, "spec", "spec", ""); specArg != "" {
				loc := a.resolvePath(specArg, a.wd)
				api, _, err := spec.Load(ctx, loc, spec.Options{})
				if err != nil {
					return err
				}
				d := coderoutes.Diff(rs, api)
				for i := range d.Unimplemented {
					if d.Unimplemented[i].File == loc {
						d.Unimplemented[i].File = specArg
					}
				}
				out.Diff, out.spec = &d, specArg
			}
			w := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(out)
			}
			for _, n := range notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "note: "+n)
			}
			return writeRoutesText(w, out)
		},
	}
	cmd.Flags().String("spec", "", "API description `FILE` to diff the routes against (else ESCARP_SPEC)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&service, "service", "", "service `NAME` recorded on every route (for the inventory)")
	return cmd
}

// writeRoutesText prints the route table, then the diff.
func writeRoutesText(w io.Writer, out codeRoutesOutput) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tPATH\tHANDLER\tFILE:LINE\tAUTH")
	for _, r := range out.Routes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Method, r.Path, orDash(r.Handler), fileLine(r.File, r.Line), authText(r.Auth))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d routes%s\n", len(out.Routes), byFramework(out.Routes))
	if out.Diff == nil {
		return nil
	}
	d := out.Diff
	name := filepath.Base(out.spec)
	fmt.Fprintf(w, "\nUndocumented: %d route(s) served by the code but not in %s\n", len(d.Undocumented), name)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range d.Undocumented {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Method, r.Path, orDash(r.Handler), fileLine(r.File, r.Line))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nUnimplemented: %d operation(s) in %s with no route in the code\n", len(d.Unimplemented), name)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, o := range d.Unimplemented {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", o.Method, o.Path, fileLine(o.File, o.Line))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	base := ""
	if len(d.BasePaths) > 0 {
		base = " (server base path " + strings.Join(d.BasePaths, ", ") + ")"
	}
	_, err := fmt.Fprintf(w, "\nMatched: %d of %d routes%s\n", d.Matched, len(out.Routes), base)
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func fileLine(file string, line int) string {
	switch {
	case file == "":
		return "-"
	case line == 0:
		return file
	}
	return fmt.Sprintf("%s:%d", file, line)
}

func authText(b *bool) string {
	switch {
	case b == nil:
		return "?"
	case *b:
		return "yes"
	}
	return "no"
}

// byFramework summarises routes per framework: " (gin 11, net/http 3)".
func byFramework(rs []routes.Route) string {
	n := map[string]int{}
	for _, r := range rs {
		n[r.Framework]++
	}
	if len(n) == 0 {
		return ""
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := k
		if name == "" {
			name = "other"
		}
		parts[i] = fmt.Sprintf("%s %d", name, n[k])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
