package inventory_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory"
	"github.com/escarp/escarp/internal/spec"
)

func sampleEndpoints() []*escarp.Endpoint {
	e1 := &escarp.Endpoint{Service: "shop", Method: "GET", Template: "/users/{userId}", Classification: escarp.ClassShadow,
		Sources: []string{"traffic"}, FirstSeen: now, LastSeen: now, Hits: 3, Statuses: map[string]int64{"2xx": 3},
		Auth: []string{"bearer"}, Query: []string{"fields"}}
	e1.ResponseSchema = inventory.MergeSchemaJSON("", `{"id":1,"email":"a@b.co","tags":["x"],"manager":null}`)
	e1.ResponseSchema = inventory.MergeSchemaJSON(e1.ResponseSchema, `{"id":2,"email":"c@d.co","tags":[],"manager":{"id":1}}`)
	e2 := &escarp.Endpoint{Service: "shop", Method: "POST", Template: "/orders", Classification: escarp.ClassDocumented,
		Sources: []string{"spec", "traffic"}, Documented: true, FirstSeen: now, Statuses: map[string]int64{"2xx": 1, "4xx": 1},
		RequestSchema: inventory.MergeSchemaJSON("", `{"sku":"A-1","qty":2}`), Auth: []string{"apiKey:X-API-Key"}}
	return []*escarp.Endpoint{e1, e2}
}

func TestReconstructedSpecLoads(t *testing.T) {
	var buf bytes.Buffer
	if err := inventory.WriteOpenAPI(&buf, "Shop (observed)", sampleEndpoints()); err != nil {
		t.Fatal(err)
	}
	api, _, err := spec.LoadBytes(context.Background(), "observed.yaml", buf.Bytes(), spec.Options{})
	if err != nil {
		t.Fatalf("reconstructed spec does not load: %v\n%s", err, buf.String())
	}
	if api.SpecVersion != "3.1.0" || len(api.Operations) != 2 || len(api.SecuritySchemes) != 2 {
		t.Fatalf("loaded %s with %d operations, %d schemes:\n%s", api.SpecVersion, len(api.Operations), len(api.SecuritySchemes), buf.String())
	}
	for _, op := range api.Operations {
		if op.Path != "/users/{userId}" {
			continue
		}
		if op.Param("path", "userId") == nil || op.Param("query", "fields") == nil {
			t.Errorf("parameters: %+v", op.Parameters)
		}
		s := op.Response("2XX").Media("application/json").Schema
		if s == nil || s.Properties["email"] == nil || s.Properties["email"].Format != "email" || !s.IsRequired("id") {
			t.Errorf("response schema not inferred: %+v", s)
		}
	}
}

func TestExportFormats(t *testing.T) {
	eps := sampleEndpoints()
	svcs := []*escarp.Service{{Name: "shop", Owner: "team-shop", FirstSeen: now}}
	var c bytes.Buffer
	if err := inventory.Export(&c, inventory.ExportCSV, svcs, eps); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&c).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][0] != "shop" || rows[1][3] != "shadow" {
		t.Errorf("csv = %v, %v", rows, err)
	}
	var b bytes.Buffer
	if err := inventory.Export(&b, inventory.ExportBackstage, svcs, eps); err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(&b)
	var docs []map[string]any
	for {
		var d map[string]any
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	if len(docs) != 1 || docs[0]["kind"] != "API" {
		t.Fatalf("backstage = %v", docs)
	}
	sp := docs[0]["spec"].(map[string]any)
	if sp["owner"] != "team-shop" || !strings.Contains(sp["definition"].(string), "openapi: 3.1.0") {
		t.Errorf("backstage spec = %v", sp)
	}
	if err := inventory.Export(io.Discard, "xml", nil, nil); escarp.ExitCode(err) != 2 {
		t.Errorf("unknown format: %v", err)
	}
}

func TestDiff(t *testing.T) {
	before := sampleEndpoints()
	after := sampleEndpoints()
	after[0].Classification = escarp.ClassZombie
	after = after[:1]
	after = append(after, &escarp.Endpoint{Service: "shop", Method: "GET", Template: "/admin", FirstSeen: now.Add(time.Hour)})
	got := inventory.Diff(before, after)
	var kinds []string
	for _, c := range got {
		kinds = append(kinds, c.Kind+" "+c.Endpoint.Template+" "+strings.Join(c.Details, ";"))
	}
	want := []string{"changed /users/{userId} classification: shadow → zombie", "new /admin ", "removed /orders "}
	if strings.Join(kinds, "|") != strings.Join(want, "|") {
		t.Errorf("Diff = %q, want %q", kinds, want)
	}
}
