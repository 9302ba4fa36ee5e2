package inventory

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
)

// Export formats.
const (
	ExportOpenAPI   = "openapi"
	ExportCSV       = "csv"
	ExportJSON      = "json"
	ExportBackstage = "backstage"
)

// Export writes endpoints in the named format.
func Export(w io.Writer, format string, services []*escarp.Service, eps []*escarp.Endpoint) error {
	switch format {
	case ExportOpenAPI:
		return WriteOpenAPI(w, "", eps)
	case ExportCSV:
		return writeCSV(w, eps)
	case ExportJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Services  []*escarp.Service  `json:"services"`
			Endpoints []*escarp.Endpoint `json:"endpoints"`
		}{nonNil(services), nonNilEP(eps)})
	case ExportBackstage:
		return writeBackstage(w, services, eps)
	}
	return escarp.Errorf(escarp.Invalid, "unknown export format %q (want openapi, csv, json or backstage)", format)
}

func nonNil(s []*escarp.Service) []*escarp.Service {
	if s == nil {
		return []*escarp.Service{}
	}
	return s
}

func nonNilEP(s []*escarp.Endpoint) []*escarp.Endpoint {
	if s == nil {
		return []*escarp.Endpoint{}
	}
	return s
}

func writeCSV(w io.Writer, eps []*escarp.Endpoint) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"service", "method", "template", "classification", "sources", "documented", "deprecated",
		"first_seen", "last_seen", "hits", "auth", "anonymous", "data_classes", "internet_facing", "owner"})
	for _, e := range eps {
		last := ""
		if !e.LastSeen.IsZero() {
			last = e.LastSeen.Format(time.RFC3339)
		}
		_ = cw.Write([]string{e.Service, e.Method, e.Template, e.Classification, strings.Join(e.Sources, ";"),
			strconv.FormatBool(e.Documented), strconv.FormatBool(e.Deprecated), e.FirstSeen.Format(time.RFC3339), last,
			strconv.FormatInt(e.Hits, 10), strings.Join(e.Auth, ";"), strconv.FormatBool(e.Anonymous),
			strings.Join(e.DataClasses, ";"), strconv.FormatBool(e.InternetFacing), e.Owner})
	}
	cw.Flush()
	return cw.Error()
}

// WriteOpenAPI reconstructs an OpenAPI 3.1 document (YAML) for endpoints:
// paths and methods, path parameters with types from their names, query
// parameters seen, request and response bodies with schemas inferred from
// traffic, security schemes from observed authentication, and x-escarp
// extensions with the classification and sources. title defaults to the
// service name.
func WriteOpenAPI(w io.Writer, title string, eps []*escarp.Endpoint) error {
	if title == "" {
		title = "Observed API"
		if len(eps) > 0 {
			title = eps[0].Service
		}
	}
	paths := map[string]map[string]any{}
	schemes := map[string]any{}
	for _, e := range eps {
		op := map[string]any{
			"summary":                 fmt.Sprintf("%s %s", e.Method, e.Template),
			"x-escarp-classification": e.Classification,
			"x-escarp-sources":        e.Sources,
		}
		if e.OperationID != "" {
			op["operationId"] = e.OperationID
		}
		if e.Deprecated {
			op["deprecated"] = true
		}
		var params []any
		for _, name := range escarp.ParsePathTemplate(e.Template).Params() {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": paramSchema(name)})
		}
		for _, q := range e.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if e.RequestSchema != "" {
			op["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": openAPISchema(e.RequestSchema)}}}
		}
		responses := map[string]any{}
		codes := make([]string, 0, len(e.Statuses))
		for c := range e.Statuses {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, c := range codes {
			code := strings.ToUpper(c)
			resp := map[string]any{"description": "Observed " + code + " response"}
			if strings.HasPrefix(c, "2") && e.ResponseSchema != "" {
				resp["content"] = map[string]any{"application/json": map[string]any{"schema": openAPISchema(e.ResponseSchema)}}
			}
			responses[code] = resp
		}
		if len(responses) == 0 {
			responses["default"] = map[string]any{"description": "Not observed"}
		}
		op["responses"] = responses
		var sec []any
		for _, a := range e.Auth {
			name, scheme := securityScheme(a)
			if name == "" {
				continue
			}
			schemes[name] = scheme
			sec = append(sec, map[string]any{name: []any{}})
		}
		if len(sec) > 0 {
			op["security"] = sec
		}
		if paths[e.Template] == nil {
			paths[e.Template] = map[string]any{}
		}
		paths[e.Template][strings.ToLower(e.Method)] = op
	}
	doc := yamlMap(
		"openapi", "3.1.0",
		"info", yamlMap("title", title, "version", "observed",
			"description", "Reconstructed by escarp from observed traffic, code routes and specs."),
		"paths", paths,
	)
	if len(schemes) > 0 {
		doc.Content = append(doc.Content, scalar("components"), toNode(map[string]any{"securitySchemes": schemes}))
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

func paramSchema(name string) map[string]any {
	l := strings.ToLower(name)
	switch {
	case l == "date":
		return map[string]any{"type": "string", "format": "date"}
	case l == "email":
		return map[string]any{"type": "string", "format": "email"}
	case strings.HasSuffix(l, "id"):
		return map[string]any{"type": "string"}
	}
	return map[string]any{"type": "string"}
}

// openAPISchema converts an inferred schema (JSON text) to OpenAPI 3.1
// form: nullable becomes a type list, bookkeeping fields are dropped.
func openAPISchema(js string) any {
	var s Schema
	if err := json.Unmarshal([]byte(js), &s); err != nil {
		return map[string]any{}
	}
	return schemaMap(&s)
}

func schemaMap(s *Schema) map[string]any {
	m := map[string]any{}
	if s == nil {
		return m
	}
	switch {
	case s.Type != "" && s.Nullable:
		m["type"] = []any{s.Type, "null"}
	case s.Type != "":
		m["type"] = s.Type
	case s.Nullable:
		m["type"] = "null"
	}
	if s.Format != "" {
		m["format"] = s.Format
	}
	if len(s.Properties) > 0 {
		props := map[string]any{}
		for k, v := range s.Properties {
			props[k] = schemaMap(v)
		}
		m["properties"] = props
		if len(s.Required) > 0 {
			req := make([]any, len(s.Required))
			for i, r := range s.Required {
				req[i] = r
			}
			m["required"] = req
		}
	}
	if s.Items != nil {
		m["items"] = schemaMap(s.Items)
	}
	return m
}

func securityScheme(auth string) (string, map[string]any) {
	switch {
	case auth == "bearer":
		return "bearerAuth", map[string]any{"type": "http", "scheme": "bearer"}
	case auth == "basic":
		return "basicAuth", map[string]any{"type": "http", "scheme": "basic"}
	case auth == "cookie":
		return "cookieAuth", map[string]any{"type": "apiKey", "in": "cookie", "name": "session"}
	case strings.HasPrefix(auth, "apiKey:query:"):
		n := strings.TrimPrefix(auth, "apiKey:query:")
		return "apiKeyQuery_" + n, map[string]any{"type": "apiKey", "in": "query", "name": n}
	case strings.HasPrefix(auth, "apiKey:"):
		n := strings.TrimPrefix(auth, "apiKey:")
		return "apiKey_" + n, map[string]any{"type": "apiKey", "in": "header", "name": n}
	}
	return "", nil
}

// yamlMap builds an ordered mapping node from key, value pairs.
func yamlMap(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, scalar(kv[i].(string)), toNode(kv[i+1]))
	}
	return n
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Tag: "!!str"} }

// toNode converts a value to a node with map keys sorted, so output is
// deterministic.
func toNode(v any) *yaml.Node {
	switch x := v.(type) {
	case *yaml.Node:
		return x
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range keys {
			n.Content = append(n.Content, scalar(k), toNode(x[k]))
		}
		return n
	case map[string]map[string]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[k] = val
		}
		return toNode(m)
	}
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return scalar(fmt.Sprint(v))
	}
	return &n
}

// writeBackstage writes one Backstage API entity per service (multi-doc
// YAML), its definition the reconstructed OpenAPI of its endpoints.
func writeBackstage(w io.Writer, services []*escarp.Service, eps []*escarp.Endpoint) error {
	bySvc := map[string][]*escarp.Endpoint{}
	for _, e := range eps {
		bySvc[e.Service] = append(bySvc[e.Service], e)
	}
	names := make([]string, 0, len(bySvc))
	for n := range bySvc {
		names = append(names, n)
	}
	sort.Strings(names)
	owners := map[string]*escarp.Service{}
	for _, s := range services {
		owners[s.Name] = s
	}
	for i, n := range names {
		var def bytes.Buffer
		if err := WriteOpenAPI(&def, n, bySvc[n]); err != nil {
			return err
		}
		owner, lifecycle := "unknown", "production"
		if s := owners[n]; s != nil {
			if s.Owner != "" {
				owner = s.Owner
			}
			if s.Rogue {
				lifecycle = "experimental"
			}
		}
		counts := map[string]int{}
		for _, e := range bySvc[n] {
			counts[e.Classification]++
		}
		annotations := map[string]any{}
		for c, k := range counts {
			annotations["escarp.dev/"+c+"-endpoints"] = strconv.Itoa(k)
		}
		entity := yamlMap(
			"apiVersion", "backstage.io/v1alpha1",
			"kind", "API",
			"metadata", yamlMap("name", Slug(n), "description", "Inventoried by escarp", "annotations", annotations),
			"spec", yamlMap("type", "openapi", "lifecycle", lifecycle, "owner", owner,
				"definition", &yaml.Node{Kind: yaml.ScalarNode, Value: def.String(), Style: yaml.LiteralStyle}),
		)
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(entity); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Change is one difference between two inventories.
type Change struct {
	Kind     string           `json:"kind"` // "new", "removed", "changed"
	Endpoint *escarp.Endpoint `json:"endpoint"`
	// Details lists what changed ("classification: documented → zombie").
	Details []string `json:"details,omitempty"`
}

// Diff compares an earlier inventory with a later one.
func Diff(before, after []*escarp.Endpoint) []Change {
	old := map[string]*escarp.Endpoint{}
	for _, e := range before {
		old[e.Key()] = e
	}
	var out []Change
	seen := map[string]bool{}
	for _, e := range after {
		seen[e.Key()] = true
		o := old[e.Key()]
		if o == nil {
			out = append(out, Change{Kind: "new", Endpoint: e})
			continue
		}
		var d []string
		if o.Classification != e.Classification {
			d = append(d, fmt.Sprintf("classification: %s → %s", o.Classification, e.Classification))
		}
		if strings.Join(o.Auth, ",") != strings.Join(e.Auth, ",") {
			d = append(d, fmt.Sprintf("auth: [%s] → [%s]", strings.Join(o.Auth, ", "), strings.Join(e.Auth, ", ")))
		}
		if strings.Join(o.DataClasses, ",") != strings.Join(e.DataClasses, ",") {
			d = append(d, fmt.Sprintf("data classes: [%s] → [%s]", strings.Join(o.DataClasses, ", "), strings.Join(e.DataClasses, ", ")))
		}
		if o.Deprecated != e.Deprecated {
			d = append(d, fmt.Sprintf("deprecated: %v → %v", o.Deprecated, e.Deprecated))
		}
		if o.Anonymous != e.Anonymous {
			d = append(d, fmt.Sprintf("anonymous access: %v → %v", o.Anonymous, e.Anonymous))
		}
		if o.InternetFacing != e.InternetFacing {
			d = append(d, fmt.Sprintf("internet-facing: %v → %v", o.InternetFacing, e.InternetFacing))
		}
		if len(d) > 0 {
			out = append(out, Change{Kind: "changed", Endpoint: e, Details: d})
		}
	}
	for _, e := range before {
		if !seen[e.Key()] {
			out = append(out, Change{Kind: "removed", Endpoint: e})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Endpoint.Key() < out[j].Endpoint.Key()
	})
	return out
}
