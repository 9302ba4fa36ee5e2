// Package check defines the contract between a DAST check and the scan
// engine (internal/scan).
//
// A [Check] is a plugin: static metadata ([Info]) plus one Run method. The
// engine owns everything that touches the network: it sends requests only
// within scope and budget, authenticates as the identity a request names,
// builds valid requests from the spec with real resource ids, and owns
// reporting. Checks talk to the engine only through [Pass] and its
// [Session].
//
// Checks never import the engine and the engine never imports checks: the
// explicit list of built-in checks lives in internal/check/list and is
// handed to the engine by cmd/escarp.
package check

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/escarp/escarp"
)

// A Check probes an API operation, or the API as a whole, and reports
// findings. Run returns an error only when the check could not run; a
// vulnerable target is reported through [Pass.Report], never as an error.
type Check interface {
	Info() Info
	Run(ctx context.Context, p *Pass) error
}

// Scope says how often the engine runs a check.
type Scope int

const (
	// PerOperation checks run once per operation, with [Pass.Op] set.
	PerOperation Scope = iota
	// PerAPI checks run once per scan, with [Pass.Op] nil (security
	// headers, CORS, undocumented endpoints).
	PerAPI
)

// Info is a check's static metadata. It must not depend on the target.
type Info struct {
	// ID is stable and never reused: "ESC-DAST-BOLA-001".
	ID       string
	Title    string
	Severity escarp.Severity // default; a finding may override it
	OWASP    string          // "API1:2023"
	CWE      []string        // {"CWE-639"}
	// Description says what the check sends and how it confirms; Remediation
	// how to fix what it finds. Both Markdown.
	Description string
	Remediation string
	References  []string
	Scope       Scope
	Requires    Requirements
}

// RuleInfo returns the report form of the metadata.
func (i Info) RuleInfo() escarp.RuleInfo {
	return escarp.RuleInfo{ID: i.ID, Title: i.Title, Description: i.Description,
		Remediation: i.Remediation, Severity: i.Severity, OWASP: i.OWASP, CWE: i.CWE}
}

// Requirements gate whether the engine may run a check.
type Requirements struct {
	// Identities is the number of distinct authenticated identities needed
	// (BOLA needs 2).
	Identities int
	// Privileged means a privileged identity is needed (BFLA baseline).
	Privileged bool
	// Mutating checks send POST, PUT, PATCH or DELETE.
	Mutating bool
	// Destructive checks may delete or corrupt data escarp did not create;
	// they run only with --allow-destructive.
	Destructive bool
	// Callback checks need escarp's callback listener (SSRF).
	Callback bool
}

// Identity is a configured, authenticated identity as checks see it. The
// credentials stay inside the engine.
type Identity struct {
	Name       string
	Privileged bool
}

// Pass is one check's view of one operation (or of the API, for PerAPI
// checks) of one target.
type Pass struct {
	API *escarp.API
	// Op is the operation under test; nil for PerAPI checks.
	Op *escarp.Operation
	// Target is the base URL requests are relative to.
	Target *url.URL
	// Identities are those that passed the authentication self-test, in
	// configuration order.
	Identities []Identity
	// Session sends requests and prepares valid ones.
	Session Session
	// Report records a finding. The engine fills the fingerprint, checks
	// the scope and deduplicates.
	Report func(escarp.Finding)
}

// Session is what the engine offers a check.
type Session interface {
	// Do sends req within scope, rate and budget, authenticated as
	// req.Identity ("" means anonymous). Redirects are not followed. The
	// response body is read up to a bounded size. An error means nothing
	// usable came back (budget exhausted, out of scope, network failure).
	Do(ctx context.Context, req *Request) (*Response, error)
	// Prepare returns a valid request for op as identity: path, query,
	// header and body values generated from the schemas, with real ids of
	// resources that identity owns (created first when needed). It returns
	// an error wrapping [ErrNotPrepared] when no valid request can be made.
	Prepare(ctx context.Context, op *escarp.Operation, identity string) (*Request, error)
	// Callback returns escarp's callback listener, or nil when the scan has
	// none.
	Callback() Callback
}

// Callback is escarp's own listener that SSRF probes point at. Tokens tie a
// hit to the probe that caused it.
type Callback interface {
	// URL returns a fresh URL on the listener carrying token.
	URL(token string) string
	// Hits returns the requests seen for token so far.
	Hits(token string) []CallbackHit
	// Serve sets what the listener answers for token (for unsafe
	// consumption probes): nil restores the default empty 200 response.
	Serve(token string, h http.Handler)
}

// CallbackHit is one request the callback listener received.
type CallbackHit struct {
	Method string
	Path   string
	Header http.Header
	Remote string
	Time   time.Time
}

// Request is what a check asks the engine to send.
type Request struct {
	Method string
	// Path is the concrete path relative to the target base ("/users/42"),
	// without query.
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Identity names the identity whose credentials the engine adds; ""
	// sends no credentials. Headers set here win over the identity's.
	Identity string
	// Op is the operation the request exercises, for evidence and scope.
	Op *escarp.Operation
	// Values are the path parameter values used ("id" → "42"), so checks
	// can swap them.
	Values map[string]string
	// Timeout overrides the engine's per-request timeout when non-zero.
	Timeout time.Duration
}

// Clone returns a deep copy of r that a check may modify.
func (r *Request) Clone() *Request {
	cp := *r
	cp.Query = url.Values{}
	for k, v := range r.Query {
		cp.Query[k] = append([]string(nil), v...)
	}
	cp.Header = r.Header.Clone()
	if cp.Header == nil {
		cp.Header = http.Header{}
	}
	cp.Body = append([]byte(nil), r.Body...)
	cp.Values = make(map[string]string, len(r.Values))
	for k, v := range r.Values {
		cp.Values[k] = v
	}
	return &cp
}

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	// Body is read up to the engine's limit; Truncated says it was cut.
	Body      []byte
	Truncated bool
	// Failed is set by the engine when a 2xx answer has the failure shape
	// it learnt for the target ({"status": "fail"}, {"ok": false, "error":
	// ...}): the API said no, whatever the status.
	Failed   bool
	Duration time.Duration
	// URL is the absolute URL sent, and Request what the check asked for
	// (with the identity's credentials as sent, for evidence redaction).
	URL     string
	Request *Request
	// Sent is the header actually sent, including credentials.
	Sent http.Header
}

// OK reports whether the status is 2xx and the answer is not
// failure-shaped (see Failed).
func (r *Response) OK() bool { return r != nil && r.Status >= 200 && r.Status < 300 && !r.Failed }
