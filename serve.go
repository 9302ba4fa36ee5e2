package escarp

import (
	"context"
	"time"
)

// Role is what an API token of escarp serve may do: viewers read, editors
// also change projects, triage and run jobs, admins also manage tokens and
// read the audit log.
type Role string

// The roles, least privileged first.
const (
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

// Rank orders roles: viewer 1, editor 2, admin 3, anything else 0.
func (r Role) Rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleEditor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// APIToken is a stored API token: only a hash of its secret is kept.
type APIToken struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Hash      string    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy,omitempty"`
}

// Session is a dashboard login: the cookie's hash, its token and its CSRF
// token.
type Session struct {
	Hash      string
	TokenID   string
	CSRF      string
	ExpiresAt time.Time
}

// Project is what escarp serve tests continuously: a target, its spec,
// identities by reference, a repository and a schedule.
type Project struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Target     string `json:"target,omitempty"`
	Spec       string `json:"spec,omitempty"`
	Repository string `json:"repository,omitempty"`
	// Identities references an identities file (the format of
	// --identity-file) as "env:VAR" or "file:PATH"; the secrets it holds
	// are read when a job runs and never returned.
	Identities string `json:"identities,omitempty"`
	// Schedule is a cron expression (optional seconds field) or "".
	Schedule string `json:"schedule,omitempty"`
	// Jobs are the job kinds a schedule or webhook runs.
	Jobs      []string  `json:"jobs,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// The states of a job.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is one run of one kind for one project, numbered per project.
type Job struct {
	ID         string           `json:"id"`
	ProjectID  string           `json:"projectId"`
	Seq        int              `json:"seq"`
	Kind       string           `json:"kind"`
	Trigger    string           `json:"trigger"`
	State      string           `json:"state"`
	ScanID     string           `json:"scanId,omitempty"`
	Worker     string           `json:"worker,omitempty"`
	Attempts   int              `json:"attempts"`
	Error      string           `json:"error,omitempty"`
	Counts     map[Severity]int `json:"counts,omitempty"`
	CreatedAt  time.Time        `json:"createdAt"`
	StartedAt  time.Time        `json:"startedAt,omitzero"`
	FinishedAt time.Time        `json:"finishedAt,omitzero"`
}

// The triage states of a tracked finding.
const (
	TriageOpen          = "open"
	TriageAccepted      = "accepted"
	TriageFalsePositive = "false-positive"
	TriageFixed         = "fixed"
)

// TrackedFinding is a fingerprint's history in a project: when it was
// first and last seen, the run that fixed it, how often it came back, and
// its triage.
type TrackedFinding struct {
	ProjectID   string    `json:"projectId"`
	Fingerprint string    `json:"fingerprint"`
	Engine      string    `json:"engine"`
	RuleID      string    `json:"ruleId"`
	Severity    Severity  `json:"severity"`
	Title       string    `json:"title,omitempty"`
	Method      string    `json:"method,omitempty"`
	Path        string    `json:"path,omitempty"`
	FirstRun    int       `json:"firstRun"`
	LastRun     int       `json:"lastRun"`
	FixedRun    int       `json:"fixedRun,omitempty"`
	Reopened    int       `json:"reopened"`
	FirstSeen   time.Time `json:"firstSeen"`
	LastSeen    time.Time `json:"lastSeen"`
	State       string    `json:"state"`
	Reason      string    `json:"reason,omitempty"`
	Owner       string    `json:"owner,omitempty"`
	Ticket      string    `json:"ticket,omitempty"`
	Expires     string    `json:"expires,omitempty"`
	UpdatedBy   string    `json:"updatedBy,omitempty"`
	UpdatedAt   time.Time `json:"updatedAt,omitzero"`
}

// Triage is a decision on a tracked finding.
type Triage struct {
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"`
	Owner   string `json:"owner,omitempty"`
	Ticket  string `json:"ticket,omitempty"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD or ""
}

// TrackedFilter selects tracked findings, most severe first.
type TrackedFilter struct {
	ProjectID   string
	State       string
	RuleID      string
	Engine      string
	MinSeverity Severity
	Limit       int // 0 means a default of 100
	Offset      int
}

// AuditEntry records who changed what in escarp serve.
type AuditEntry struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Object string    `json:"object"`
	Detail string    `json:"detail,omitempty"`
}

// ServeStore is the state of escarp serve, shared by every node. It is
// implemented by internal/sqlstore for SQLite and PostgreSQL.
type ServeStore interface {
	PutToken(ctx context.Context, t *APIToken) error
	TokenByHash(ctx context.Context, hash string) (*APIToken, error)
	ListTokens(ctx context.Context) ([]*APIToken, error)
	DeleteToken(ctx context.Context, id string) error
	CountTokens(ctx context.Context) (int, error)

	PutSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, hash string) (*Session, error)
	DeleteSession(ctx context.Context, hash string) error

	// PutProject creates (empty ID) or replaces a project; webhook is the
	// project's webhook secret, kept only on creation when empty.
	PutProject(ctx context.Context, p *Project, webhook string) error
	Project(ctx context.Context, id string) (*Project, error)
	ProjectWebhook(ctx context.Context, id string) (string, error)
	ListProjects(ctx context.Context) ([]*Project, error)
	DeleteProject(ctx context.Context, id string) error

	// EnqueueJob records a queued job, numbering it within its project.
	EnqueueJob(ctx context.Context, j *Job) error
	Job(ctx context.Context, id string) (*Job, error)
	ListJobs(ctx context.Context, projectID string, limit, offset int) ([]*Job, int, error)
	// ClaimJob hands the oldest queued job, or a running job whose lease
	// expired, to worker until leaseUntil; nil when there is none. With
	// id set, only that job is claimed; with kinds set, only jobs of
	// those kinds.
	ClaimJob(ctx context.Context, id string, kinds []string, worker string, leaseUntil time.Time) (*Job, error)
	// ExtendLease keeps a claimed job's lease; false when it was lost.
	ExtendLease(ctx context.Context, id, worker string, leaseUntil time.Time) (bool, error)
	// FinishJob records the result of a claimed job once: false when it
	// was already finished (by another worker), in which case nothing is
	// recorded.
	FinishJob(ctx context.Context, j *Job, scan *Scan, findings []Finding) (bool, error)

	// ClaimFire records that a schedule fires at t; false when another
	// node already did.
	ClaimFire(ctx context.Context, projectID string, at time.Time, node string) (bool, error)

	FindTracked(ctx context.Context, f TrackedFilter) ([]*TrackedFinding, int, error)
	Tracked(ctx context.Context, projectID, fingerprint string) (*TrackedFinding, error)
	SetTriage(ctx context.Context, projectID, fingerprint string, t Triage, actor string) error

	// PruneEvidence deletes the stored findings (raw evidence) of a
	// project's finished jobs older than its last keep runs; scans,
	// counts and fingerprint history stay. It returns the jobs pruned.
	PruneEvidence(ctx context.Context, projectID string, keep int) (int, error)

	PutAudit(ctx context.Context, e *AuditEntry) error
	ListAudit(ctx context.Context, limit, offset int) ([]*AuditEntry, int, error)
}
