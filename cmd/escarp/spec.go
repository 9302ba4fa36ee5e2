package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/spec"
)

func (a *app) specCmd() *cobra.Command {
	var format string
	var list bool
	cmd := &cobra.Command{
		Use:   "spec [FILE|URL]",
		Short: "Load an API description and summarize it (OpenAPI 2/3.x, Postman, HAR)",
		Long: `spec loads an API description the way every other command does, and prints
what escarp understood: title, version, format, servers, operations by
method, security schemes and load warnings. --format json prints the whole
normalized model instead.

The description is FILE or URL, else ESCARP_SPEC, else spec: in escarp.yaml.
Formats are recognised by content: OpenAPI 3.0, 3.1 and 3.2 and Swagger 2.0
(JSON or YAML, with relative $refs), Postman Collection v2.1, HAR 1.2.

Exit codes: 0 loaded; 2 the description cannot be read, parsed or resolved
(the message says file:line).`,
		Example: `  escarp spec openapi.yaml
  escarp spec --operations https://api.example.com/openapi.json
  escarp spec --format json recording.har > model.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := a.specLocation(cmd, args)
			if err != nil {
				return err
			}
			api, warnings, err := spec.Load(cmd.Context(), loc, spec.Options{})
			if err != nil {
				return err
			}
			switch format {
			case "json":
				for _, w := range warnings {
					fmt.Fprintf(a.stderr, "warning: %s\n", w)
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(api)
			case "text", "":
				return writeSpecSummary(a.stdout, api, warnings, list)
			default:
				return &escarp.Error{Op: "spec", Kind: escarp.Invalid, Message: fmt.Sprintf("--format %q: want text or json", format)}
			}
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().BoolVar(&list, "operations", false, "list every operation with its position")
	return cmd
}

// specLocation returns the description to load: the argument, else
// ESCARP_SPEC, else the config's spec (relative to the config file).
func (a *app) specLocation(cmd *cobra.Command, args []string) (string, error) {
	loc := ""
	base := a.wd
	if len(args) == 1 {
		loc = args[0]
	} else if v, ok := a.getenv("ESCARP_SPEC"); ok && v != "" {
		loc = v
	} else {
		cf, err := a.config()
		if err != nil {
			return "", err
		}
		loc, base = cf.Spec, cf.Dir
	}
	if loc == "" {
		return "", &escarp.Error{Op: "spec", Kind: escarp.Invalid, Message: "no API description: give FILE or URL, ESCARP_SPEC or spec: in escarp.yaml"}
	}
	if !strings.Contains(loc, "://") && !filepath.IsAbs(loc) && base != "" {
		loc = filepath.Join(base, loc)
		// Positions read best relative to where the user is.
		if cwd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(cwd, loc); err == nil && !strings.HasPrefix(rel, "..") {
				loc = rel
			}
		}
	}
	return loc, nil
}

// formatNames are the human names of the description formats.
var formatNames = map[string]string{
	escarp.FormatOpenAPI: "OpenAPI",
	escarp.FormatSwagger: "Swagger",
	escarp.FormatPostman: "Postman Collection",
	escarp.FormatHAR:     "HAR",
}

// methodOrder is the order methods are counted in; others follow sorted.
var methodOrder = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY"}

// writeSpecSummary prints the human summary of a loaded description.
func writeSpecSummary(w io.Writer, api *escarp.API, warnings []escarp.Warning, list bool) error {
	var b strings.Builder
	title := api.Title
	if title == "" {
		title = "(untitled)"
	}
	if api.Version != "" {
		title += " " + api.Version
	}
	fmt.Fprintf(&b, "%s\n", title)
	name := formatNames[api.Format]
	if name == "" {
		name = api.Format
	}
	fmt.Fprintf(&b, "  format       %s %s\n", name, api.SpecVersion)
	fmt.Fprintf(&b, "  location     %s\n", redact.RawURL(api.Location))
	if len(api.Servers) == 0 {
		fmt.Fprintf(&b, "  servers      (none declared)\n")
	}
	for i, s := range api.Servers {
		label := ""
		if i == 0 {
			label = "servers"
		}
		line := redact.RawURL(s.URL)
		if s.Description != "" {
			line += "  (" + s.Description + ")"
		}
		fmt.Fprintf(&b, "  %-12s %s\n", label, line)
	}
	fmt.Fprintf(&b, "  operations   %d%s\n", len(api.Operations), byMethod(api.Operations))
	if len(api.Webhooks) > 0 {
		fmt.Fprintf(&b, "  webhooks     %d%s\n", len(api.Webhooks), byMethod(api.Webhooks))
	}
	deprecated, anonymous := 0, 0
	for _, op := range api.Operations {
		if op.Deprecated {
			deprecated++
		}
		if op.Anonymous() {
			anonymous++
		}
	}
	if deprecated > 0 {
		fmt.Fprintf(&b, "  deprecated   %d\n", deprecated)
	}
	fmt.Fprintf(&b, "  anonymous    %d of %d operations need no credentials\n", anonymous, len(api.Operations))
	if len(api.Schemas) > 0 {
		fmt.Fprintf(&b, "  schemas      %d\n", len(api.Schemas))
	}
	names := make([]string, 0, len(api.SecuritySchemes))
	for n := range api.SecuritySchemes {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprintf(&b, "  security     (no schemes declared)\n")
	}
	for i, n := range names {
		label := ""
		if i == 0 {
			label = "security"
		}
		fmt.Fprintf(&b, "  %-12s %s: %s\n", label, n, describeScheme(api.SecuritySchemes[n]))
	}
	switch {
	case api.Security == nil:
		fmt.Fprintf(&b, "  default auth (none declared)\n")
	default:
		fmt.Fprintf(&b, "  default auth %s\n", describeRequirements(api.Security))
	}
	if list {
		fmt.Fprintf(&b, "\n")
		ops := append(append([]*escarp.Operation(nil), api.Operations...), api.Webhooks...)
		width := 0
		for _, op := range ops {
			width = max(width, min(len(op.Path), 60))
		}
		for _, op := range ops {
			id := op.ID
			if id == "" {
				id = "-"
			}
			fmt.Fprintf(&b, "  %-7s %-*s  %s  auth: %s  %s\n", op.Method, width, op.Path, id, describeRequirements(op.Security), op.Pos)
		}
	}
	if len(warnings) > 0 {
		fmt.Fprintf(&b, "\n%d warning(s):\n", len(warnings))
		for _, wn := range warnings {
			fmt.Fprintf(&b, "  %s\n", wn)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// byMethod returns " (GET 3, POST 1)" for a list of operations.
func byMethod(ops []*escarp.Operation) string {
	if len(ops) == 0 {
		return ""
	}
	count := map[string]int{}
	for _, op := range ops {
		count[op.Method]++
	}
	var parts []string
	for _, m := range methodOrder {
		if n := count[m]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", m, n))
			delete(count, m)
		}
	}
	rest := make([]string, 0, len(count))
	for m := range count {
		rest = append(rest, m)
	}
	sort.Strings(rest)
	for _, m := range rest {
		parts = append(parts, fmt.Sprintf("%s %d", m, count[m]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// describeScheme says what a security scheme is in a few words.
func describeScheme(s *escarp.SecurityScheme) string {
	switch s.Type {
	case escarp.SchemeHTTP:
		d := "http " + s.Scheme
		if s.BearerFormat != "" {
			d += " (" + s.BearerFormat + ")"
		}
		return d
	case escarp.SchemeAPIKey:
		return fmt.Sprintf("API key in %s %q", s.In, s.ParamName)
	case escarp.SchemeOAuth2:
		var flows []string
		for _, f := range s.Flows {
			flows = append(flows, f.Type)
		}
		return "OAuth 2.0 (" + strings.Join(flows, ", ") + ")"
	case escarp.SchemeOpenIDConnect:
		return "OpenID Connect " + s.OpenIDConnectURL
	case escarp.SchemeMutualTLS:
		return "mutual TLS"
	}
	return s.Type
}

// describeRequirements renders alternatives as "a + b | c | anonymous".
func describeRequirements(reqs []escarp.SecurityRequirement) string {
	if len(reqs) == 0 {
		return "none"
	}
	var alts []string
	for _, r := range reqs {
		if len(r) == 0 {
			alts = append(alts, "anonymous")
			continue
		}
		names := make([]string, 0, len(r))
		for n, scopes := range r {
			if len(scopes) > 0 {
				n += "[" + strings.Join(scopes, " ") + "]"
			}
			names = append(names, n)
		}
		sort.Strings(names)
		alts = append(alts, strings.Join(names, " + "))
	}
	return strings.Join(alts, " | ")
}
