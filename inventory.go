package escarp

import (
	"context"
	"time"
)

// Sources of inventory observations, as found in [Observation.Source].
const (
	SourceSpec    = "spec"    // an API description
	SourceCode    = "code"    // routes extracted from source code
	SourceTraffic = "traffic" // HAR files, access logs, the proxy sensor
	SourceProbe   = "probe"   // active discovery
)

// Classifications of inventory endpoints.
const (
	// Documented: in a registered spec, and not deprecated, orphan or
	// otherwise suspicious.
	ClassDocumented = "documented"
	// Shadow: served (seen in traffic, probing or code) and in no spec.
	ClassShadow = "shadow"
	// Zombie: served although its spec deprecates it (deprecated: true or
	// a past sunset date).
	ClassZombie = "zombie"
	// Orphan: documented, and not seen for the orphan window (30 days by
	// default) while traffic of its service was being watched.
	ClassOrphan = "orphan"
	// Rogue: seen on a host or service the inventory does not know.
	ClassRogue = "rogue"
)

// Observation is one piece of evidence that an endpoint exists: a spec
// operation, a code route, a recorded request, a probe that answered.
// Sources yield observations; the inventory merges them into endpoints
// keyed by (service, method, path template).
type Observation struct {
	Source string `json:"source"`
	// Service is the service named on import, if any; Host the host the
	// request went to (traffic, probes) or the spec's server host.
	Service string `json:"service,omitempty"`
	Host    string `json:"host,omitempty"`
	Method  string `json:"method"`
	// Path is the raw path (traffic) or the template (spec, code, OTel
	// http.route); Template is set when the source knows the template.
	Path     string    `json:"path"`
	Template string    `json:"template,omitempty"`
	Time     time.Time `json:"time"`
	Status   int       `json:"status,omitempty"`
	// Documented marks spec observations; Deprecated and Sunset come from
	// the spec (deprecated: true, x-sunset).
	Documented bool   `json:"documented,omitempty"`
	Deprecated bool   `json:"deprecated,omitempty"`
	Sunset     string `json:"sunset,omitempty"`
	// Auth lists authentication seen or declared ("bearer", "basic",
	// "apiKey:X-API-Key", "cookie"); Anonymous is true when a request
	// without credentials was answered with 2xx.
	Auth      []string `json:"auth,omitempty"`
	Anonymous bool     `json:"anonymous,omitempty"`
	// DataClasses are sensitive data classes seen ("email", "card", ...).
	DataClasses []string `json:"dataClasses,omitempty"`
	// ClientIP is the caller (traffic); a public address marks the endpoint
	// internet-facing.
	ClientIP string `json:"clientIp,omitempty"`
	// Query holds query parameter names seen; RequestBody and ResponseBody
	// are sample JSON bodies (redacted) for schema inference.
	Query        []string `json:"query,omitempty"`
	RequestBody  string   `json:"requestBody,omitempty"`
	ResponseBody string   `json:"responseBody,omitempty"`
	// Where locates the evidence: spec file:line, code file:line and
	// handler, log file:line.
	Where       string `json:"where,omitempty"`
	OperationID string `json:"operationId,omitempty"`
	Owner       string `json:"owner,omitempty"`
}

// Endpoint is one inventory entry: a method on a path template of a
// service, with what every source said about it.
type Endpoint struct {
	Service        string           `json:"service"`
	Method         string           `json:"method"`
	Template       string           `json:"template"`
	Classification string           `json:"classification"`
	Sources        []string         `json:"sources"`
	Documented     bool             `json:"documented"`
	Deprecated     bool             `json:"deprecated,omitempty"`
	Sunset         string           `json:"sunset,omitempty"`
	FirstSeen      time.Time        `json:"firstSeen"`
	LastSeen       time.Time        `json:"lastSeen,omitempty"` // zero when never observed live
	Hits           int64            `json:"hits"`
	Statuses       map[string]int64 `json:"statuses,omitempty"` // "2xx" → count
	Auth           []string         `json:"auth,omitempty"`
	Anonymous      bool             `json:"anonymous,omitempty"`
	DataClasses    []string         `json:"dataClasses,omitempty"`
	InternetFacing bool             `json:"internetFacing,omitempty"`
	Owner          string           `json:"owner,omitempty"`
	OperationID    string           `json:"operationId,omitempty"`
	Where          []string         `json:"where,omitempty"`
	Query          []string         `json:"query,omitempty"`
	// RequestSchema and ResponseSchema are JSON Schemas inferred from
	// observed bodies (JSON text), for spec reconstruction.
	RequestSchema  string `json:"requestSchema,omitempty"`
	ResponseSchema string `json:"responseSchema,omitempty"`
}

// Key returns "service METHOD /template".
func (e *Endpoint) Key() string { return e.Service + " " + e.Method + " " + e.Template }

// Service is a named API in the inventory.
type Service struct {
	Name string `json:"name"`
	// Hosts are the hosts (host[:port]) the service answers on, from its
	// spec's servers and from imports that named it.
	Hosts []string `json:"hosts,omitempty"`
	// Specs are the locations of its registered API descriptions.
	Specs []string `json:"specs,omitempty"`
	Owner string   `json:"owner,omitempty"`
	// Rogue marks services made up from traffic that fits no known service.
	Rogue bool `json:"rogue,omitempty"`
	// Watched is when traffic of this service was first seen: orphan
	// detection starts counting from it.
	Watched   time.Time `json:"watched,omitempty"`
	FirstSeen time.Time `json:"firstSeen"`
}

// TemplateRule is a persisted path-templating decision: Template forces
// matching paths onto a template ("/users/{id}"), Literal keeps a path
// from ever being collapsed ("/users/me").
type TemplateRule struct {
	ID       int64     `json:"id"`
	Service  string    `json:"service,omitempty"` // empty: every service
	Template string    `json:"template,omitempty"`
	Literal  string    `json:"literal,omitempty"`
	Note     string    `json:"note,omitempty"`
	Created  time.Time `json:"created"`
}

// Snapshot is a saved copy of the inventory at a point in time.
type Snapshot struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	Created   time.Time `json:"created"`
	Endpoints int       `json:"endpoints"`
}

// EndpointFilter selects endpoints.
type EndpointFilter struct {
	Service        string
	Classification string
}

// InventoryStore persists services, endpoints, templating rules and
// snapshots. Implemented by internal/sqlite and internal/postgres (through
// internal/sqlstore).
type InventoryStore interface {
	PutServices(ctx context.Context, services []*Service) error
	Services(ctx context.Context) ([]*Service, error)
	// PutEndpoints inserts or replaces endpoints by key in one transaction.
	PutEndpoints(ctx context.Context, endpoints []*Endpoint) error
	Endpoints(ctx context.Context, f EndpointFilter) ([]*Endpoint, error)
	PutTemplateRule(ctx context.Context, r *TemplateRule) error
	TemplateRules(ctx context.Context) ([]*TemplateRule, error)
	DeleteTemplateRule(ctx context.Context, id int64) error
	// PutSnapshot copies the current endpoints into a new snapshot.
	PutSnapshot(ctx context.Context, s *Snapshot) error
	Snapshots(ctx context.Context) ([]*Snapshot, error)
	SnapshotEndpoints(ctx context.Context, id string) ([]*Endpoint, error)
}
