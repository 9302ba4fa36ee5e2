package policy

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
)

// InputVersion is the version of the input document policies read
// (input.version). It changes only when the document changes
// incompatibly; docs/policy.md documents it.
const InputVersion = "1"

// Input is what one evaluation reads. Any part may be missing: a policy
// over the inventory needs no API, the TLS rules need the TLS facts.
type Input struct {
	// API is the normalised API description, or nil.
	API *escarp.API
	// Services and Endpoints are the inventory records, if any.
	Services  []*escarp.Service
	Endpoints []*escarp.Endpoint
	// Findings are the findings of the current run (audit, scan...).
	Findings []escarp.Finding
	// TLS are the facts gathered by [Probe], one per origin.
	TLS []*TLSFacts
	// Now is the evaluation time; time.Now when zero.
	Now time.Time
}

// Property is one schema property of the API, flattened for policies
// (input.properties): where it is, what it is, and whether its name is in
// escarp's catalogue of sensitive names.
type Property struct {
	Schema         string          `json:"schema"` // component name or the operation using it
	Name           string          `json:"name"`
	Pointer        string          `json:"pointer,omitempty"`
	Pos            escarp.Position `json:"pos"`
	Type           []string        `json:"type,omitempty"`
	Format         string          `json:"format,omitempty"`
	WriteOnly      bool            `json:"writeOnly,omitempty"`
	ReadOnly       bool            `json:"readOnly,omitempty"`
	Classification string          `json:"classification,omitempty"`
	Sensitive      bool            `json:"sensitive"`
}

// Document returns the input document as policies see it, a JSON value:
//
//	{"version": "1", "now": RFC 3339, "today": "YYYY-MM-DD",
//	 "api": escarp.API as JSON (parameters gain "sensitive"),
//	 "properties": [Property...],
//	 "inventory": {"services": [...], "endpoints": [...]},
//	 "findings": [escarp.Finding...],
//	 "tls": [TLSFacts...]}
func (in *Input) Document() (map[string]any, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	doc := map[string]any{
		"version": InputVersion,
		"now":     now.UTC().Format(time.RFC3339),
		"today":   now.UTC().Format(time.DateOnly),
	}
	if in.API != nil {
		api, err := roundTrip(in.API)
		if err != nil {
			return nil, err
		}
		markSensitiveParams(api)
		doc["api"] = api
		props, err := roundTrip(properties(in.API))
		if err != nil {
			return nil, err
		}
		doc["properties"] = props
	}
	if in.Services != nil || in.Endpoints != nil {
		inv, err := roundTrip(map[string]any{"services": nonNil(in.Services), "endpoints": nonNil(in.Endpoints)})
		if err != nil {
			return nil, err
		}
		doc["inventory"] = inv
	}
	fs, err := roundTrip(nonNil(in.Findings))
	if err != nil {
		return nil, err
	}
	doc["findings"] = fs
	if in.TLS != nil {
		t, err := roundTrip(in.TLS)
		if err != nil {
			return nil, err
		}
		doc["tls"] = t
	}
	return doc, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// roundTrip turns v into the plain JSON value (maps, slices, strings,
// float64, bools) policies read.
func roundTrip(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("policy: encode input: %w", err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("policy: encode input: %w", err)
	}
	return out, nil
}

// markSensitiveParams sets "sensitive" on every parameter of every
// operation of the encoded API, from the one catalogue (internal/redact).
func markSensitiveParams(api any) {
	m, _ := api.(map[string]any)
	ops, _ := m["operations"].([]any)
	for _, o := range ops {
		op, _ := o.(map[string]any)
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			pm, _ := p.(map[string]any)
			if pm == nil {
				continue
			}
			name, _ := pm["name"].(string)
			pm["sensitive"] = redact.SensitiveName(name)
		}
	}
}

// properties flattens every object property of every schema of api: the
// named components, then the bodies of operations (each schema once).
func properties(api *escarp.API) []Property {
	out := []Property{}
	seen := map[*escarp.Schema]bool{}
	visit := func(owner string, root *escarp.Schema) {
		escarp.WalkSchema(root, func(_ string, s *escarp.Schema) bool {
			if seen[s] {
				return false
			}
			seen[s] = true
			for _, name := range s.SortedPropertyNames() {
				p := s.Properties[name]
				if p == nil {
					continue
				}
				pr := Property{Schema: owner, Name: name, Pointer: p.Pointer, Pos: p.Pos, Type: p.Type, Format: p.Format,
					WriteOnly: p.WriteOnly, ReadOnly: p.ReadOnly, Sensitive: redact.SensitiveName(name)}
				if s.Name != "" {
					pr.Schema = s.Name
				}
				if c, ok := p.Extensions["x-escarp-classification"]; ok && c != nil {
					pr.Classification = fmt.Sprint(c)
				}
				if pr.Pos.Line == 0 {
					pr.Pos = s.Pos
				}
				out = append(out, pr)
			}
			return true
		})
	}
	for _, name := range sortedKeys(api.Schemas) {
		visit(name, api.Schemas[name])
	}
	for _, op := range api.Operations {
		if op.RequestBody != nil {
			for _, m := range op.RequestBody.Content {
				visit(op.Key(), m.Schema)
			}
		}
		for _, r := range op.Responses {
			for _, m := range r.Content {
				visit(op.Key(), m.Schema)
			}
		}
	}
	return out
}
