package inventory

import (
	"fmt"
	"testing"
)

func TestSegmentTyping(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/users/123", "/users/{userId}"},
		{"/users/123/orders/9", "/users/{userId}/orders/{orderId}"},
		{"/api/v2/items/5", "/api/v2/items/{itemId}"},
		{"/files/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "/files/{fileId}"},
		{"/docs/507f1f77bcf86cd799439011", "/docs/{docId}"},
		{"/reports/2024-01-31", "/reports/{date}"},
		{"/people/alice@example.com/inbox", "/people/{email}/inbox"},
		{"/invoices/INV-00042", "/invoices/{invoiceId}"},
		{"/categories/12/categories/13", "/categories/{categoryId}/categories/{categoryId2}"},
		{"/users/me", "/users/me"},
		{"/users/john", "/users/john"}, // one slug is not a pattern
		{"/health", "/health"},
		{"/", "/"},
		{"", "/"},
		{"/search?q=1&page=2", "/search"},
		{"/v1.2/status", "/v1.2/status"},
		{"//double//slash/7", "/double/slash/{slashId}"},
		{"/tokens/eyJhbGciOiJIUzI1NiJ9AbCdEf12", "/tokens/{token}"},
		{"/1/2", "/{id}/{id2}"},
	}
	tp := NewTemplater()
	for _, tt := range tests {
		if got := tp.Template("svc", tt.path); got != tt.want {
			t.Errorf("Template(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestKnownTemplatesWin(t *testing.T) {
	tp := NewTemplater()
	tp.AddTemplate("shop", "/users/{id}")
	tp.AddTemplate("shop", "/users/me")
	tp.AddTemplate("shop", "/items/:sku/reviews")  // code route syntax
	tp.AddTemplate("shop", "/files/{path:.*}")     // gorilla syntax
	tp.AddTemplate("other", "/users/{uid}/avatar") // another service
	tests := []struct{ service, path, want string }{
		{"shop", "/users/42", "/users/{id}"},
		{"shop", "/users/me", "/users/me"},
		{"shop", "/users/john", "/users/{id}"}, // the spec says it is a parameter
		{"shop", "/items/ABC-1/reviews", "/items/{sku}/reviews"},
		{"shop", "/files/readme", "/files/{path}"},
		{"shop", "/users/42/avatar", "/users/{userId}/avatar"}, // not a shop template: typed
		{"other", "/users/42/avatar", "/users/{uid}/avatar"},
	}
	for _, tt := range tests {
		if got := tp.Template(tt.service, tt.path); got != tt.want {
			t.Errorf("Template(%s, %q) = %q, want %q", tt.service, tt.path, got, tt.want)
		}
	}
}

func TestPinnedLiteral(t *testing.T) {
	tp := NewTemplater()
	tp.AddTemplate("s", "/orders/{id}")
	tp.Pin("s", "/orders/12345")
	if got := tp.Template("s", "/orders/12345"); got != "/orders/12345" {
		t.Errorf("pinned path templated to %q", got)
	}
	if got := tp.Template("s", "/orders/7"); got != "/orders/{id}" {
		t.Errorf("other ids: %q", got)
	}
}

func TestCardinalityCollapse(t *testing.T) {
	tp := NewTemplater()
	tp.AddTemplate("s", "/users/me") // a known constant sibling is never collapsed
	names := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory"}
	for _, n := range names {
		tp.Observe("s", "/users/"+n+"/profile")
	}
	tp.Observe("s", "/users/me")
	if got := tp.Template("s", "/users/alice/profile"); got != "/users/{user}/profile" {
		t.Errorf("slug position not collapsed: %q", got)
	}
	if got := tp.Template("s", "/users/me"); got != "/users/me" {
		t.Errorf("known constant collapsed: %q", got)
	}
	few := NewTemplater()
	for _, n := range names[:3] {
		few.Observe("s", "/teams/"+n)
	}
	if got := few.Template("s", "/teams/alice"); got != "/teams/alice" {
		t.Errorf("three siblings collapsed: %q", got)
	}
	// Fixed sub-resources of an id are not slugs.
	many := NewTemplater()
	for i := 0; i < 20; i++ {
		many.Observe("s", fmt.Sprintf("/users/%d/orders", i))
	}
	if got := many.Template("s", "/users/5/orders"); got != "/users/{userId}/orders" {
		t.Errorf("got %q", got)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/users/:id", "/users/{id}"},
		{"/users/{id:[0-9]+}", "/users/{id}"},
		{"/static/*filepath", "/static/{filepath}"},
		{"/files/*", "/files/{wildcard}"},
		{"/users/<int:id>", "/users/{id}"},
		{"/a/{rest...}", "/a/{rest}"},
		{"/plain", "/plain"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var benchPaths = []string{
	"/api/v2/users/12345/orders/987654",
	"/api/v2/users/me",
	"/files/3f2504e0-4f89-11d3-9a0c-0305e82c3301/download",
	"/api/v2/products/SKU-12345/reviews?page=2",
	"/health",
	"/docs/507f1f77bcf86cd799439011",
	"/reports/2024-01-31/summary",
	"/api/v1/search",
}

// BenchmarkTemplate measures templating of typical paths against a
// templater that knows a spec (the inventory's hot path). Target: 500,000
// paths per second per core.
func BenchmarkTemplate(b *testing.B) {
	tp := NewTemplater()
	for _, tpl := range []string{"/api/v2/users/{id}", "/api/v2/users/me", "/api/v2/users/{id}/orders", "/api/v1/search", "/health"} {
		tp.AddTemplate("shop", tpl)
	}
	for _, p := range benchPaths {
		tp.Observe("shop", p)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = tp.Template("shop", benchPaths[i%len(benchPaths)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "paths/s")
}
