package ratelimit_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/ratelimit"
)

const ordersAPI = `
openapi: 3.0.3
info: {title: shop, version: "1"}
paths:
  /orders:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [item_ids]
              properties:
                item_ids: {type: array, items: {type: integer}, minItems: 1, maxItems: 10}
      responses: {"201": {description: created}}
`

// orders is an order API that enforces its documented maxItems only when
// safe.
func orders(safe bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ItemIDs []int `json:"item_ids"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.ItemIDs) == 0 {
			w.WriteHeader(422)
			return
		}
		if safe && len(in.ItemIDs) > 10 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(422)
			_, _ = w.Write([]byte(`{"detail":"at most 10 items"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": 1, "item_ids": in.ItemIDs})
	})
}

func TestMaxItems(t *testing.T) {
	a := checktest.API(t, ordersAPI)
	c := &ratelimit.MaxItems{}
	id := c.Info().ID
	got := checktest.Keys(t, id, checktest.Run(t, c, orders(false), a))
	if fmt.Sprint(got) != fmt.Sprint([]string{"POST /orders [body:item_ids]"}) {
		t.Errorf("vulnerable: got %q", got)
	}
	if got := checktest.Keys(t, id, checktest.Run(t, c, orders(true), a)); len(got) != 0 {
		t.Errorf("safe twin: got %q", got)
	}
}
