package escarp

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParsePathTemplate(t *testing.T) {
	tests := []struct {
		in, want, key string
		params        []string
	}{
		{"/users/{id}", "/users/{id}", "/users/{}", []string{"id"}},
		{"/users/:id", "/users/{id}", "/users/{}", []string{"id"}},
		{"/users/<id>", "/users/{id}", "/users/{}", []string{"id"}},
		{"/users/<int:id>/", "/users/{id}/", "/users/{}", []string{"id"}},
		{"/users/{id:[0-9]+}", "/users/{id}", "/users/{}", []string{"id"}},
		{"/users/{id:[0-9]{1,3}}", "/users/{id}", "/users/{}", []string{"id"}},
		{"/users/{id:int}", "/users/{id}", "/users/{}", []string{"id"}},
		{"/users/:id(\\d+)", "/users/{id}", "/users/{}", []string{"id"}},
		{"/files/*path", "/files/{path}", "/files/{}", []string{"path"}},
		{"/files/{path...}", "/files/{path}", "/files/{}", []string{"path"}},
		{"/files/{*path}", "/files/{path}", "/files/{}", []string{"path"}},
		{"/files/<path:rest>", "/files/{rest}", "/files/{}", []string{"rest"}},
		{"/static/*", "/static/{wildcard}", "/static/{}", []string{"wildcard"}},
		{"/{$}", "/", "/", nil},
		{"/a/{$}", "/a/", "/a", nil},
		{"/item/:id?", "/item/{id}", "/item/{}", []string{"id"}},
		{"/flights/:from-:to", "/flights/{from}-{to}", "/flights/{}-{}", []string{"from", "to"}},
		{"/files/{name}.{ext}", "/files/{name}.{ext}", "/files/{}.{}", []string{"name", "ext"}},
		{"/orgs/{org}/repos/{repo}", "/orgs/{org}/repos/{repo}", "/orgs/{}/repos/{}", []string{"org", "repo"}},
		{"users", "/users", "/users", nil},
		{"/a:b", "/a:b", "/a:b", nil},
		{"/v1/users:batchGet", "/v1/users:batchGet", "/v1/users:batchGet", nil},
		{"//a//b//", "/a/b/", "/a/b", nil},
		{"", "/", "/", nil},
		{"/", "/", "/", nil},
		{"/x/{unclosed", "/x/{unclosed}", "/x/{}", []string{"unclosed"}},
		{"/x/{}", "/x/{param}", "/x/{}", []string{"param"}},
		{"/x/<y", "/x/<y", "/x/<y", nil},
	}
	for _, tt := range tests {
		pt := ParsePathTemplate(tt.in)
		if got := pt.String(); got != tt.want {
			t.Errorf("ParsePathTemplate(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		if got := pt.Key(); got != tt.key {
			t.Errorf("ParsePathTemplate(%q).Key() = %q, want %q", tt.in, got, tt.key)
		}
		if got := pt.Params(); !slices.Equal(got, tt.params) {
			t.Errorf("ParsePathTemplate(%q).Params() = %q, want %q", tt.in, got, tt.params)
		}
	}
}

func TestPathTemplateMatch(t *testing.T) {
	tests := []struct {
		tmpl, path string
		want       map[string]string // nil: no match
	}{
		{"/users/{id}", "/users/42", map[string]string{"id": "42"}},
		{"/users/{id}", "/users/42/", map[string]string{"id": "42"}},
		{"/users/:id", "/users", nil},
		{"/users/{id}", "/users/42/orders", nil},
		{"/users/{id}", "/accounts/42", nil},
		{"/users/me", "/users/me", map[string]string{}},
		{"/files/{name}.{ext}", "/files/report.tar.gz", map[string]string{"name": "report", "ext": "tar.gz"}},
		{"/files/{name}.json", "/files/a.b.json", map[string]string{"name": "a.b"}},
		{"/files/{name}.json", "/files/.json", nil},
		{"/static/*path", "/static/css/site.css", map[string]string{"path": "css/site.css"}},
		{"/static/{path...}", "/static", nil},
		{"/a/{rest...}/edit", "/a/x/y/edit", map[string]string{"rest": "x/y"}},
		{"/orders/{id}", "/orders/a%2Fb", map[string]string{"id": "a%2Fb"}},
		{"/", "/", map[string]string{}},
		{"/", "/x", nil},
	}
	for _, tt := range tests {
		got, ok := ParsePathTemplate(tt.tmpl).Match(tt.path)
		switch {
		case tt.want == nil && ok:
			t.Errorf("ParsePathTemplate(%q).Match(%q) = %v, want no match", tt.tmpl, tt.path, got)
		case tt.want != nil && (!ok || !maps.Equal(got, tt.want)):
			t.Errorf("ParsePathTemplate(%q).Match(%q) = %v, %v, want %v", tt.tmpl, tt.path, got, ok, tt.want)
		}
	}
}

// TestPathTemplateMatchBounded: backtracking over many parameters of one
// segment, or several catch-alls, stays polynomial on hostile paths.
func TestPathTemplateMatchBounded(t *testing.T) {
	many := ParsePathTemplate("/{a}x{b}x{c}x{d}x{e}x{f}x{g}x{h}y")
	if _, ok := many.Match("/" + strings.Repeat("x", 3000)); ok {
		t.Error("matched a path without the final literal")
	}
	walls := ParsePathTemplate("/*a/x/*b/x/*c/x/*d/y")
	if _, ok := walls.Match(strings.Repeat("/x", 300)); ok {
		t.Error("catch-alls matched a path without the final literal")
	}
}

func TestPathTemplateFill(t *testing.T) {
	tests := []struct {
		tmpl   string
		values map[string]string
		want   string
		ok     bool
	}{
		{"/users/{id}", map[string]string{"id": "42"}, "/users/42", true},
		{"/users/{id}/", map[string]string{"id": "a b/c"}, "/users/a%20b%2Fc/", true},
		{"/users/{id}/orders/{order}", map[string]string{"id": "1"}, "", false},
		{"/static/*path", map[string]string{"path": "css/a b.css"}, "/static/css/a%20b.css", true},
		{"/files/:name.:ext", map[string]string{"name": "r", "ext": "gz"}, "/files/r.gz", true},
		{"/plain", nil, "/plain", true},
	}
	for _, tt := range tests {
		got, ok := ParsePathTemplate(tt.tmpl).Fill(tt.values)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParsePathTemplate(%q).Fill(%v) = %q, %v, want %q, %v", tt.tmpl, tt.values, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPathTemplateSegments(t *testing.T) {
	pt := ParsePathTemplate("/orders/{id}/items/{item}.{ext}/pay")
	got := pt.Segments()
	want := []PathSegment{{"orders", ""}, {"{id}", "id"}, {"items", ""}, {"{item}.{ext}", ""}, {"pay", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("Segments() = %v, want %v", got, want)
	}
	if got := pt.Last(); got != (PathSegment{"pay", ""}) {
		t.Errorf("Last() = %v", got)
	}
	if got := pt.Parent().Parent().Parent().String(); got != "/orders/{id}" {
		t.Errorf("Parent()×3 = %q, want /orders/{id}", got)
	}
	if got := ParsePathTemplate("/").Parent().String(); got != "/" {
		t.Errorf("Parent of / = %q", got)
	}
	if got := ParsePathTemplate("/").Last(); got != (PathSegment{}) {
		t.Errorf("Last of / = %v", got)
	}
}

// FuzzPathTemplate checks that parsing never fails or loops, that the
// OpenAPI form is a fixed point, and that a filled template matches
// itself with the values it was filled with.
func FuzzPathTemplate(f *testing.F) {
	for _, s := range []string{"/users/{id}", "/users/:id?", "/f/<path:p>", "/{a}.{b}", "/s/*", "/x/{y:[0-9]{2}}", "{", "<:>", "/:(", "/a/{$}", "{{", "{0\f("} {
		f.Add(s, "v1")
	}
	f.Fuzz(func(t *testing.T, s, v string) {
		pt := ParsePathTemplate(s)
		str := pt.String()
		if !strings.HasPrefix(str, "/") {
			t.Fatalf("String() = %q, want a leading slash", str)
		}
		again := ParsePathTemplate(str)
		if again.String() != str || again.Key() != pt.Key() {
			t.Fatalf("reparsing %q (from %q) gives %q, key %q, want %q, key %q", str, s, again.String(), again.Key(), str, pt.Key())
		}
		if v == "" || strings.Contains(v, "/") {
			return
		}
		values := map[string]string{}
		for _, p := range pt.Params() {
			values[p] = v
		}
		filled, ok := pt.Fill(values)
		if !ok {
			t.Fatalf("Fill(%v) of %q: a value is missing", values, str)
		}
		if len(pt.Params()) == 1 && !strings.ContainsAny(str, "*") {
			if _, ok := pt.Match(filled); !ok {
				t.Fatalf("%q does not match its own filling %q", str, filled)
			}
		}
	})
}

func TestInferPathTemplate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/users/42", "/users/{id}"},
		{"/users/42/orders/7", "/users/{id}/orders/{id2}"},
		{"/v2/items", "/v2/items"},
		{"/files/3f2b8c1e-9d4a-4b7e-8f6a-1c2d3e4f5a6b", "/files/{id}"},
		{"/commits/0123456789abcdef0123", "/commits/{id}"},
		{"/deadbeefdeadbeefdeadbeef", "/deadbeefdeadbeefdeadbeef"},
		{"/", "/"},
		{"/users/3f2b8c1e-9d4a-4b7e-8f6a-1c2d3e4f5a6b/logins/2026-12-08", "/users/{id}/logins/{date}"},
		{"/invoices/INV-00042/", "/invoices/{id}/"},
		{"/img/3f2b8c1e-9d4a-4b7e-8f6a-1c2d3e4f5a6b.png", "/img/3f2b8c1e-9d4a-4b7e-8f6a-1c2d3e4f5a6b.png"},
	}
	for _, tt := range tests {
		if got := InferPathTemplate(tt.in).String(); got != tt.want {
			t.Errorf("InferPathTemplate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
