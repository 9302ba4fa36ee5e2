// Package detect is the monitor's detector engine: declarative detectors in
// the CrowdSec shape (a filter, a group-by key, an optional distinct field,
// a leaky bucket of capacity and leak rate, a cool-down), plus learned
// baselines and learned audiences, over normalised traffic events.
//
// Detectors are keyed by key space (client address, verified principal,
// username, operation, the whole API), so on a bus each key's state lives
// on one analyzer. State is bounded: an LRU of exact state per detector
// with a TTL, a count-min sketch admitting keys into it, HyperLogLog for
// distinct values above a cap, and no goroutine per key. Time is the
// events' own time, so replaying a day of logs gives the alerts the live
// traffic would have.
package detect

import (
	"strings"
	"time"
)

// Key spaces detectors group by.
const (
	KeyClient    = "client"
	KeyPrincipal = "principal"
	KeyUsername  = "username"
	KeyOperation = "operation"
	KeyAPI       = "api"
)

// Keyspaces lists every key space, in publication order.
var Keyspaces = []string{KeyClient, KeyPrincipal, KeyUsername, KeyOperation, KeyAPI}

// Event is one normalised API call. Secrets never reach it: the principal
// is a name (JWT sub, basic user) or a hash of an API key.
type Event struct {
	Time     time.Time `json:"time"`
	ClientIP string    `json:"clientIp,omitempty"`
	// Principal is "jwt:<sub>", "basic:<user>", "key:<hash>" or "".
	Principal string `json:"principal,omitempty"`
	// Verified: the upstream answered this principal's token with a 2xx,
	// or the token verified against the configured keys.
	Verified bool   `json:"verified,omitempty"`
	Username string `json:"username,omitempty"` // the account a login or lookup names
	Host     string `json:"host,omitempty"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	// Template is the operation's path template ("/users/{id}"): from the
	// spec or inventory when Matched, else inferred from the path.
	Template   string `json:"template,omitempty"`
	Matched    bool   `json:"matched,omitempty"`
	Deprecated bool   `json:"deprecated,omitempty"`
	Login      bool   `json:"login,omitempty"`   // a credential-checking operation
	Account    bool   `json:"account,omitempty"` // an account lookup, reset or sign-up operation
	Status     int    `json:"status"`
	ReqBytes   int64  `json:"reqBytes,omitempty"`
	RespBytes  int64  `json:"respBytes,omitempty"`
	Records    int    `json:"records,omitempty"` // items of a JSON array response
	ObjectID   string `json:"objectId,omitempty"`
	// Sensitivity raises the weight of this operation (a scan found a flaw
	// on it): bucket detectors pour 1+Sensitivity per event.
	Sensitivity int `json:"sensitivity,omitempty"`
	// Sample is a redacted one-line description of the request.
	Sample string `json:"sample,omitempty"`
}

// Operation is "METHOD /template".
func (e *Event) Operation() string {
	t := e.Template
	if t == "" {
		t = e.Path
	}
	return e.Method + " " + t
}

// VerifiedPrincipal is the principal when verified, else "".
func (e *Event) VerifiedPrincipal() string {
	if e.Verified {
		return e.Principal
	}
	return ""
}

// Key returns the event's key in keyspace, "" when it has none there (an
// unverified principal has no key in the principal space).
func (e *Event) Key(keyspace string) string {
	switch keyspace {
	case KeyClient:
		return e.ClientIP
	case KeyPrincipal:
		return e.VerifiedPrincipal()
	case KeyUsername:
		return strings.ToLower(e.Username)
	case KeyOperation:
		return e.Operation()
	case KeyAPI:
		return "api"
	}
	return ""
}

// Success reports a 2xx status; Failure a 4xx.
func (e *Event) Success() bool { return e.Status >= 200 && e.Status < 300 }

// Failure reports a client error status.
func (e *Event) Failure() bool { return e.Status >= 400 && e.Status < 500 }
