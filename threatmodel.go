package escarp

// ThreatModel is a threat model derived from what escarp knows about an
// API: its descriptions, the inventory and the findings of every engine.
// It travels in the JSON report of a threat run ([Report.ThreatModel]) so
// that `escarp report` can re-render it in every model format.
type ThreatModel struct {
	Title       string           `json:"title"`
	Assets      []*Asset         `json:"assets"`
	Boundaries  []*TrustBoundary `json:"trustBoundaries"`
	DataAssets  []*DataAsset     `json:"dataAssets"`
	Flows       []*DataFlow      `json:"dataFlows"`
	Surfaces    []*Surface       `json:"surfaces"`
	Threats     []*Threat        `json:"threats"`
	Assumptions []string         `json:"assumptions,omitempty"`
}

// Technical asset types, as Threagile names them ([Asset.Type]).
const (
	AssetExternal  = "external-entity"
	AssetProcess   = "process"
	AssetDatastore = "datastore"
)

// Asset is a technical asset of a threat model: a client, a service, a
// data store, a third party or a callback receiver.
type Asset struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Type is AssetExternal, AssetProcess or AssetDatastore; Kind says
	// more: "client", "service", "datastore", "third-party", "callback",
	// "identity-provider".
	Type        string `json:"type"`
	Kind        string `json:"kind"`
	Description string `json:"description,omitempty"`
	Internet    bool   `json:"internet,omitempty"`
	Technology  string `json:"technology,omitempty"`
	// Confidentiality is the highest of the data it processes.
	Confidentiality string   `json:"confidentiality"`
	DataProcessed   []string `json:"dataProcessed,omitempty"`
	Boundary        string   `json:"boundary,omitempty"`
}

// TrustBoundary groups assets that trust each other.
type TrustBoundary struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Kind   string   `json:"kind"` // "internet", "service", "internal", "third-party"
	Assets []string `json:"assets"`
}

// Confidentiality levels, as Threagile names them, least to most secret.
var ConfidentialityLevels = []string{"public", "internal", "restricted", "confidential", "strictly-confidential"}

// DataAsset is a kind of data the API handles, with how secret it is and
// where escarp saw it.
type DataAsset struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Confidentiality string   `json:"confidentiality"`
	Classes         []string `json:"classes,omitempty"` // "credentials", "pii", "payment", "health"
	Sources         []string `json:"sources,omitempty"` // "schema User.email", "x-data-classification", "observed"
}

// DataFlow is one communication link: a client calling an operation, the
// service calling a third party or a callback.
type DataFlow struct {
	ID             string `json:"id"`
	Source         string `json:"source"`
	Target         string `json:"target"`
	Operation      string `json:"operation,omitempty"` // "GET /users/{id}"
	Protocol       string `json:"protocol"`            // "https", "http"
	Authentication string `json:"authentication"`      // none, credentials, session-id, token, client-certificate
	Authorization  string `json:"authorization"`       // none, technical-user, end-user-identity-propagation
	ReadOnly       bool   `json:"readOnly,omitempty"`
	// DataSent and DataReceived are data asset ids, from the source's
	// point of view.
	DataSent     []string `json:"dataSent,omitempty"`
	DataReceived []string `json:"dataReceived,omitempty"`
}

// Surface is the attack surface of one operation: the facts threats are
// derived from.
type Surface struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	OperationID string `json:"operationId,omitempty"`
	Service     string `json:"service,omitempty"`
	// Exposure is "internet" or "internal".
	Exposure  string   `json:"exposure"`
	Anonymous bool     `json:"anonymous,omitempty"`
	Auth      []string `json:"auth,omitempty"`   // security scheme names
	Scopes    []string `json:"scopes,omitempty"` // OAuth2 scopes required
	// ObjectIDs are inputs that name an object ("path:boatId",
	// "query:booking_id", "body:/payment_method_id").
	ObjectIDs []string `json:"objectIds,omitempty"`
	// URLInputs are URL-shaped inputs the server may fetch or redirect to.
	URLInputs []string `json:"urlInputs,omitempty"`
	// Redirects is set when the operation answers with a redirect, so a
	// URL input is a redirect target rather than a fetch.
	Redirects bool `json:"redirects,omitempty"`
	// Injection sinks by name and shape: host names given to tools, file
	// names, templates, expressions and free-text filters.
	CommandInputs  []string `json:"commandInputs,omitempty"`
	FileInputs     []string `json:"fileInputs,omitempty"`
	TemplateInputs []string `json:"templateInputs,omitempty"`
	PatternInputs  []string `json:"patternInputs,omitempty"`
	FilterInputs   []string `json:"filterInputs,omitempty"`
	XMLBody        bool     `json:"xmlBody,omitempty"`
	Upload         bool     `json:"upload,omitempty"`
	Admin          bool     `json:"admin,omitempty"`
	// MassAssignable lists writable body properties that look like
	// privileges or server-owned state ("role", "is_admin", "balance").
	MassAssignable []string `json:"massAssignable,omitempty"`
	Write          bool     `json:"write,omitempty"`
	Delete         bool     `json:"delete,omitempty"`
	MoneyMoving    bool     `json:"moneyMoving,omitempty"`
	// FlowStep is set when the description declares the operation a step
	// of a business flow (x-escarp-requires, "step N of M").
	FlowStep    bool `json:"flowStep,omitempty"`
	BulkRead    bool `json:"bulkRead,omitempty"`
	Unbounded   bool `json:"unbounded,omitempty"` // page size or body without an upper bound
	Credentials bool `json:"credentials,omitempty"`
	// CredentialsInURL is set when a secret travels in the query string.
	CredentialsInURL bool `json:"credentialsInUrl,omitempty"`
	Deprecated       bool `json:"deprecated,omitempty"`
	// Classification is the inventory's: documented, shadow, zombie...
	Classification string `json:"classification,omitempty"`
	// DataRead and DataWritten are data asset ids.
	DataRead    []string `json:"dataRead,omitempty"`
	DataWritten []string `json:"dataWritten,omitempty"`
	// Confidentiality is the highest level of the data it reads or writes.
	Confidentiality string `json:"confidentiality"`
}

// Key returns "METHOD /path", the operation the surface belongs to.
func (s *Surface) Key() string { return s.Method + " " + s.Path }

// Threat is one threat instance: a threat class on one element.
type Threat struct {
	// ID is the stable instance key: rule id and element,
	// "ESC-THREAT-E-001@GET /admin/users".
	ID      string `json:"id"`
	RuleID  string `json:"ruleId"`
	Title   string `json:"title"`
	STRIDE  string `json:"stride"` // Spoofing, Tampering, Repudiation, Information disclosure, Denial of service, Elevation of privilege
	Element string `json:"element"`
	// Method and Path name the operation, for threats on operations.
	Method string   `json:"method,omitempty"`
	Path   string   `json:"path,omitempty"`
	OWASP  string   `json:"owasp,omitempty"`
	CWE    []string `json:"cwe,omitempty"`
	// Why is one sentence: what about the element makes the threat real.
	Why string `json:"why"`
	// Likelihood and Impact are on Threagile's scale, 1 to 4: unlikely,
	// likely, very-likely, frequent; low, medium, high, very-high.
	Likelihood int `json:"likelihood"`
	Impact     int `json:"impact"`
	// Inherent ignores mitigations, Current counts the verified ones and
	// confirmed findings, Projected also counts the planned ones (tracking
	// entries in progress or mitigated); each 0 to 100.
	Inherent  int    `json:"inherent"`
	Current   int    `json:"current"`
	Projected int    `json:"projected"`
	Band      string `json:"band"` // low, medium, elevated, high, critical (of Current)
	// CurrentLikelihood is the likelihood after evidence.
	CurrentLikelihood int          `json:"currentLikelihood"`
	Mitigations       []Mitigation `json:"mitigations,omitempty"`
	// Confirmed lists the findings that prove the threat ("ESC-DAST-BOLA-001").
	Confirmed []string `json:"confirmed,omitempty"`
	// ConfirmedSeverity is the highest severity among them.
	ConfirmedSeverity *Severity `json:"confirmedSeverity,omitempty"`
	// Status is "open", "confirmed", "mitigated" (verified) or "tracked".
	Status string `json:"status"`
	// Tracking is the risk-tracking entry's state and ticket, when one
	// matches.
	Tracking *Tracking `json:"tracking,omitempty"`
}

// Mitigation is a control against a threat and what escarp can see of it.
type Mitigation struct {
	Control string `json:"control"`
	// Status is "verified" (a test passed), "failed" (a test found the
	// flaw), "planned" (a tracking entry) or "unknown" (nothing seen).
	Status   string `json:"status"`
	Evidence string `json:"evidence,omitempty"`
}

// Tracking is the risk-tracking entry that matched a threat.
type Tracking struct {
	State  string `json:"state"`
	Ticket string `json:"ticket,omitempty"`
	Owner  string `json:"owner,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// RankedOperation is one line of a threat run's ranking: what to fix
// first.
type RankedOperation struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Service string `json:"service,omitempty"`
	// Risk orders the ranking: the current risk, 0 to 100.
	Risk      int    `json:"risk"`
	Inherent  int    `json:"inherent"`
	Current   int    `json:"current"`
	Projected int    `json:"projected"`
	Band      string `json:"band"`
	// Why is one sentence saying why the operation ranks where it does.
	Why string `json:"why"`
	// Threats are the ids of its threats, most risky first.
	Threats []string `json:"threats"`
}
