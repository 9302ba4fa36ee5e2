package postman

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

func loadFixture(t *testing.T) *escarp.API {
	t.Helper()
	loc := filepath.Join("testdata", "shop.postman_collection.json")
	data, err := os.ReadFile(loc)
	if err != nil {
		t.Fatal(err)
	}
	api, warnings, err := Load(context.Background(), loc, data)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	return api
}

func find(t *testing.T, api *escarp.API, key string) *escarp.Operation {
	t.Helper()
	for _, op := range api.Operations {
		if op.Key() == key {
			return op
		}
	}
	t.Fatalf("no operation %s", key)
	return nil
}

func TestLoad(t *testing.T) {
	api := loadFixture(t)
	if api.Title != "Shop API" || api.Format != escarp.FormatPostman || api.SpecVersion != "2.1.0" || api.Pos.Line != 2 {
		t.Errorf("header: %q %q %q %v", api.Title, api.Format, api.SpecVersion, api.Pos)
	}
	var keys []string
	for _, op := range api.Operations {
		keys = append(keys, op.Key())
	}
	want := []string{"POST /auth/login", "GET /users/{userId}", "DELETE /admin/users/{userId}", "PUT /users/{userId}/avatar", "POST /search"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	var servers []string
	for _, s := range api.Servers {
		servers = append(servers, s.URL)
	}
	if diff := cmp.Diff([]string{"https://shop.example.com/api", "https://uploads.example.com"}, servers); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}

	login := find(t, api, "POST /auth/login")
	if !login.SecurityDeclared || login.Security == nil || len(login.Security) != 0 || !login.Anonymous() {
		t.Errorf("noauth login: security %v declared %v", login.Security, login.SecurityDeclared)
	}
	if diff := cmp.Diff([]string{"Auth"}, login.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	m := login.RequestBody.Media("application/json")
	if m == nil || m.Schema == nil || m.Schema.Properties["password"] == nil || login.Pointer != "/item/0/item/0" || login.Pos.Line != 22 {
		t.Errorf("login body %+v at %v %q", m, login.Pos, login.Pointer)
	}
	if r := login.Response("200"); r == nil || r.Media("application/json") == nil || r.Media("application/json").Schema.Properties["expires_in"] == nil {
		t.Errorf("login response = %+v", r)
	}

	user := find(t, api, "GET /users/{userId}")
	if p := user.Param("path", "userId"); p == nil || !p.Required || p.Description != "The user's id" || p.Example != "42" {
		t.Errorf("userId = %+v", p)
	}
	if user.Param("query", "expand") == nil || user.Param("header", "X-Request-Id") == nil {
		t.Errorf("parameters = %+v", user.Parameters)
	}
	if diff := cmp.Diff([]escarp.SecurityRequirement{{"bearer": {}}}, user.Security); diff != "" || user.SecurityDeclared {
		t.Errorf("inherited security (-want +got):\n%s", diff)
	}

	del := find(t, api, "DELETE /admin/users/{userId}")
	if diff := cmp.Diff([]escarp.SecurityRequirement{{"apikey-X-Admin-Key": {}}}, del.Security); diff != "" {
		t.Errorf("folder security (-want +got):\n%s", diff)
	}
	if s := api.SecuritySchemes["apikey-X-Admin-Key"]; s == nil || s.Type != escarp.SchemeAPIKey || s.In != "header" || s.ParamName != "X-Admin-Key" {
		t.Errorf("apikey scheme = %+v", s)
	}
	if s := api.SecuritySchemes["bearer"]; s == nil || s.Type != escarp.SchemeHTTP || s.Scheme != "bearer" {
		t.Errorf("bearer scheme = %+v", s)
	}

	up := find(t, api, "PUT /users/{userId}/avatar")
	form := up.RequestBody.Media("multipart/form-data")
	if form == nil || form.Schema.Properties["avatar"].Format != "binary" || form.Schema.Properties["caption"] == nil {
		t.Errorf("form = %+v", form)
	}
	search := find(t, api, "POST /search")
	enc := search.RequestBody.Media("application/x-www-form-urlencoded")
	if enc == nil || enc.Schema.Properties["page"] != nil || enc.Schema.Properties["q"] == nil {
		t.Errorf("urlencoded = %+v", enc)
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name, data, msg string
		line            int
	}{
		{"syntax", "{\n  \"info\": {\"name\": \"x\"},\n  \"item\": [,]\n}\n", "cannot parse", 3},
		{"not a collection", "{\"foo\": 1}", "not a Postman collection", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(context.Background(), "c.json", []byte(tt.data))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			var e *escarp.Error
			if escarp.KindOf(err) != escarp.Invalid || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q: want Invalid containing %q", err, tt.msg)
			}
			if ok := errors.As(err, &e); !ok || e.Pos.Line != tt.line || e.Pos.File != "c.json" {
				t.Errorf("error %q: want c.json:%d", err, tt.line)
			}
		})
	}
}

func FuzzLoadPostman(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "shop.postman_collection.json")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"info":{"name":"x","schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},"item":[{"request":"http://a/b/:id"}]}`))
	f.Add([]byte(`{"info":{},"item":[{"item":[{"request":{"url":{"path":"a/b"},"body":{"mode":"raw","raw":"{{x}}"}}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		api, _, err := Load(context.Background(), "fuzz.json", data)
		if err != nil {
			if escarp.KindOf(err) != escarp.Invalid {
				t.Fatalf("error of kind %v: %v", escarp.KindOf(err), err)
			}
			return
		}
		if _, err := api.MarshalJSON(); err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
	})
}

func TestRedaction(t *testing.T) {
	doc := `{"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
 "item": [{"name": "login", "request": {"method": "POST",
   "header": [{"key": "X-Api-Key", "value": "k-123456"}],
   "url": {"raw": "https://a.example.com/login?access_token=tok-abcdef", "host": ["a", "example", "com"], "path": ["login"], "protocol": "https",
           "query": [{"key": "access_token", "value": "tok-abcdef"}]},
   "body": {"mode": "raw", "raw": "{\"user\": \"bob\", \"password\": \"hunter2\"}", "options": {"raw": {"language": "json"}}}}}]}`
	api, _, err := Load(context.Background(), "c.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	b, err := api.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"k-123456", "tok-abcdef", "hunter2"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("secret %q in the model: %s", secret, b)
		}
	}
	if !strings.Contains(string(b), `"bob"`) {
		t.Errorf("non-secret example lost: %s", b)
	}
}
