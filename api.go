package escarp

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Position is where an element of a source document starts. Line and Column
// are 1-based; a zero Line means the position is unknown.
type Position struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String formats p as file:line:column, omitting what is unknown.
func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
}

// Formats of API descriptions, as found in [API.Format].
const (
	FormatOpenAPI = "openapi" // OpenAPI 3.x
	FormatSwagger = "swagger" // Swagger / OpenAPI 2.0
	FormatPostman = "postman" // Postman Collection v2.1
	FormatHAR     = "har"     // HAR 1.2 recording
	FormatCode    = "code"    // routes extracted from source code
	FormatTraffic = "traffic" // reconstructed from observed traffic
)

// API is a normalized API description: what every engine reads, whatever the
// source (OpenAPI 2/3.x, Postman, HAR, code routes, traffic).
//
// Schemas that come from a $ref are shared: every use of the same component
// points at the same *Schema, and recursive schemas form cycles. Walk them
// with [WalkSchema], which visits each schema once.
type API struct {
	Title       string `json:"title"`
	Version     string `json:"version,omitempty"`
	Description string `json:"description,omitempty"`
	// Format is one of the Format constants; SpecVersion is the version the
	// document declares ("3.1.0", "2.0", "2.1.0" for Postman, "1.2" for HAR).
	Format      string `json:"format"`
	SpecVersion string `json:"specVersion,omitempty"`
	// Location is the root document: a file path or a URL.
	Location string `json:"location,omitempty"`

	Servers         []*Server                  `json:"servers,omitempty"`
	Operations      []*Operation               `json:"operations"`
	Webhooks        []*Operation               `json:"webhooks,omitempty"`
	SecuritySchemes map[string]*SecurityScheme `json:"securitySchemes,omitempty"`
	// Security is the document-level security requirement. nil means none was
	// declared; a list holding one empty requirement means anonymous access.
	Security   []SecurityRequirement `json:"security,omitempty"`
	Schemas    map[string]*Schema    `json:"-"`
	Tags       []*Tag                `json:"tags,omitempty"`
	Contact    *Contact              `json:"contact,omitempty"`
	License    string                `json:"license,omitempty"`
	Extensions map[string]any        `json:"extensions,omitempty"`
	Pos        Position              `json:"pos"`
}

// Server is a base URL the API is served from.
type Server struct {
	URL         string   `json:"url"`
	Description string   `json:"description,omitempty"`
	Pos         Position `json:"pos"`
	Pointer     string   `json:"pointer,omitempty"`
}

// Tag groups operations.
type Tag struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Pos         Position `json:"pos"`
}

// Contact is the owner of an API as the description names it.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Operation is one method on one path template.
type Operation struct {
	// ID is the operationId, or empty.
	ID string `json:"operationId,omitempty"`
	// Method is upper case ("GET"); Path is the template ("/users/{id}").
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	Summary     string   `json:"summary,omitempty"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Deprecated  bool     `json:"deprecated,omitempty"`

	Parameters  []*Parameter `json:"parameters,omitempty"`
	RequestBody *RequestBody `json:"requestBody,omitempty"`
	Responses   []*Response  `json:"responses,omitempty"`

	// Security is the effective requirement: the operation's own when it
	// declares one (SecurityDeclared), else the document's. A nil or empty
	// list means no authentication; a list containing an empty requirement
	// means authentication is optional.
	Security         []SecurityRequirement `json:"security,omitempty"`
	SecurityDeclared bool                  `json:"securityDeclared,omitempty"`

	Servers    []*Server               `json:"servers,omitempty"`
	Callbacks  map[string][]*Operation `json:"callbacks,omitempty"`
	Extensions map[string]any          `json:"extensions,omitempty"`
	// Examples are recorded exchanges (HAR, traffic) for this operation.
	Examples []*Exchange `json:"examples,omitempty"`

	Pos     Position `json:"pos"`
	Pointer string   `json:"pointer,omitempty"`
}

// Key returns "METHOD /path/template", the operation's identity in findings,
// inventories and logical locations.
func (o *Operation) Key() string { return o.Method + " " + o.Path }

// Param returns the parameter called name in location in ("path", "query",
// "header", "cookie"), or nil.
func (o *Operation) Param(in, name string) *Parameter {
	for _, p := range o.Parameters {
		if p.In == in && p.Name == name {
			return p
		}
	}
	return nil
}

// Response returns the response declared for status ("200", "4XX",
// "default"), or nil.
func (o *Operation) Response(status string) *Response {
	for _, r := range o.Responses {
		if strings.EqualFold(r.Status, status) {
			return r
		}
	}
	return nil
}

// Anonymous reports whether the operation can be called without credentials
// according to its effective security requirement.
func (o *Operation) Anonymous() bool {
	if len(o.Security) == 0 {
		return true
	}
	for _, r := range o.Security {
		if len(r) == 0 {
			return true
		}
	}
	return false
}

// Parameter is a path, query, header or cookie parameter.
type Parameter struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Description string         `json:"description,omitempty"`
	Required    bool           `json:"required,omitempty"`
	Deprecated  bool           `json:"deprecated,omitempty"`
	Style       string         `json:"style,omitempty"`
	Explode     *bool          `json:"explode,omitempty"`
	Schema      *Schema        `json:"schema,omitempty"`
	Example     any            `json:"example,omitempty"`
	Examples    []any          `json:"examples,omitempty"`
	Extensions  map[string]any `json:"extensions,omitempty"`
	Pos         Position       `json:"pos"`
	Pointer     string         `json:"pointer,omitempty"`
}

// RequestBody is an operation's request body, one media type per entry.
type RequestBody struct {
	Description string       `json:"description,omitempty"`
	Required    bool         `json:"required,omitempty"`
	Content     []*MediaType `json:"content,omitempty"`
	Pos         Position     `json:"pos"`
	Pointer     string       `json:"pointer,omitempty"`
}

// Media returns the content entry for a media type (exact, or with a
// matching "type/subtype" ignoring parameters), or nil.
func (b *RequestBody) Media(mediaType string) *MediaType {
	if b == nil {
		return nil
	}
	return findMedia(b.Content, mediaType)
}

func findMedia(content []*MediaType, mediaType string) *MediaType {
	want := strings.ToLower(strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]))
	for _, m := range content {
		got := strings.ToLower(strings.TrimSpace(strings.SplitN(m.MediaType, ";", 2)[0]))
		if got == want {
			return m
		}
	}
	return nil
}

// MediaType is one content entry of a body.
type MediaType struct {
	MediaType string   `json:"mediaType"`
	Schema    *Schema  `json:"schema,omitempty"`
	Example   any      `json:"example,omitempty"`
	Examples  []any    `json:"examples,omitempty"`
	Pos       Position `json:"pos"`
	Pointer   string   `json:"pointer,omitempty"`
}

// Response is one declared response of an operation.
type Response struct {
	// Status is "200", "4XX" or "default".
	Status      string       `json:"status"`
	Description string       `json:"description,omitempty"`
	Headers     []*Parameter `json:"headers,omitempty"`
	Content     []*MediaType `json:"content,omitempty"`
	Links       []*Link      `json:"links,omitempty"`
	Pos         Position     `json:"pos"`
	Pointer     string       `json:"pointer,omitempty"`
}

// Media returns the content entry for a media type, or nil.
func (r *Response) Media(mediaType string) *MediaType {
	if r == nil {
		return nil
	}
	return findMedia(r.Content, mediaType)
}

// Link is an OpenAPI link from a response to another operation.
type Link struct {
	Name         string            `json:"name"`
	OperationID  string            `json:"operationId,omitempty"`
	OperationRef string            `json:"operationRef,omitempty"`
	Parameters   map[string]string `json:"parameters,omitempty"`
	RequestBody  string            `json:"requestBody,omitempty"`
}

// SecurityRequirement maps security scheme names to the scopes required. An
// empty requirement means no authentication.
type SecurityRequirement map[string][]string

// Security scheme types, as found in [SecurityScheme.Type].
const (
	SchemeAPIKey        = "apiKey"
	SchemeHTTP          = "http"
	SchemeOAuth2        = "oauth2"
	SchemeOpenIDConnect = "openIdConnect"
	SchemeMutualTLS     = "mutualTLS"
)

// SecurityScheme is a declared way to authenticate. Swagger 2.0 "basic" is
// normalized to Type "http" with Scheme "basic".
type SecurityScheme struct {
	Name             string         `json:"name"`
	Type             string         `json:"type"`
	Description      string         `json:"description,omitempty"`
	Scheme           string         `json:"scheme,omitempty"`       // http: "bearer", "basic", ...
	BearerFormat     string         `json:"bearerFormat,omitempty"` // http bearer: "JWT", ...
	In               string         `json:"in,omitempty"`           // apiKey: "header", "query", "cookie"
	ParamName        string         `json:"paramName,omitempty"`    // apiKey: the header, query or cookie name
	Flows            []*OAuthFlow   `json:"flows,omitempty"`
	OpenIDConnectURL string         `json:"openIdConnectUrl,omitempty"`
	Extensions       map[string]any `json:"extensions,omitempty"`
	Pos              Position       `json:"pos"`
	Pointer          string         `json:"pointer,omitempty"`
}

// OAuthFlow is one OAuth 2.0 flow of a security scheme.
type OAuthFlow struct {
	// Type is "implicit", "password", "clientCredentials",
	// "authorizationCode" or "deviceAuthorization".
	Type             string            `json:"type"`
	AuthorizationURL string            `json:"authorizationUrl,omitempty"`
	TokenURL         string            `json:"tokenUrl,omitempty"`
	RefreshURL       string            `json:"refreshUrl,omitempty"`
	Scopes           map[string]string `json:"scopes,omitempty"`
	Pos              Position          `json:"pos"`
}

// Schema is a normalized JSON Schema as OpenAPI uses it. Numeric bounds are
// pointers so that "absent" differs from zero. Boolean exclusive bounds of
// OpenAPI 3.0 are normalized to the numeric form of JSON Schema 2020-12.
type Schema struct {
	// Ref is the $ref this schema was reached through ("#/components/schemas/Pet"),
	// and Name the component name, when it is a named component.
	Ref  string `json:"$ref,omitempty"`
	Name string `json:"name,omitempty"`

	Type        []string `json:"type,omitempty"`
	Format      string   `json:"format,omitempty"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Pattern     string   `json:"pattern,omitempty"`
	Enum        []any    `json:"enum,omitempty"`
	Const       any      `json:"const,omitempty"`
	Default     any      `json:"default,omitempty"`
	Example     any      `json:"example,omitempty"`
	Examples    []any    `json:"examples,omitempty"`

	Minimum          *float64 `json:"minimum,omitempty"`
	Maximum          *float64 `json:"maximum,omitempty"`
	ExclusiveMinimum *float64 `json:"exclusiveMinimum,omitempty"`
	ExclusiveMaximum *float64 `json:"exclusiveMaximum,omitempty"`
	MultipleOf       *float64 `json:"multipleOf,omitempty"`
	MinLength        *int64   `json:"minLength,omitempty"`
	MaxLength        *int64   `json:"maxLength,omitempty"`
	MinItems         *int64   `json:"minItems,omitempty"`
	MaxItems         *int64   `json:"maxItems,omitempty"`
	UniqueItems      bool     `json:"uniqueItems,omitempty"`
	MinProperties    *int64   `json:"minProperties,omitempty"`
	MaxProperties    *int64   `json:"maxProperties,omitempty"`

	// Properties in document order (PropertyNames) with their schemas.
	Properties    map[string]*Schema `json:"properties,omitempty"`
	PropertyNames []string           `json:"-"`
	Required      []string           `json:"required,omitempty"`
	// AdditionalProperties is the schema for undeclared properties, nil when
	// absent or boolean; AdditionalPropertiesAllowed holds a boolean value
	// (nil when the keyword is absent or a schema).
	AdditionalProperties        *Schema `json:"additionalProperties,omitempty"`
	AdditionalPropertiesAllowed *bool   `json:"additionalPropertiesAllowed,omitempty"`

	Items *Schema   `json:"items,omitempty"`
	AllOf []*Schema `json:"allOf,omitempty"`
	AnyOf []*Schema `json:"anyOf,omitempty"`
	OneOf []*Schema `json:"oneOf,omitempty"`
	Not   *Schema   `json:"not,omitempty"`

	Nullable   bool `json:"nullable,omitempty"`
	ReadOnly   bool `json:"readOnly,omitempty"`
	WriteOnly  bool `json:"writeOnly,omitempty"`
	Deprecated bool `json:"deprecated,omitempty"`

	Extensions map[string]any `json:"extensions,omitempty"`
	Pos        Position       `json:"pos"`
	Pointer    string         `json:"pointer,omitempty"`
}

// HasType reports whether t is one of the schema's types.
func (s *Schema) HasType(t string) bool {
	if s == nil {
		return false
	}
	for _, x := range s.Type {
		if x == t {
			return true
		}
	}
	return false
}

// IsRequired reports whether property name is required.
func (s *Schema) IsRequired(name string) bool {
	if s == nil {
		return false
	}
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// SortedPropertyNames returns the property names in document order when
// known, else sorted.
func (s *Schema) SortedPropertyNames() []string {
	if s == nil {
		return nil
	}
	if len(s.PropertyNames) == len(s.Properties) {
		return s.PropertyNames
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MarshalJSON encodes a schema reached through a $ref as {"$ref": ...} only,
// so shared and recursive schemas encode finitely. Use [API.MarshalJSON] to
// get the component definitions.
func (s *Schema) MarshalJSON() ([]byte, error) {
	if s.Ref != "" {
		return json.Marshal(struct {
			Ref string `json:"$ref"`
		}{s.Ref})
	}
	type plain Schema
	return json.Marshal((*plain)(s))
}

// MarshalJSON encodes the API, with its named component schemas in full
// under "schemas".
func (a *API) MarshalJSON() ([]byte, error) {
	type plain API
	type schemaBody Schema // no MarshalJSON: the top level is written in full
	schemas := make(map[string]*schemaBody, len(a.Schemas))
	for name, s := range a.Schemas {
		cp := *s
		cp.Ref = ""
		schemas[name] = (*schemaBody)(&cp)
	}
	return json.Marshal(struct {
		*plain
		Schemas map[string]*schemaBody `json:"schemas,omitempty"`
	}{(*plain)(a), schemas})
}

// WalkSchema calls fn for s and every schema reachable from it (properties,
// items, additionalProperties, allOf/anyOf/oneOf, not), depth first, each
// schema once even when shared or recursive. pointer is a JSON pointer
// relative to s ("/properties/name/items"). Returning false from fn skips
// the children of that schema.
func WalkSchema(s *Schema, fn func(pointer string, s *Schema) bool) {
	seen := make(map[*Schema]bool)
	var walk func(ptr string, s *Schema)
	walk = func(ptr string, s *Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if !fn(ptr, s) {
			return
		}
		for _, name := range s.SortedPropertyNames() {
			walk(ptr+"/properties/"+EscapePointer(name), s.Properties[name])
		}
		walk(ptr+"/items", s.Items)
		walk(ptr+"/additionalProperties", s.AdditionalProperties)
		for i, c := range s.AllOf {
			walk(fmt.Sprintf("%s/allOf/%d", ptr, i), c)
		}
		for i, c := range s.AnyOf {
			walk(fmt.Sprintf("%s/anyOf/%d", ptr, i), c)
		}
		for i, c := range s.OneOf {
			walk(fmt.Sprintf("%s/oneOf/%d", ptr, i), c)
		}
		walk(ptr+"/not", s.Not)
	}
	walk("", s)
}

// EscapePointer escapes one JSON pointer token (RFC 6901).
func EscapePointer(token string) string {
	if !strings.ContainsAny(token, "~/") {
		return token
	}
	return pointerEscaper.Replace(token)
}

// Warning is a problem found while loading that does not stop the load, such
// as an unresolvable $ref inside an x- extension.
type Warning struct {
	Pos     Position `json:"pos"`
	Message string   `json:"message"`
}

// String formats the warning as "file:line:col: message".
func (w Warning) String() string {
	if p := w.Pos.String(); p != "" {
		return p + ": " + w.Message
	}
	return w.Message
}

// Exchange is one recorded HTTP request and response, redacted, as HAR files,
// traffic sensors and access logs provide them.
type Exchange struct {
	Method         string              `json:"method"`
	URL            string              `json:"url"`
	RequestHeader  map[string][]string `json:"requestHeaders,omitempty"`
	RequestBody    string              `json:"requestBody,omitempty"`
	Status         int                 `json:"status,omitempty"`
	ResponseHeader map[string][]string `json:"responseHeaders,omitempty"`
	ResponseBody   string              `json:"responseBody,omitempty"`
	// Route is the server-side route template when the source knows it
	// (OpenTelemetry http.route).
	Route    string  `json:"route,omitempty"`
	ClientIP string  `json:"clientIp,omitempty"`
	Time     string  `json:"time,omitempty"` // RFC 3339
	Duration float64 `json:"durationMs,omitempty"`
}

// InferSchema returns a schema describing a decoded JSON value (as
// encoding/json decodes into any): its types, array items from the first
// element and object properties, to a depth of 16. Every schema gets pos and
// pointer, the place of the example it was inferred from.
func InferSchema(v any, pos Position, pointer string) *Schema {
	return inferSchema(v, pos, pointer, 0)
}

func inferSchema(v any, pos Position, pointer string, depth int) *Schema {
	s := &Schema{Pos: pos, Pointer: pointer}
	if depth > 16 {
		return s
	}
	switch x := v.(type) {
	case nil:
		s.Type, s.Nullable = []string{"null"}, true
	case bool:
		s.Type = []string{"boolean"}
	case float64:
		if x == float64(int64(x)) {
			s.Type = []string{"integer"}
		} else {
			s.Type = []string{"number"}
		}
	case string:
		s.Type = []string{"string"}
	case []any:
		s.Type = []string{"array"}
		if len(x) > 0 {
			s.Items = inferSchema(x[0], pos, pointer, depth+1)
		}
	case map[string]any:
		s.Type = []string{"object"}
		s.Properties = make(map[string]*Schema, len(x))
		for k, c := range x {
			s.Properties[k] = inferSchema(c, pos, pointer, depth+1)
			s.PropertyNames = append(s.PropertyNames, k)
		}
		sort.Strings(s.PropertyNames)
	}
	return s
}

// pointerEscaper is built once: a Replacer builds its tables on first use.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
