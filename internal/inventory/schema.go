package inventory

import (
	"encoding/json"
	"net/mail"
	"sort"
	"strings"
	"time"
)

// Limits that keep inferred schemas small whatever the traffic.
const (
	maxSchemaDepth = 8
	maxProperties  = 200
	maxBodyBytes   = 256 << 10
)

// Schema is a JSON Schema inferred from observed JSON bodies.
type Schema struct {
	Type       string             `json:"type,omitempty"`
	Format     string             `json:"format,omitempty"`
	Properties map[string]*Schema `json:"properties,omitempty"`
	Required   []string           `json:"required,omitempty"`
	Items      *Schema            `json:"items,omitempty"`
	Nullable   bool               `json:"nullable,omitempty"`
	// Seen counts the bodies merged into an object schema, so required
	// properties are those present in every one.
	Seen int `json:"x-seen,omitempty"`
	// counts per property, not serialized: rebuilt from Required on merge.
	counts map[string]int
}

// Infer returns the schema of a decoded JSON value.
func Infer(v any) *Schema { return infer(v, 0) }

func infer(v any, depth int) *Schema {
	if depth > maxSchemaDepth {
		return &Schema{}
	}
	switch x := v.(type) {
	case nil:
		return &Schema{Nullable: true}
	case bool:
		return &Schema{Type: "boolean"}
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return &Schema{Type: "integer"}
		}
		return &Schema{Type: "number"}
	case float64:
		if x == float64(int64(x)) {
			return &Schema{Type: "integer"}
		}
		return &Schema{Type: "number"}
	case string:
		return &Schema{Type: "string", Format: stringFormat(x)}
	case []any:
		s := &Schema{Type: "array"}
		for i, item := range x {
			if i >= 50 {
				break
			}
			s.Items = mergeSchema(s.Items, infer(item, depth+1))
		}
		return s
	case map[string]any:
		s := &Schema{Type: "object", Properties: map[string]*Schema{}, Seen: 1, counts: map[string]int{}}
		for k, val := range x {
			if len(s.Properties) >= maxProperties {
				break
			}
			s.Properties[k] = infer(val, depth+1)
			s.counts[k] = 1
		}
		s.Required = requiredOf(s)
		return s
	}
	return &Schema{}
}

func stringFormat(s string) string {
	switch {
	case len(s) == 36 && strings.Count(s, "-") == 4:
		return "uuid"
	case len(s) >= 20 && s[4] == '-' && strings.ContainsAny(s, "T "):
		if _, err := time.Parse(time.RFC3339, s); err == nil {
			return "date-time"
		}
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		if _, err := time.Parse("2006-01-02", s); err == nil {
			return "date"
		}
	case strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://"):
		return "uri"
	case strings.Contains(s, "@") && !strings.ContainsAny(s, " <>"):
		if _, err := mail.ParseAddress(s); err == nil {
			return "email"
		}
	}
	return ""
}

func requiredOf(s *Schema) []string {
	var req []string
	for k, n := range s.counts {
		if n == s.Seen {
			req = append(req, k)
		}
	}
	sort.Strings(req)
	return req
}

// mergeSchema merges b into a: object properties are united, a property is
// required only when every merged object had it, differing types widen
// (integer and number to number, anything else to no type).
func mergeSchema(a, b *Schema) *Schema {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	if a.Type == "" && a.Nullable && b.Type != "" {
		b.Nullable = true
		return b
	}
	if b.Type == "" && b.Nullable {
		a.Nullable = true
		return a
	}
	if a.Type != b.Type {
		if (a.Type == "integer" || a.Type == "number") && (b.Type == "integer" || b.Type == "number") {
			a.Type = "number"
			return a
		}
		return &Schema{Nullable: a.Nullable || b.Nullable}
	}
	if a.Format != b.Format {
		a.Format = ""
	}
	a.Nullable = a.Nullable || b.Nullable
	switch a.Type {
	case "array":
		a.Items = mergeSchema(a.Items, b.Items)
	case "object":
		if a.counts == nil {
			a.counts = map[string]int{}
			for k := range a.Properties {
				a.counts[k] = 0
			}
			for _, r := range a.Required {
				a.counts[r] = a.Seen
			}
		}
		if b.counts == nil {
			b.counts = map[string]int{}
			for _, r := range b.Required {
				b.counts[r] = b.Seen
			}
		}
		for k, v := range b.Properties {
			if _, ok := a.Properties[k]; !ok && len(a.Properties) >= maxProperties {
				continue
			}
			a.Properties[k] = mergeSchema(a.Properties[k], v)
			a.counts[k] += b.counts[k]
		}
		a.Seen += b.Seen
		a.Required = requiredOf(a)
	}
	return a
}

// MergeSchemaJSON merges the schema of a JSON body into an inferred schema
// given as JSON text ("" for none) and returns the result as JSON text.
// Bodies that are not JSON leave the schema unchanged.
func MergeSchemaJSON(schema, body string) string {
	body = strings.TrimSpace(body)
	if body == "" || len(body) > maxBodyBytes || (body[0] != '{' && body[0] != '[') {
		return schema
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return schema
	}
	var cur *Schema
	if schema != "" {
		cur = new(Schema)
		if err := json.Unmarshal([]byte(schema), cur); err != nil {
			cur = nil
		}
	}
	out, err := json.Marshal(mergeSchema(cur, Infer(v)))
	if err != nil {
		return schema
	}
	return string(out)
}
