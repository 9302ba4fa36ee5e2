package specdiff_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/specdiff"
)

// LabWithTwoRiskyOperations returns the lab's description with two risky
// operations added: a transfer that takes an object id and a link preview
// that fetches a URL.
func labWithTwoRiskyOperations(t testing.TB) []byte {
	t.Helper()
	extra, err := os.ReadFile("testdata/added-ops.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := lab.Spec(false)
	i := bytes.Index(base, []byte("\ncomponents:\n"))
	if i < 0 {
		t.Fatal("the lab's spec has no components section")
	}
	return slices.Concat(base[:i+1], extra, base[i+1:])
}

func load(t testing.TB, name string, data []byte) *escarp.API {
	t.Helper()
	api, _, err := spec.LoadBytes(context.Background(), name, data, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// TestLabTwoAddedOperations: the diff reports exactly the two added
// operations, their facts, and threats on them only.
func TestLabTwoAddedOperations(t *testing.T) {
	prev := load(t, "before.yaml", lab.Spec(false))
	cur := load(t, "after.yaml", labWithTwoRiskyOperations(t))
	d := specdiff.Compare(prev, cur, specdiff.Options{})
	var keys []string
	for _, c := range d.Operations {
		keys = append(keys, c.Kind+" "+c.Key())
	}
	want := []string{"added POST /api/v2/boats/{boatId}/transfer", "added POST /api/v2/tools/link-preview"}
	if !slices.Equal(keys, want) {
		t.Fatalf("operations = %q, want %q", keys, want)
	}
	if !slices.Contains(d.Operations[0].Gained, "object id path:boatId") || !slices.Contains(d.Operations[1].Gained, "URL input body:/url") {
		t.Errorf("facts: %q / %q", d.Operations[0].Gained, d.Operations[1].Gained)
	}
	if len(d.ThreatsAdded) == 0 || len(d.ThreatsRemoved) != 0 || d.RiskRemoved != 0 {
		t.Fatalf("threats added %d, removed %d", len(d.ThreatsAdded), len(d.ThreatsRemoved))
	}
	classes := map[string]bool{}
	for _, th := range d.ThreatsAdded {
		k := th.Method + " " + th.Path
		if k != want[0][len("added "):] && k != want[1][len("added "):] {
			t.Errorf("threat %s on an operation the change did not add", th.ID)
		}
		classes[th.RuleID] = true
	}
	if !classes["ESC-THREAT-E-001"] || !classes["ESC-THREAT-I-001"] {
		t.Errorf("want BOLA and SSRF among the added threats, got %v", classes)
	}
	sum := d.Summary()
	if !strings.HasPrefix(sum, "adds two operations (one that takes an object id, one URL input)") {
		t.Errorf("summary = %q", sum)
	}
	t.Log(sum)

	// The same version against itself: nothing.
	same := specdiff.Compare(cur, cur, specdiff.Options{})
	if len(same.Operations) != 0 || len(same.ThreatsAdded) != 0 || len(same.ThreatsRemoved) != 0 {
		t.Errorf("a version against itself: %d changes, %d added, %d removed", len(same.Operations), len(same.ThreatsAdded), len(same.ThreatsRemoved))
	}
	// Reversed: the two are removed.
	rev := specdiff.Compare(cur, prev, specdiff.Options{})
	if len(rev.Operations) != 2 || rev.Operations[0].Kind != specdiff.Removed || len(rev.ThreatsAdded) != 0 || len(rev.ThreatsRemoved) != len(d.ThreatsAdded) {
		t.Errorf("reversed: %+v", rev.Operations)
	}
}

// TestChangedOperation: a change that makes an operation anonymous and
// gives it a URL input is a change with those facts gained.
func TestChangedOperation(t *testing.T) {
	before := `openapi: 3.1.0
info: {title: t, version: "1"}
security: [{key: []}]
components: {securitySchemes: {key: {type: apiKey, in: header, name: X-Key}}}
paths:
  /items/{id}:
    get:
      responses: {'200': {description: ok}}
`
	after := strings.Replace(before, "    get:\n", "    get:\n      security: []\n      parameters: [{name: next, in: query, schema: {type: string, format: uri}}]\n", 1)
	d := specdiff.Compare(load(t, "a.yaml", []byte(before)), load(t, "b.yaml", []byte(after)), specdiff.Options{})
	if len(d.Operations) != 1 || d.Operations[0].Kind != specdiff.Changed {
		t.Fatalf("operations: %+v", d.Operations)
	}
	g := d.Operations[0].Gained
	if !slices.Contains(g, "anonymous") || !slices.Contains(g, "URL input query:next") {
		t.Errorf("gained %q", g)
	}
	// Renaming a path parameter changes nothing.
	renamed := strings.ReplaceAll(before, "{id}", "{itemId}")
	if d := specdiff.Compare(load(t, "a.yaml", []byte(before)), load(t, "c.yaml", []byte(renamed)), specdiff.Options{}); len(d.Operations) != 0 {
		t.Errorf("renamed parameter: %+v", d.Operations)
	}
}
