package server

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/gate"
	"github.com/escarp/escarp/internal/report"
)

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the API's OpenAPI 3.1 document.
func OpenAPI() []byte { return openAPIDoc }

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, principalOf(r.Context()).token)
}

func (s *Server) apiKinds(w http.ResponseWriter, r *http.Request) {
	out := make([]Kind, len(Kinds))
	for i, k := range Kinds {
		k.Runnable = s.cfg.Runners[k.Name] != nil
		out[i] = k
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
}

// ProjectInput is the body that creates or updates a project.
type ProjectInput struct {
	Name       string   `json:"name"`
	Target     string   `json:"target,omitempty"`
	Spec       string   `json:"spec,omitempty"`
	Repository string   `json:"repository,omitempty"`
	Identities string   `json:"identities,omitempty"`
	Schedule   string   `json:"schedule,omitempty"`
	Jobs       []string `json:"jobs,omitempty"`
}

var (
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)
	refRE  = regexp.MustCompile(`^(env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:[^\x00]+)$`)
)

// Validate checks a project input, naming the field at fault.
func (in *ProjectInput) Validate() error {
	bad := func(field, msg string) error {
		return &escarp.Error{Op: "server.project", Kind: escarp.Invalid, Message: field + ": " + msg}
	}
	in.Name = trimSpace(in.Name)
	if !nameRE.MatchString(in.Name) {
		return bad("name", "1 to 64 letters, digits, spaces, dots, dashes or underscores")
	}
	for _, f := range []struct{ name, v string }{{"target", in.Target}, {"spec", in.Spec}} {
		if f.v == "" {
			continue
		}
		if len(f.v) > 2048 {
			return bad(f.name, "longer than 2048 characters")
		}
		if strings.Contains(f.v, "://") {
			u, err := url.Parse(f.v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return bad(f.name, "an http or https URL")
			}
			if u.User != nil {
				return bad(f.name, "credentials do not belong in a URL: use identities")
			}
		} else if f.name == "target" {
			return bad(f.name, "an http or https URL")
		}
	}
	if len(in.Repository) > 2048 {
		return bad("repository", "longer than 2048 characters")
	}
	if in.Identities != "" && (len(in.Identities) > 1100 || !refRE.MatchString(in.Identities)) {
		return bad("identities", `a reference "env:VAR" or "file:PATH" to an identities file, never the secrets themselves`)
	}
	if in.Schedule != "" {
		if _, err := ParseSchedule(in.Schedule); err != nil {
			return bad("schedule", err.Error())
		}
	}
	if len(in.Jobs) > len(Kinds) {
		return bad("jobs", "too many")
	}
	for _, k := range in.Jobs {
		if !knownKind(k) {
			return bad("jobs", fmt.Sprintf("unknown job kind %q", k))
		}
	}
	return nil
}

func (in *ProjectInput) apply(p *escarp.Project) {
	p.Name, p.Target, p.Spec, p.Repository, p.Identities, p.Schedule, p.Jobs =
		in.Name, in.Target, in.Spec, in.Repository, in.Identities, in.Schedule, in.Jobs
}

func (s *Server) apiListProjects(w http.ResponseWriter, r *http.Request) {
	ps, err := s.store.ListProjects(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ps == nil {
		ps = []*escarp.Project{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ps, "total": len(ps)})
}

// CreateProject validates and stores a new project with a fresh webhook
// secret, which it returns (the only time it is shown).
func (s *Server) CreateProject(r *http.Request, in ProjectInput) (*escarp.Project, string, error) {
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	p := &escarp.Project{}
	in.apply(p)
	secret := "whsec_" + randomHex(24)
	if err := s.store.PutProject(r.Context(), p, secret); err != nil {
		return nil, "", err
	}
	s.audit(r, "project.create", p.ID, p.Name)
	return p, secret, nil
}

func (s *Server) apiCreateProject(w http.ResponseWriter, r *http.Request) {
	var in ProjectInput
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	p, secret, err := s.CreateProject(r, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"project": p, "webhookSecret": secret})
}

func (s *Server) apiGetProject(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.Project(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiUpdateProject(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.Project(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in ProjectInput
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := in.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	in.apply(p)
	if err := s.store.PutProject(r.Context(), p, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "project.update", p.ID, p.Name)
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiDeleteProject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.store.DeleteProject(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "project.delete", id, "")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiRotateWebhook(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.Project(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	secret := "whsec_" + randomHex(24)
	if err := s.store.PutProject(r.Context(), p, secret); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "project.webhook-secret", p.ID, "rotated")
	writeJSON(w, http.StatusOK, map[string]any{"webhookSecret": secret})
}

type runInput struct {
	Kind string `json:"kind"`
}

func (s *Server) apiRunJob(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.Project(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in runInput
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	j, err := s.Enqueue(r.Context(), p, in.Kind, "manual")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "job.run", j.ID, p.Name+" "+j.Kind)
	writeJSON(w, http.StatusAccepted, j)
}

// apiWebhook queues a project's jobs when CI posts a body signed with the
// project's webhook secret (X-Escarp-Signature: sha256=HMAC-HEX).
func (s *Server) apiWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.deny(w, r, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	sig := r.Header.Get("X-Escarp-Signature")
	if sig == "" {
		sig = r.Header.Get("X-Hub-Signature-256")
	}
	secret, err := s.store.ProjectWebhook(r.Context(), id)
	if err != nil || !verifySignature(secret, body, sig) {
		s.limits.penalize(clientAddr(r))
		s.deny(w, r, http.StatusUnauthorized, "missing or wrong webhook signature")
		return
	}
	p, err := s.store.Project(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Kinds []string `json:"kinds"`
		Ref   string   `json:"ref"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			s.fail(w, r, &escarp.Error{Kind: escarp.Invalid, Message: "bad JSON body: " + err.Error()})
			return
		}
	}
	kinds := in.Kinds
	if len(kinds) == 0 {
		kinds = p.Jobs
	}
	if len(kinds) == 0 {
		kinds = []string{"audit"}
	}
	var jobs []*escarp.Job
	for _, k := range kinds {
		j, err := s.Enqueue(r.Context(), p, k, "webhook")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		jobs = append(jobs, j)
	}
	_ = s.store.PutAudit(r.Context(), &escarp.AuditEntry{Actor: "webhook", Action: "job.webhook", Object: p.ID, Detail: fmt.Sprintf("%d jobs", len(jobs))})
	writeJSON(w, http.StatusAccepted, map[string]any{"items": jobs})
}

func (s *Server) apiListJobs(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := page(r, 50, 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if _, err := s.store.Project(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	jobs, total, err := s.store.ListJobs(r.Context(), id, limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if jobs == nil {
		jobs = []*escarp.Job{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": jobs, "total": total})
}

func (s *Server) apiGetJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.store.Job(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// jobReport rebuilds a job's report from the store.
func (s *Server) jobReport(r *http.Request, id string) (*escarp.Report, *escarp.Job, error) {
	j, err := s.store.Job(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if j.ScanID == "" {
		return nil, j, &escarp.Error{Kind: escarp.NotFound, Message: "job " + id + " has no results (state " + j.State + ")"}
	}
	scans, _, err := s.store.FindScans(r.Context(), escarp.ScanFilter{Limit: 1000})
	if err != nil {
		return nil, j, err
	}
	var sc *escarp.Scan
	for _, c := range scans {
		if c.ID == j.ScanID {
			sc = c
		}
	}
	fs, _, err := s.store.FindFindings(r.Context(), escarp.FindingFilter{ScanID: j.ScanID, Limit: 25000})
	if err != nil {
		return nil, j, err
	}
	run := &escarp.Run{Engine: j.Kind, Findings: fs}
	if sc != nil {
		run.Engine, run.Target, run.Spec, run.StartedAt, run.FinishedAt, run.Stats, run.Score =
			sc.Engine, sc.Target, sc.Spec, sc.StartedAt, sc.FinishedAt, sc.Stats, sc.Score
	}
	if j.Error != "" {
		run.Notes = append(run.Notes, j.Error)
	}
	rep := &escarp.Report{SchemaVersion: escarp.ReportSchemaVersion, Tool: escarp.Tool{Name: "escarp", URI: "https://github.com/escarp/escarp"},
		StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, Runs: []*escarp.Run{run}}
	return rep, j, nil
}

func (s *Server) apiJobReport(w http.ResponseWriter, r *http.Request) {
	rep, _, err := s.jobReport(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := report.Lookup(report.FormatJSON)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := f(w, rep); err != nil {
		s.log.Error("writing a report", "err", err)
	}
}

// trackedFilter reads the findings filters from the query.
func trackedFilter(r *http.Request) (escarp.TrackedFilter, error) {
	q := r.URL.Query()
	f := escarp.TrackedFilter{ProjectID: r.PathValue("id"), State: q.Get("state"), RuleID: q.Get("rule"), Engine: q.Get("engine")}
	switch f.State {
	case "", escarp.TriageOpen, escarp.TriageAccepted, escarp.TriageFalsePositive, escarp.TriageFixed:
	default:
		return f, &escarp.Error{Kind: escarp.Invalid, Message: "state: one of open, accepted, false-positive, fixed"}
	}
	if len(f.RuleID) > 128 || len(f.Engine) > 32 {
		return f, &escarp.Error{Kind: escarp.Invalid, Message: "rule or engine too long"}
	}
	if v := q.Get("severity"); v != "" {
		sev, err := escarp.ParseSeverity(v)
		if err != nil {
			return f, &escarp.Error{Kind: escarp.Invalid, Message: "severity: one of critical, high, medium, low, info"}
		}
		f.MinSeverity = sev
	}
	return f, nil
}

func (s *Server) apiListFindings(w http.ResponseWriter, r *http.Request) {
	f, err := trackedFilter(r)
	if err == nil {
		f.Limit, f.Offset, err = page(r, 100, 1000)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, total, err := s.store.FindTracked(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if items == nil {
		items = []*escarp.TrackedFinding{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

func (s *Server) apiGetFinding(w http.ResponseWriter, r *http.Request) {
	t, err := s.store.Tracked(r.Context(), r.PathValue("id"), r.PathValue("fingerprint"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// ValidateTriage checks a triage decision.
func ValidateTriage(t *escarp.Triage) error {
	bad := func(msg string) error { return &escarp.Error{Op: "server.triage", Kind: escarp.Invalid, Message: msg} }
	switch t.State {
	case escarp.TriageOpen, escarp.TriageAccepted, escarp.TriageFalsePositive, escarp.TriageFixed:
	default:
		return bad("state: one of open, accepted, false-positive, fixed")
	}
	if (t.State == escarp.TriageAccepted || t.State == escarp.TriageFalsePositive) && trimSpace(t.Reason) == "" {
		return bad("reason: required to accept a finding or call it a false positive")
	}
	if t.Expires != "" {
		if _, err := time.Parse(time.DateOnly, t.Expires); err != nil {
			return bad("expires: a date YYYY-MM-DD")
		}
	}
	if len(t.Reason) > 2000 || len(t.Owner) > 200 || len(t.Ticket) > 500 {
		return bad("reason, owner or ticket too long")
	}
	return nil
}

// Triage records a triage decision and audits it.
func (s *Server) Triage(r *http.Request, projectID, fingerprint string, t escarp.Triage) error {
	if err := ValidateTriage(&t); err != nil {
		return err
	}
	if err := s.store.SetTriage(r.Context(), projectID, fingerprint, t, actor(r.Context())); err != nil {
		return err
	}
	s.audit(r, "finding.triage", projectID+"/"+fingerprint, t.State+": "+t.Reason)
	return nil
}

func (s *Server) apiTriage(w http.ResponseWriter, r *http.Request) {
	var t escarp.Triage
	if err := decode(w, r, &t); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Triage(r, r.PathValue("id"), r.PathValue("fingerprint"), t); err != nil {
		s.fail(w, r, err)
		return
	}
	tf, err := s.store.Tracked(r.Context(), r.PathValue("id"), r.PathValue("fingerprint"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tf)
}

// Suppressions exports a project's triage decisions (accepted and false
// positive) in the format of .escarp/suppressions.yaml.
func Suppressions(items []*escarp.TrackedFinding) []gate.Suppression {
	var out []gate.Suppression
	for _, t := range items {
		state := gate.StateAccepted
		switch t.State {
		case escarp.TriageAccepted:
		case escarp.TriageFalsePositive:
			state = gate.StateFalsePositive
		default:
			continue
		}
		op := ""
		if t.Method != "" {
			op = t.Method + " " + t.Path
		}
		out = append(out, gate.Suppression{Fingerprint: t.Fingerprint, Rule: t.RuleID, Operation: op, Stage: t.Engine,
			Reason: t.Reason, Owner: t.Owner, Expires: t.Expires, State: state, Ticket: t.Ticket})
	}
	return out
}

func (s *Server) apiExportSuppressions(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var all []*escarp.TrackedFinding
	for _, st := range []string{escarp.TriageAccepted, escarp.TriageFalsePositive} {
		items, _, err := s.store.FindTracked(r.Context(), escarp.TrackedFilter{ProjectID: id, State: st, Limit: 100000})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		all = append(all, items...)
	}
	var b bytes.Buffer
	b.WriteString("# exported by escarp serve: the server's triage decisions; in the repository this file wins\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	sups := Suppressions(all)
	if sups == nil {
		sups = []gate.Suppression{}
	}
	if err := enc.Encode(map[string]any{"suppressions": sups}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Content-Disposition", `attachment; filename="suppressions.yaml"`)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) apiEndpoints(w http.ResponseWriter, r *http.Request) {
	eps, err := s.store.Endpoints(r.Context(), escarp.EndpointFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if eps == nil {
		eps = []*escarp.Endpoint{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": eps, "total": len(eps)})
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.store.ListTokens(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ts, "total": len(ts)})
}

type tokenInput struct {
	Name string      `json:"name"`
	Role escarp.Role `json:"role"`
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in tokenInput
	if err := decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if !nameRE.MatchString(in.Name) || in.Role.Rank() == 0 {
		s.fail(w, r, &escarp.Error{Kind: escarp.Invalid, Message: "name: 1 to 64 letters, digits, spaces, dots, dashes or underscores; role: viewer, editor or admin"})
		return
	}
	s.limits.penalize(clientAddr(r))
	secret := NewTokenSecret()
	t := &escarp.APIToken{Name: in.Name, Role: in.Role, Hash: HashToken(secret), CreatedBy: actor(r.Context())}
	if err := s.store.PutToken(r.Context(), t); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "token.create", t.ID, t.Name+" "+string(t.Role))
	writeJSON(w, http.StatusCreated, map[string]any{"token": t, "secret": secret})
}

func (s *Server) apiDeleteToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.store.DeleteToken(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "token.delete", id, "")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiAuditLog(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := page(r, 100, 1000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	es, total, err := s.store.ListAudit(r.Context(), limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if es == nil {
		es = []*escarp.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": es, "total": total})
}
