package scan

import (
	"testing"

	"github.com/escarp/escarp"
)

func TestNouns(t *testing.T) {
	for _, tc := range []struct{ path, param, want string }{
		{"/orders/{orderId}", "orderId", "order"},
		{"/orders/{id}", "id", "order"},
		{"/users/{userId}/orders/{oid}", "userId", "user"},
		{"/users/{userId}/orders/{oid}", "oid", "order"},
		{"/categories/{slug}", "slug", "category"},
		{"/{tenantId}/boxes/{id}", "tenantId", "tenant"},
		{"/addresses/{address_id}", "address_id", "address"},
	} {
		if got := pathNoun(tc.path, tc.param); got != tc.want {
			t.Errorf("pathNoun(%s, %s) = %q, want %q", tc.path, tc.param, got, tc.want)
		}
	}
	for path, want := range map[string]string{"/api/v2/bookings": "booking", "/users/{id}/orders": "order", "/orders/{id}": "", "/auth/token.json": ""} {
		if got := collectionNoun(path); got != want {
			t.Errorf("collectionNoun(%s) = %q, want %q", path, got, want)
		}
	}
	for name, want := range map[string]string{"orderId": "order", "owner_id": "owner", "id": "", "name": "", "berthUUID": "berth"} {
		if got := nameNoun(name); got != want {
			t.Errorf("nameNoun(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestPlan(t *testing.T) {
	api := &escarp.API{Operations: []*escarp.Operation{
		{Method: "GET", Path: "/orders/{id}"},
		{Method: "DELETE", Path: "/orders/{id}"},
		{Method: "POST", Path: "/users/{userId}/orders"},
		{Method: "POST", Path: "/orders"},
		{Method: "GET", Path: "/orders"},
	}}
	p := newPlan(api)
	if prods := p.producers["order"]; len(prods) != 2 || prods[0].Path != "/orders" {
		t.Errorf("producers of order: %v (the one with fewer parents first)", prods)
	}
	if p.lists["order"] == nil || p.deleters["/orders"] == nil {
		t.Errorf("lists %v deleters %v", p.lists, p.deleters)
	}
	var methods []string
	for _, op := range order(api.Operations) {
		methods = append(methods, op.Method)
	}
	if len(methods) != 5 || methods[0] != "POST" || methods[4] != "DELETE" {
		t.Errorf("order = %v", methods)
	}
}

func TestIDs(t *testing.T) {
	var doc any = map[string]any{"data": map[string]any{"orderId": 7.0}}
	if got := objectID(doc, "order"); got != "7" {
		t.Errorf("objectID = %q", got)
	}
	list := map[string]any{"total": 2.0, "items": []any{map[string]any{"id": "a"}, map[string]any{"id": "b"}}}
	if got := listIDs(list, "order"); len(got) != 2 || got[1] != "b" {
		t.Errorf("listIDs = %v", got)
	}
	if noun, id := resourceOf("/api/orders/42"); noun != "order" || id != "42" {
		t.Errorf("resourceOf = %s %s", noun, id)
	}
}

func TestServerPath(t *testing.T) {
	for url, want := range map[string]string{"https://api.example.com/v1/": "/v1", "/": "", "/api": "/api", "https://{env}.x/v1": "", "": ""} {
		api := &escarp.API{}
		if url != "" {
			api.Servers = []*escarp.Server{{URL: url}}
		}
		if got := serverPath(api); got != want {
			t.Errorf("serverPath(%q) = %q, want %q", url, got, want)
		}
	}
}
