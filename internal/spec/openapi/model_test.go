package openapi

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/escarp/escarp"
)

// load parses doc (YAML) written to a temporary api.yaml.
func load(t *testing.T, doc string) *escarp.API {
	t.Helper()
	loc := filepath.Join(t.TempDir(), "api.yaml")
	api, _, err := Load(context.Background(), loc, []byte(doc), Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return api
}

func op(t *testing.T, api *escarp.API, key string) *escarp.Operation {
	t.Helper()
	for _, o := range append(append([]*escarp.Operation(nil), api.Operations...), api.Webhooks...) {
		if o.Key() == key {
			return o
		}
	}
	t.Fatalf("no operation %s", key)
	return nil
}

func f(v float64) *float64 { return &v }

func TestSecurityNilVersusEmpty(t *testing.T) {
	const head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\ncomponents:\n  securitySchemes:\n    key: {type: apiKey, in: header, name: X-Key}\n"
	const paths = "paths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n  /b:\n    get:\n      security: []\n      responses: {'200': {description: ok}}\n  /c:\n    get:\n      security: [{}]\n      responses: {'200': {description: ok}}\n  /d:\n    get:\n      security: [{key: []}, {}]\n      responses: {'200': {description: ok}}\n"
	tests := []struct {
		name   string
		global string
		want   map[string]struct {
			sec       []escarp.SecurityRequirement
			declared  bool
			anonymous bool
		}
		wantGlobal []escarp.SecurityRequirement
	}{
		{
			name: "no global security", global: "",
			wantGlobal: nil,
			want: map[string]struct {
				sec       []escarp.SecurityRequirement
				declared  bool
				anonymous bool
			}{
				"GET /a": {nil, false, true},
				"GET /b": {[]escarp.SecurityRequirement{}, true, true},
				"GET /c": {[]escarp.SecurityRequirement{{}}, true, true},
				"GET /d": {[]escarp.SecurityRequirement{{"key": {}}, {}}, true, true},
			},
		},
		{
			name: "declared empty global security", global: "security: []\n",
			wantGlobal: []escarp.SecurityRequirement{},
			want: map[string]struct {
				sec       []escarp.SecurityRequirement
				declared  bool
				anonymous bool
			}{
				"GET /a": {[]escarp.SecurityRequirement{}, false, true},
				"GET /b": {[]escarp.SecurityRequirement{}, true, true},
			},
		},
		{
			name: "global key", global: "security:\n  - key: []\n",
			wantGlobal: []escarp.SecurityRequirement{{"key": {}}},
			want: map[string]struct {
				sec       []escarp.SecurityRequirement
				declared  bool
				anonymous bool
			}{
				"GET /a": {[]escarp.SecurityRequirement{{"key": {}}}, false, false},
				"GET /b": {[]escarp.SecurityRequirement{}, true, true},
				"GET /c": {[]escarp.SecurityRequirement{{}}, true, true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := load(t, head+tt.global+paths)
			if (api.Security == nil) != (tt.wantGlobal == nil) {
				t.Errorf("API.Security nil = %v, want nil = %v", api.Security == nil, tt.wantGlobal == nil)
			}
			if diff := cmp.Diff(tt.wantGlobal, api.Security); diff != "" {
				t.Errorf("API.Security (-want +got):\n%s", diff)
			}
			for key, want := range tt.want {
				o := op(t, api, key)
				if (o.Security == nil) != (want.sec == nil) {
					t.Errorf("%s: Security nil = %v, want nil = %v", key, o.Security == nil, want.sec == nil)
				}
				if diff := cmp.Diff(want.sec, o.Security); diff != "" {
					t.Errorf("%s: Security (-want +got):\n%s", key, diff)
				}
				if o.SecurityDeclared != want.declared {
					t.Errorf("%s: SecurityDeclared = %v, want %v", key, o.SecurityDeclared, want.declared)
				}
				if o.Anonymous() != want.anonymous {
					t.Errorf("%s: Anonymous() = %v, want %v", key, o.Anonymous(), want.anonymous)
				}
			}
		})
	}
}

func TestSchemaKeywords(t *testing.T) {
	tests := []struct {
		name, version, schema string
		check                 func(t *testing.T, s *escarp.Schema)
	}{
		{"3.0 boolean exclusive bounds", "3.0.3", "{type: integer, minimum: 1, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: false}", func(t *testing.T, s *escarp.Schema) {
			if diff := cmp.Diff(struct{ Min, Max, XMin, XMax *float64 }{nil, f(10), f(1), nil}, struct{ Min, Max, XMin, XMax *float64 }{s.Minimum, s.Maximum, s.ExclusiveMinimum, s.ExclusiveMaximum}); diff != "" {
				t.Errorf("bounds (-want +got):\n%s", diff)
			}
		}},
		{"3.1 numeric exclusive bounds", "3.1.0", "{type: number, exclusiveMinimum: 0, exclusiveMaximum: 1.5}", func(t *testing.T, s *escarp.Schema) {
			if diff := cmp.Diff(struct{ Min, Max, XMin, XMax *float64 }{nil, nil, f(0), f(1.5)}, struct{ Min, Max, XMin, XMax *float64 }{s.Minimum, s.Maximum, s.ExclusiveMinimum, s.ExclusiveMaximum}); diff != "" {
				t.Errorf("bounds (-want +got):\n%s", diff)
			}
		}},
		{"3.0 nullable", "3.0.3", "{type: string, nullable: true, readOnly: true, maxLength: 5}", func(t *testing.T, s *escarp.Schema) {
			if !s.Nullable || !s.ReadOnly || s.WriteOnly || s.MaxLength == nil || *s.MaxLength != 5 || !s.HasType("string") {
				t.Errorf("got %+v", s)
			}
		}},
		{"3.1 type null", "3.1.0", "{type: [string, 'null'], writeOnly: true}", func(t *testing.T, s *escarp.Schema) {
			if !s.Nullable || !s.WriteOnly || !s.HasType("string") {
				t.Errorf("got %+v", s)
			}
		}},
		{"additionalProperties false", "3.0.3", "{type: object, additionalProperties: false}", func(t *testing.T, s *escarp.Schema) {
			if s.AdditionalPropertiesAllowed == nil || *s.AdditionalPropertiesAllowed || s.AdditionalProperties != nil {
				t.Errorf("got allowed %v, schema %v", s.AdditionalPropertiesAllowed, s.AdditionalProperties)
			}
		}},
		{"additionalProperties schema", "3.0.3", "{type: object, additionalProperties: {type: integer}}", func(t *testing.T, s *escarp.Schema) {
			if s.AdditionalPropertiesAllowed != nil || s.AdditionalProperties == nil || !s.AdditionalProperties.HasType("integer") {
				t.Errorf("got allowed %v, schema %v", s.AdditionalPropertiesAllowed, s.AdditionalProperties)
			}
		}},
		{"properties in order", "3.1.0", "{type: object, required: [b], properties: {b: {type: string, enum: [x, y]}, a: {type: array, items: {type: integer, format: int64}}}}", func(t *testing.T, s *escarp.Schema) {
			if diff := cmp.Diff([]string{"b", "a"}, s.SortedPropertyNames()); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if !s.IsRequired("b") || s.IsRequired("a") {
				t.Errorf("required = %v", s.Required)
			}
			if diff := cmp.Diff([]any{"x", "y"}, s.Properties["b"].Enum); diff != "" {
				t.Errorf("enum (-want +got):\n%s", diff)
			}
			if it := s.Properties["a"].Items; it == nil || it.Format != "int64" || it.Pointer != "/paths/~1x/get/responses/200/content/application~1json/schema/properties/a/items" {
				t.Errorf("items = %+v", it)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := load(t, "openapi: "+tt.version+"\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: "+tt.schema+"\n")
			s := op(t, api, "GET /x").Response("200").Media("application/json").Schema
			if s == nil {
				t.Fatal("no schema")
			}
			if s.Pos.Line != 11 || s.Pointer != "/paths/~1x/get/responses/200/content/application~1json/schema" {
				t.Errorf("schema at %v %q, want line 11 and its pointer", s.Pos, s.Pointer)
			}
			tt.check(t, s)
		})
	}
}

func TestSharedAndRecursiveSchemas(t *testing.T) {
	api := load(t, `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /nodes:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Node'}
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Node'}
      responses: {'201': {description: created}}
components:
  schemas:
    Node:
      type: object
      properties:
        name: {type: string}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
        alias: {$ref: '#/components/schemas/Alias'}
    Alias:
      $ref: '#/components/schemas/Node'
`)
	node := api.Schemas["Node"]
	if node == nil || node.Ref != "#/components/schemas/Node" || node.Name != "Node" {
		t.Fatalf("Schemas[Node] = %+v", node)
	}
	if node.Pos.Line != 22 || node.Pointer != "/components/schemas/Node" {
		t.Errorf("Node at %v %q", node.Pos, node.Pointer)
	}
	get := op(t, api, "GET /nodes").Response("200").Media("application/json").Schema
	post := op(t, api, "POST /nodes").RequestBody.Media("application/json").Schema
	if get.Items != node || post != node {
		t.Errorf("references to Node are not shared")
	}
	if node.Properties["children"].Items != node {
		t.Errorf("recursive reference is not a cycle")
	}
	if api.Schemas["Alias"] != node || node.Properties["alias"] != node {
		t.Errorf("a component that is a $ref to another is not the same schema")
	}
	n := 0
	escarp.WalkSchema(get, func(string, *escarp.Schema) bool { n++; return true })
	if n != 4 { // array, Node, name, children array
		t.Errorf("WalkSchema visited %d schemas, want 4", n)
	}
	b, err := json.Marshal(api)
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	if !strings.Contains(string(b), `"schemas":{`) || !strings.Contains(string(b), `{"$ref":"#/components/schemas/Node"}`) {
		t.Errorf("JSON does not hold the schemas and refs: %.300s", b)
	}
}

func TestSwagger2(t *testing.T) {
	api := load(t, `swagger: '2.0'
info: {title: t, version: '1'}
host: api.example.com
basePath: /v1
schemes: [https, http]
consumes: [application/json]
produces: [application/json, application/xml]
securityDefinitions:
  basicAuth: {type: basic}
  oauth:
    type: oauth2
    flow: accessCode
    authorizationUrl: https://example.com/auth
    tokenUrl: https://example.com/token
    scopes: {read: read things}
  key: {type: apiKey, in: query, name: api_key}
security:
  - basicAuth: []
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true, type: integer, minimum: 1, exclusiveMinimum: true}
    put:
      parameters:
        - name: body
          in: body
          required: true
          schema: {$ref: '#/definitions/Pet'}
      responses:
        '200':
          description: ok
          schema: {$ref: '#/definitions/Pet'}
          headers:
            X-Rate-Limit: {type: integer, description: calls left}
          examples:
            application/json: {name: rex}
  /upload:
    post:
      consumes: [multipart/form-data]
      parameters:
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string, maxLength: 100}
        - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: multi}
      responses:
        default: {description: error}
definitions:
  Pet:
    type: object
    properties:
      name: {type: string, x-nullable: true}
`)
	if diff := cmp.Diff([]string{"https://api.example.com/v1", "http://api.example.com/v1"}, []string{api.Servers[0].URL, api.Servers[1].URL}); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
	if api.Format != escarp.FormatSwagger || api.SpecVersion != "2.0" {
		t.Errorf("format %q %q", api.Format, api.SpecVersion)
	}
	basic := api.SecuritySchemes["basicAuth"]
	if basic.Type != escarp.SchemeHTTP || basic.Scheme != "basic" || basic.Pointer != "/securityDefinitions/basicAuth" || basic.Pos.Line != 9 {
		t.Errorf("basic = %+v", basic)
	}
	oauth := api.SecuritySchemes["oauth"]
	if len(oauth.Flows) != 1 || oauth.Flows[0].Type != "authorizationCode" || oauth.Flows[0].TokenURL != "https://example.com/token" || oauth.Flows[0].Scopes["read"] != "read things" {
		t.Errorf("oauth flows = %+v", oauth.Flows)
	}
	if k := api.SecuritySchemes["key"]; k.In != "query" || k.ParamName != "api_key" {
		t.Errorf("key = %+v", k)
	}
	put := op(t, api, "PUT /pets/{id}")
	if len(put.Parameters) != 1 || put.Parameters[0].Name != "id" || put.Parameters[0].Schema.ExclusiveMinimum == nil || *put.Parameters[0].Schema.ExclusiveMinimum != 1 {
		t.Fatalf("parameters = %+v", put.Parameters)
	}
	if put.Parameters[0].Schema.Required != nil {
		t.Errorf("a parameter's required became a schema required list")
	}
	rb := put.RequestBody
	if rb == nil || !rb.Required || len(rb.Content) != 1 || rb.Content[0].MediaType != "application/json" || rb.Content[0].Schema != api.Schemas["Pet"] {
		t.Fatalf("request body = %+v", rb)
	}
	if rb.Pointer != "/paths/~1pets~1{id}/put/parameters/0" {
		t.Errorf("body pointer %q", rb.Pointer)
	}
	r := put.Response("200")
	if len(r.Content) != 2 || r.Media("application/xml") == nil || r.Media("application/json").Schema != api.Schemas["Pet"] {
		t.Errorf("response content = %+v", r.Content)
	}
	if diff := cmp.Diff(map[string]any{"name": "rex"}, r.Media("application/json").Example); diff != "" {
		t.Errorf("example (-want +got):\n%s", diff)
	}
	if len(r.Headers) != 1 || r.Headers[0].Name != "X-Rate-Limit" || !r.Headers[0].Schema.HasType("integer") {
		t.Errorf("headers = %+v", r.Headers)
	}
	if !requirement(put.Security[0]).equal(escarp.SecurityRequirement{"basicAuth": {}}) || put.SecurityDeclared {
		t.Errorf("security = %v declared %v", put.Security, put.SecurityDeclared)
	}
	if !api.Schemas["Pet"].Properties["name"].Nullable {
		t.Errorf("x-nullable ignored")
	}
	up := op(t, api, "POST /upload")
	if up.RequestBody == nil || len(up.RequestBody.Content) != 1 || up.RequestBody.Content[0].MediaType != "multipart/form-data" {
		t.Fatalf("upload body = %+v", up.RequestBody)
	}
	form := up.RequestBody.Content[0].Schema
	if diff := cmp.Diff([]string{"file", "note"}, form.PropertyNames); diff != "" {
		t.Errorf("form fields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"file"}, form.Required); diff != "" {
		t.Errorf("form required (-want +got):\n%s", diff)
	}
	if !form.Properties["file"].HasType("file") || *form.Properties["note"].MaxLength != 100 {
		t.Errorf("form field schemas wrong")
	}
	tags := up.Param("query", "tags")
	if tags == nil || tags.Style != "form" || tags.Explode == nil || !*tags.Explode || tags.Schema.Items == nil {
		t.Errorf("tags = %+v", tags)
	}
	if up.Param("formData", "file") != nil {
		t.Errorf("formData parameters left in Parameters")
	}
}

// equal compares requirements (test helper on a local alias).
type requirement escarp.SecurityRequirement

func (r requirement) equal(o escarp.SecurityRequirement) bool {
	return cmp.Equal(escarp.SecurityRequirement(r), o)
}

func TestOpenAPI3Features(t *testing.T) {
	api := load(t, `openapi: 3.0.3
info: {title: t, version: '1', contact: {name: team, email: t@example.com}, license: {name: MIT}}
servers: [{url: 'https://api.example.com/{v}', description: prod}]
tags: [{name: pets}]
x-owner: team-a
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: trace, in: header, schema: {type: string}}
    get:
      operationId: getPet
      tags: [pets]
      deprecated: true
      parameters:
        - {name: trace, in: header, required: true, schema: {type: string, format: uuid}}
        - $ref: '#/components/parameters/limit'
      responses:
        '200':
          $ref: '#/components/responses/Pet'
      callbacks:
        onEvent:
          '{$request.body#/url}':
            post:
              requestBody: {content: {application/json: {schema: {type: object}}}}
              responses: {'200': {description: ok}}
components:
  parameters:
    limit: {name: limit, in: query, schema: {type: integer, maximum: 100}, example: 10}
  responses:
    Pet:
      description: a pet
      headers:
        X-Rate: {schema: {type: integer}}
      links:
        self: {operationId: getPet, parameters: {id: $response.body#/id}}
      content:
        application/json:
          schema: {type: object}
          examples:
            one: {value: {id: 1}}
`)
	if api.Contact == nil || api.Contact.Email != "t@example.com" || api.License != "MIT" || api.Extensions["x-owner"] != "team-a" || len(api.Tags) != 1 {
		t.Errorf("info: contact %+v license %q ext %v tags %v", api.Contact, api.License, api.Extensions, api.Tags)
	}
	if len(api.Servers) != 1 || api.Servers[0].URL != "https://api.example.com/{v}" || api.Servers[0].Pointer != "/servers/0" || api.Servers[0].Pos.Line != 3 {
		t.Errorf("servers = %+v", api.Servers[0])
	}
	get := op(t, api, "GET /pets/{id}")
	if get.ID != "getPet" || !get.Deprecated || get.Pos.Line != 11 || get.Pointer != "/paths/~1pets~1{id}/get" {
		t.Errorf("operation = %+v", get)
	}
	var names []string
	for _, p := range get.Parameters {
		names = append(names, p.In+":"+p.Name)
	}
	if diff := cmp.Diff([]string{"path:id", "header:trace", "query:limit"}, names); diff != "" {
		t.Errorf("merged parameters (-want +got):\n%s", diff)
	}
	if tr := get.Param("header", "trace"); !tr.Required || tr.Schema.Format != "uuid" || tr.Pointer != "/paths/~1pets~1{id}/get/parameters/0" {
		t.Errorf("operation-level trace did not override: %+v", tr)
	}
	if lim := get.Param("query", "limit"); lim.Pointer != "/components/parameters/limit" || lim.Pos.Line != 29 || lim.Example != int64(10) {
		t.Errorf("limit = %+v", lim)
	}
	r := get.Response("200")
	if r.Description != "a pet" || r.Pointer != "/components/responses/Pet" || r.Pos.Line != 31 {
		t.Errorf("response = %+v", r)
	}
	if len(r.Headers) != 1 || r.Headers[0].Name != "X-Rate" || r.Headers[0].In != "header" {
		t.Errorf("headers = %+v", r.Headers)
	}
	if len(r.Links) != 1 || r.Links[0].OperationID != "getPet" || r.Links[0].Parameters["id"] != "$response.body#/id" {
		t.Errorf("links = %+v", r.Links)
	}
	if diff := cmp.Diff([]any{map[string]any{"id": int64(1)}}, r.Media("application/json").Examples); diff != "" {
		t.Errorf("examples (-want +got):\n%s", diff)
	}
	cb := get.Callbacks["onEvent"]
	if len(cb) != 1 || cb[0].Method != "POST" || cb[0].Path != "{$request.body#/url}" || cb[0].RequestBody == nil {
		t.Errorf("callbacks = %+v", get.Callbacks)
	}
}

func TestWebhooksOnly(t *testing.T) {
	api := load(t, `openapi: 3.1.0
info: {title: t, version: '1'}
webhooks:
  newPet:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses: {'200': {description: ok}}
`)
	if api.Operations == nil || len(api.Operations) != 0 {
		t.Errorf("Operations = %#v, want an empty non-nil list", api.Operations)
	}
	if len(api.Webhooks) != 1 || api.Webhooks[0].Key() != "POST newPet" || api.Webhooks[0].Pointer != "/webhooks/newPet/post" {
		t.Errorf("webhooks = %+v", api.Webhooks)
	}
}

func TestOpenAPI32(t *testing.T) {
	api := load(t, `openapi: 3.2.0
info: {title: t, version: '1'}
paths:
  /search:
    query:
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {'200': {description: ok}}
    additionalOperations:
      LINK:
        responses: {'204': {description: linked}}
components:
  securitySchemes:
    device:
      type: oauth2
      flows:
        deviceAuthorization:
          deviceAuthorizationUrl: https://example.com/device
          tokenUrl: https://example.com/token
          scopes: {}
`)
	if got := len(api.Operations); got != 2 {
		t.Fatalf("got %d operations, want 2", got)
	}
	op(t, api, "QUERY /search")
	if l := op(t, api, "LINK /search"); l.Pointer != "/paths/~1search/additionalOperations/LINK" {
		t.Errorf("LINK pointer %q", l.Pointer)
	}
	if fl := api.SecuritySchemes["device"].Flows; len(fl) != 1 || fl[0].Type != "deviceAuthorization" || fl[0].TokenURL != "https://example.com/token" {
		t.Errorf("flows = %+v", fl)
	}
}

func TestRelativeFileRefs(t *testing.T) {
	dir := corpusDir(t)
	loc := filepath.Join(dir, "oai-petstore-separate.v2", "spec", "swagger.yaml")
	data, err := os.ReadFile(loc)
	if err != nil {
		t.Fatal(err)
	}
	api, _, err := Load(context.Background(), loc, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	find := op(t, api, "GET /pets")
	tags := find.Param("query", "tags")
	if tags == nil || tags.Pos.File != filepath.Join(dir, "oai-petstore-separate.v2", "spec", "parameters.yaml") || tags.Pointer != "/tagsParam" || tags.Pos.Line == 0 {
		t.Fatalf("tags parameter = %+v", tags)
	}
	pet := find.Response("200").Media("application/json").Schema.Items
	if pet == nil || pet.Ref != "Pet.yaml" || pet.Name != "Pet" || pet.Pos.File != filepath.Join(dir, "oai-petstore-separate.v2", "spec", "Pet.yaml") {
		t.Fatalf("Pet = %+v", pet)
	}
	if add := op(t, api, "POST /pets"); add.Response("200").Media("application/json").Schema != pet {
		t.Errorf("Pet.yaml reached twice gave two schemas")
	}
	errSchema := find.Response("default").Media("application/json").Schema
	if errSchema == nil || errSchema.Ref != "../common/Error.yaml" {
		t.Errorf("Error = %+v", errSchema)
	}
}
