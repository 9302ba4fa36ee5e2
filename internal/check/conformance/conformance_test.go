package conformance_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/conformance"
)

const api = `
openapi: 3.0.3
info: {title: marina, version: "1"}
paths:
  /boats:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [items]
                properties:
                  items:
                    type: array
                    items:
                      type: object
                      required: [id, name]
                      additionalProperties: false
                      properties:
                        id: {type: integer}
                        name: {type: string}
                        length_m: {type: number, nullable: true}
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string, example: Kittiwake}}}
      responses:
        "201": {description: created}
        "400": {description: invalid}
  /boats/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}, example: 1}]
      responses:
        "200": {description: ok}
        4XX: {description: client error}
`

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func marina(vulnerable bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boats", func(w http.ResponseWriter, r *http.Request) {
		item := map[string]any{"id": 1, "name": "Kittiwake", "length_m": nil}
		if vulnerable {
			item["id"] = "1"              // a string where an integer is declared
			item["owner_email"] = "a@b.c" // not declared, additionalProperties: false
		}
		writeJSON(w, 200, map[string]any{"items": []any{item}})
	})
	mux.HandleFunc("POST /boats", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(w, 400, map[string]string{"error": "invalid body"})
			return
		}
		name, ok := in["name"].(string)
		if !ok {
			if vulnerable {
				panic("name is required") // the server panics into a 500
			}
			writeJSON(w, 400, map[string]string{"error": "name is required"})
			return
		}
		status := 201
		if vulnerable {
			status = 200 // not declared
		}
		writeJSON(w, status, map[string]string{"name": name})
	})
	mux.HandleFunc("GET /boats/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			writeJSON(w, 422, map[string]string{"error": "id"}) // declared as 4XX
			return
		}
		writeJSON(w, 200, map[string]int{"id": id})
	})
	return recoverer(mux)
}

func recoverer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				writeJSON(w, 500, map[string]string{"error": "internal"})
			}
		}()
		h.ServeHTTP(w, r)
	})
}

func TestConformanceChecks(t *testing.T) {
	a := checktest.API(t, api)
	tests := []struct {
		check check.Check
		want  string
	}{
		{&conformance.Status{}, "[POST /boats []]"},
		{&conformance.Schema{}, "[GET /boats []]"},
		{&conformance.ServerError{}, "[POST /boats [body:]]"},
	}
	for _, tt := range tests {
		id := tt.check.Info().ID
		t.Run(id, func(t *testing.T) {
			if got := checktest.Keys(t, id, checktest.Run(t, tt.check, marina(true), a)); fmt.Sprint(got) != tt.want {
				t.Errorf("vulnerable: got %q, want %s", got, tt.want)
			}
			if got := checktest.Keys(t, id, checktest.Run(t, tt.check, marina(false), a)); len(got) != 0 {
				t.Errorf("safe twin: got %q", got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	no := false
	s := &escarp.Schema{Type: []string{"object"}, Required: []string{"id", "secret"},
		AdditionalPropertiesAllowed: &no,
		Properties: map[string]*escarp.Schema{
			"id":     {Type: []string{"integer"}, Minimum: f(1)},
			"secret": {Type: []string{"string"}, WriteOnly: true},
			"kind":   {Type: []string{"string"}, Enum: []any{"sail", "motor"}},
			"note":   {Type: []string{"string"}, Nullable: true},
			"tags":   {Type: []string{"array"}, Items: &escarp.Schema{Type: []string{"string"}}},
			"any":    {OneOf: []*escarp.Schema{{Type: []string{"string"}}, {Type: []string{"integer"}}}},
		}}
	tests := []struct {
		doc  string
		errs int
	}{
		{`{"id": 1, "kind": "sail", "note": null, "tags": ["a"], "any": 3}`, 0},
		{`{"id": 0}`, 0}, // bounds are not judged
		{`{"id": 1.5}`, 1},
		{`{"kind": "row"}`, 2}, // id missing, kind not in enum
		{`{"id": 1, "extra": true}`, 1},
		{`{"id": 1, "tags": [1]}`, 1},
		{`{"id": 1, "any": true}`, 1},
		{`[]`, 1},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal([]byte(tt.doc), &v); err != nil {
			t.Fatal(err)
		}
		if got := conformance.Validate(s, v); len(got) != tt.errs {
			t.Errorf("Validate(%s) = %q, want %d errors", tt.doc, got, tt.errs)
		}
	}
}
