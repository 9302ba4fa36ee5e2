package server

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/report"
)

//go:embed web/*.html
var webFS embed.FS

//go:embed static
var staticFS embed.FS

var funcs = template.FuncMap{
	"count": func(m map[escarp.Severity]int, name string) int {
		sev, err := escarp.ParseSeverity(name)
		if err != nil {
			return 0
		}
		return m[sev]
	},
}

// pages holds one template per page, each with the layout.
var pages = func() map[string]*template.Template {
	layout := template.Must(template.New("layout").Funcs(funcs).ParseFS(webFS, "web/layout.html"))
	out := map[string]*template.Template{}
	for _, name := range []string{"login", "overview", "newproject", "project", "findings", "finding", "job", "inventory"} {
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(webFS, "web/"+name+".html"))
	}
	return out
}()

type view struct {
	Title   string
	Who     string
	Role    escarp.Role
	CSRF    string
	CanEdit bool
	Flash   string
	Data    any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	v := view{Title: title, Data: data, Flash: r.URL.Query().Get("flash")}
	if len(v.Flash) > 200 {
		v.Flash = ""
	}
	if p := principalOf(r.Context()); p != nil {
		v.Who, v.Role, v.CanEdit = p.token.Name, p.token.Role, p.token.Role.Rank() >= escarp.RoleEditor.Rank()
		if p.session != nil {
			v.CSRF = p.session.CSRF
		}
	}
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, "layout", v); err != nil {
		s.log.Error("rendering", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) uiStatic(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.PathValue("file"))
	data, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		s.deny(w, r, http.StatusNotFound, "no such asset")
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(data)
}

const loginCSRFCookie = "escarp_login"

func (s *Server) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: s.cfg.TLS, SameSite: http.SameSiteStrictMode}
}

func (s *Server) uiLoginPage(w http.ResponseWriter, r *http.Request) {
	s.loginForm(w, r, http.StatusOK, "")
}

// loginForm shows the login form with a fresh double-submit CSRF token.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tok := randomHex(16)
	http.SetCookie(w, s.cookie(loginCSRFCookie, tok, 600))
	s.render(w, r, status, "login", "Log in", map[string]string{"CSRF": tok, "Error": msg})
}

// sessionTTL is how long a dashboard session lasts.
const sessionTTL = 12 * time.Hour

func (s *Server) uiLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		s.loginForm(w, r, http.StatusForbidden, "The form expired; try again.")
		return
	}
	secret := strings.TrimSpace(r.PostFormValue("token"))
	t, err := s.store.TokenByHash(r.Context(), HashToken(secret))
	if secret == "" || err != nil {
		s.limits.penalize(clientAddr(r))
		s.loginForm(w, r, http.StatusUnauthorized, "That token is not valid.")
		return
	}
	raw := randomHex(32)
	se := &escarp.Session{Hash: HashToken(raw), TokenID: t.ID, CSRF: randomHex(16), ExpiresAt: time.Now().Add(sessionTTL)}
	if err := s.store.PutSession(r.Context(), se); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, s.cookie(loginCSRFCookie, "", -1))
	http.SetCookie(w, s.cookie(sessionCookie, raw, int(sessionTTL.Seconds())))
	_ = s.store.PutAudit(r.Context(), &escarp.AuditEntry{Actor: t.Name + " (" + t.ID + ")", Action: "session.login", Object: t.ID})
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (s *Server) uiLogout(w http.ResponseWriter, r *http.Request) {
	if p := principalOf(r.Context()); p != nil && p.session != nil {
		_ = s.store.DeleteSession(r.Context(), p.session.Hash)
	}
	http.SetCookie(w, s.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

type projectRow struct {
	P                            *escarp.Project
	Open, Critical, High, Medium int
	Risk                         int
	RiskBand                     string
	Trend                        template.HTML
	Last                         *escarp.Job
}

// risk scores a project 0-100 from its open findings: each critical 25,
// high 10, medium 3, low 1, capped.
func risk(counts map[escarp.Severity]int) (int, string) {
	n := 25*counts[escarp.SeverityCritical] + 10*counts[escarp.SeverityHigh] + 3*counts[escarp.SeverityMedium] + counts[escarp.SeverityLow]
	n = min(n, 100)
	switch {
	case n >= 50:
		return n, "high"
	case n >= 15:
		return n, "medium"
	}
	return n, "low"
}

func (s *Server) openCounts(r *http.Request, projectID string) (map[escarp.Severity]int, int, error) {
	items, total, err := s.store.FindTracked(r.Context(), escarp.TrackedFilter{ProjectID: projectID, State: escarp.TriageOpen, Limit: 10000})
	if err != nil {
		return nil, 0, err
	}
	counts := map[escarp.Severity]int{}
	for _, t := range items {
		counts[t.Severity]++
	}
	return counts, total, nil
}

func (s *Server) uiOverview(w http.ResponseWriter, r *http.Request) {
	ps, err := s.store.ListProjects(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []projectRow
	for _, p := range ps {
		counts, open, err := s.openCounts(r, p.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		jobs, _, err := s.store.ListJobs(r.Context(), p.ID, 20, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		row := projectRow{P: p, Open: open, Critical: counts[escarp.SeverityCritical], High: counts[escarp.SeverityHigh], Medium: counts[escarp.SeverityMedium]}
		row.Risk, row.RiskBand = risk(counts)
		if len(jobs) > 0 {
			row.Last = jobs[0]
		}
		row.Trend = sparkline(jobs)
		rows = append(rows, row)
	}
	s.render(w, r, http.StatusOK, "overview", "Projects", map[string]any{"Projects": rows})
}

func (s *Server) kinds() []Kind {
	out := make([]Kind, len(Kinds))
	for i, k := range Kinds {
		k.Runnable = s.cfg.Runners[k.Name] != nil
		out[i] = k
	}
	return out
}

func (s *Server) uiNewProject(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "newproject", "New project", map[string]any{"Kinds": s.kinds(), "In": ProjectInput{}})
}

func (s *Server) uiCreateProject(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	in := ProjectInput{Name: r.PostFormValue("name"), Target: trimSpace(r.PostFormValue("target")), Spec: trimSpace(r.PostFormValue("spec")),
		Repository: trimSpace(r.PostFormValue("repository")), Identities: trimSpace(r.PostFormValue("identities")),
		Schedule: trimSpace(r.PostFormValue("schedule")), Jobs: r.PostForm["jobs"]}
	p, secret, err := s.CreateProject(r, in)
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "newproject", "New project", map[string]any{"Kinds": s.kinds(), "In": in, "Error": err.Error()})
		return
	}
	// The secret is shown once, on the page the form lands on.
	s.renderProject(w, r, p, secret)
}

func (s *Server) uiProject(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.Project(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderProject(w, r, p, "")
}

func (s *Server) renderProject(w http.ResponseWriter, r *http.Request, p *escarp.Project, secret string) {
	jobs, _, err := s.store.ListJobs(r.Context(), p.ID, 50, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, open, err := s.openCounts(r, p.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "project", p.Name, map[string]any{"P": p, "Jobs": jobs, "Kinds": s.kinds(),
		"Open": open, "Chart": barChart(jobs), "Secret": secret})
}

func (s *Server) uiRun(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.Project(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	j, err := s.Enqueue(r.Context(), p, r.PostFormValue("kind"), "manual")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, "job.run", j.ID, p.Name+" "+j.Kind)
	http.Redirect(w, r, "/ui/jobs/"+j.ID, http.StatusSeeOther)
}

func (s *Server) uiFindings(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.Project(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := trackedFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit = 500
	items, total, err := s.store.FindTracked(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "findings", "Findings of "+p.Name, map[string]any{"P": p, "Items": items, "Total": total, "F": f,
		"Sev":    r.URL.Query().Get("severity"),
		"States": []string{"", escarp.TriageOpen, escarp.TriageAccepted, escarp.TriageFalsePositive, escarp.TriageFixed},
		"Sevs":   []string{"", "critical", "high", "medium", "low", "info"}})
}

func (s *Server) uiFinding(w http.ResponseWriter, r *http.Request) {
	p, err := s.store.Project(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.store.Tracked(r.Context(), p.ID, r.PathValue("fingerprint"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "finding", t.Title, map[string]any{"P": p, "T": t,
		"States": []string{escarp.TriageOpen, escarp.TriageAccepted, escarp.TriageFalsePositive, escarp.TriageFixed}})
}

func (s *Server) uiTriage(w http.ResponseWriter, r *http.Request) {
	id, fp := r.PathValue("id"), r.PathValue("fingerprint")
	t := escarp.Triage{State: r.PostFormValue("state"), Reason: trimSpace(r.PostFormValue("reason")), Owner: trimSpace(r.PostFormValue("owner")),
		Ticket: trimSpace(r.PostFormValue("ticket")), Expires: trimSpace(r.PostFormValue("expires"))}
	if err := s.Triage(r, id, fp, t); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/ui/projects/"+id+"/findings/"+fp+"?flash=Saved", http.StatusSeeOther)
}

func (s *Server) uiJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.store.Job(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.store.Project(r.Context(), j.ProjectID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "job", fmt.Sprintf("Run #%d", j.Seq), map[string]any{"J": j, "P": p})
}

var inlineRE = regexp.MustCompile(`(?s)<(script|style)>(.*?)</(?:script|style)>`)

// uiJobReport serves a run's report in internal/report's HTML, whose
// inline CSS and script are allowed by their hashes and nothing else.
func (s *Server) uiJobReport(w http.ResponseWriter, r *http.Request) {
	rep, _, err := s.jobReport(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := report.Lookup(report.FormatHTML)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := f(&b, rep); err != nil {
		s.fail(w, r, err)
		return
	}
	var scripts, styles []string
	for _, m := range inlineRE.FindAllSubmatch(b.Bytes(), -1) {
		sum := sha256.Sum256(m[2])
		h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if string(m[1]) == "script" {
			scripts = append(scripts, h)
		} else {
			styles = append(styles, h)
		}
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src data:; script-src "+strings.Join(append(scripts, "'none'")[:max(len(scripts), 1)], " ")+
		"; style-src "+strings.Join(append(styles, "'none'")[:max(len(styles), 1)], " ")+"; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

func (s *Server) uiInventory(w http.ResponseWriter, r *http.Request) {
	eps, err := s.store.Endpoints(r.Context(), escarp.EndpointFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "inventory", "Inventory", eps)
}
