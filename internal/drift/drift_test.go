package drift

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const v1 = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok}
  /orders:
    get:
      responses:
        "200": {description: ok}
    delete:
      responses:
        "204": {description: gone}
`

const v2 = `openapi: 3.0.3
info: {title: t, version: "2"}
paths:
  /users/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
        - {name: fields, in: query, required: true, schema: {type: string}}
      responses:
        "200": {description: ok}
  /orders:
    get:
      responses:
        "200": {description: ok}
  /search:
    post:
      responses:
        "200": {description: ok}
`

func TestCompare(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := Compare(ctx, "main:openapi.yaml", []byte(v1), "openapi.yaml", []byte(v2))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"POST /search"}, r.New); diff != "" {
		t.Errorf("new: %s", diff)
	}
	if diff := cmp.Diff([]string{"DELETE /orders"}, r.Removed); diff != "" {
		t.Errorf("removed: %s", diff)
	}
	if diff := cmp.Diff([]string{"GET /users/{id}"}, r.Changed); diff != "" {
		t.Errorf("changed: %s", diff)
	}
	var ops []string
	for _, c := range r.Breaking {
		ops = append(ops, c.Operation)
	}
	for _, want := range []string{"DELETE /orders", "GET /users/{id}"} {
		found := false
		for _, o := range ops {
			found = found || o == want
		}
		if !found {
			t.Errorf("no breaking change on %s in %v", want, r.Breaking)
		}
	}
	for _, c := range r.Breaking {
		if c.Operation == "POST /search" {
			t.Errorf("adding an operation is not breaking: %v", c)
		}
	}

	// The same document: no drift.
	same, err := Compare(ctx, "a", []byte(v1), "b", []byte(v1))
	if err != nil {
		t.Fatal(err)
	}
	if len(same.New)+len(same.Removed)+len(same.Changed)+len(same.Breaking) != 0 {
		t.Errorf("no drift expected: %+v", same)
	}

	// Bad input names the document.
	if _, err := Compare(ctx, "old.yaml", []byte("openapi: [\n"), "new.yaml", []byte(v2)); err == nil || !strings.Contains(err.Error(), "old.yaml") {
		t.Errorf("bad previous document: %v", err)
	}
}
