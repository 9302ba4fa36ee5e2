package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
)

// Route is one entry of the route table, the one place that says who may
// call what.
type Route struct {
	Method string
	Path   string // a net/http pattern path, e.g. /api/v1/projects/{id}
	Access Access
	// OperationID is set on /api/v1 routes: the operation of the OpenAPI
	// document that describes the route.
	OperationID string
	// UI routes redirect anonymous page loads to the login page.
	UI bool
	// Limited routes are rate limited per client address.
	Limited bool
	Handler http.HandlerFunc
}

// Routes returns the route table (for tests and documentation).
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) routeTable() []Route {
	api := func(method, path string, access Access, op string, h http.HandlerFunc) Route {
		return Route{Method: method, Path: "/api/v1" + path, Access: access, OperationID: op, Handler: h}
	}
	ui := func(method, path string, access Access, h http.HandlerFunc) Route {
		return Route{Method: method, Path: path, Access: access, UI: true, Handler: h}
	}
	rs := []Route{
		{Method: "GET", Path: "/healthz", Access: Anonymous, Handler: s.healthz},
		{Method: "GET", Path: "/readyz", Access: Anonymous, Handler: s.readyz},
		{Method: "GET", Path: "/metrics", Access: Viewer, Handler: s.metricsHandler().ServeHTTP},

		api("GET", "/openapi.json", Viewer, "getOpenAPI", s.apiOpenAPI),
		api("GET", "/me", Viewer, "getMe", s.apiMe),
		api("GET", "/kinds", Viewer, "listJobKinds", s.apiKinds),
		api("GET", "/projects", Viewer, "listProjects", s.apiListProjects),
		api("POST", "/projects", Editor, "createProject", s.apiCreateProject),
		api("GET", "/projects/{id}", Viewer, "getProject", s.apiGetProject),
		api("PUT", "/projects/{id}", Editor, "updateProject", s.apiUpdateProject),
		api("DELETE", "/projects/{id}", Admin, "deleteProject", s.apiDeleteProject),
		api("POST", "/projects/{id}/webhook-secret", Admin, "rotateWebhookSecret", s.apiRotateWebhook),
		api("POST", "/projects/{id}/jobs", Editor, "runJob", s.apiRunJob),
		api("GET", "/projects/{id}/jobs", Viewer, "listJobs", s.apiListJobs),
		api("GET", "/projects/{id}/findings", Viewer, "listFindings", s.apiListFindings),
		api("GET", "/projects/{id}/findings/{fingerprint}", Viewer, "getFinding", s.apiGetFinding),
		api("PUT", "/projects/{id}/findings/{fingerprint}/triage", Editor, "triageFinding", s.apiTriage),
		api("GET", "/projects/{id}/suppressions", Viewer, "exportSuppressions", s.apiExportSuppressions),
		{Method: "POST", Path: "/api/v1/projects/{id}/hooks", Access: Webhook, OperationID: "triggerWebhook", Limited: true, Handler: s.apiWebhook},
		api("GET", "/jobs/{id}", Viewer, "getJob", s.apiGetJob),
		api("GET", "/jobs/{id}/report", Viewer, "getJobReport", s.apiJobReport),
		api("GET", "/inventory/endpoints", Viewer, "listEndpoints", s.apiEndpoints),
		api("GET", "/tokens", Admin, "listTokens", s.apiListTokens),
		{Method: "POST", Path: "/api/v1/tokens", Access: Admin, OperationID: "createToken", Limited: true, Handler: s.apiCreateToken},
		api("DELETE", "/tokens/{id}", Admin, "deleteToken", s.apiDeleteToken),
		api("GET", "/audit-log", Admin, "listAuditLog", s.apiAuditLog),

		{Method: "GET", Path: "/{$}", Access: Anonymous, Handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		}},
		{Method: "GET", Path: "/ui/static/{file}", Access: Anonymous, Handler: s.uiStatic},
		{Method: "GET", Path: "/ui/login", Access: Anonymous, Handler: s.uiLoginPage},
		{Method: "POST", Path: "/ui/login", Access: Anonymous, Limited: true, Handler: s.uiLogin},
		ui("POST", "/ui/logout", Viewer, s.uiLogout),
		ui("GET", "/ui/{$}", Viewer, s.uiOverview),
		ui("GET", "/ui/inventory", Viewer, s.uiInventory),
		ui("GET", "/ui/projects/new", Editor, s.uiNewProject),
		ui("POST", "/ui/projects", Editor, s.uiCreateProject),
		ui("GET", "/ui/projects/{id}", Viewer, s.uiProject),
		ui("POST", "/ui/projects/{id}/run", Editor, s.uiRun),
		ui("GET", "/ui/projects/{id}/findings", Viewer, s.uiFindings),
		ui("GET", "/ui/projects/{id}/findings/{fingerprint}", Viewer, s.uiFinding),
		ui("POST", "/ui/projects/{id}/findings/{fingerprint}/triage", Editor, s.uiTriage),
		ui("GET", "/ui/jobs/{id}", Viewer, s.uiJob),
		ui("GET", "/ui/jobs/{id}/report", Viewer, s.uiJobReport),
	}
	return rs
}

func (s *Server) buildMux() (*http.ServeMux, error) {
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		h := s.instrument(rt, s.guard(rt))
		if err := register(mux, rt.Method+" "+rt.Path, secure(h, s.cfg.TLS)); err != nil {
			return nil, err
		}
	}
	// Everything else: a JSON 404 with the same headers.
	if err := register(mux, "/", secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.deny(w, r, http.StatusNotFound, "no such route")
	}), s.cfg.TLS)); err != nil {
		return nil, err
	}
	return mux, nil
}

func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("route %s: %v", pattern, r)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// csp is the dashboard's content security policy: only escarp's own
// assets, no inline script, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"

// secure sets the security headers every response carries.
func secure(h http.Handler, tls bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		hd.Set("Cache-Control", "no-store")
		if tls {
			hd.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		h.ServeHTTP(w, r)
	})
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// apiError is the JSON body of every error response.
type apiError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

func (s *Server) deny(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg, Status: status})
}

// fail answers with err's kind as the HTTP status; internal errors are
// logged and not shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	msg := "internal error"
	var e *escarp.Error
	if errors.As(err, &e) {
		switch e.Kind {
		case escarp.Invalid:
			status = http.StatusBadRequest
		case escarp.NotFound:
			status = http.StatusNotFound
		case escarp.Conflict:
			status = http.StatusConflict
		case escarp.Unauthorized:
			status = http.StatusUnauthorized
		case escarp.Unavailable:
			status = http.StatusServiceUnavailable
		}
		if status != http.StatusInternalServerError {
			msg = redact.String(e.Error())
		}
	}
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	s.deny(w, r, status, msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// decode reads a JSON body strictly: bounded, unknown fields refused.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &escarp.Error{Op: "server.decode", Kind: escarp.Invalid, Message: "bad JSON body: " + err.Error()}
	}
	return nil
}

// page reads limit and offset query parameters.
func page(r *http.Request, def, max int) (limit, offset int, err error) {
	limit, offset = def, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > max {
			return 0, 0, &escarp.Error{Kind: escarp.Invalid, Message: fmt.Sprintf("limit must be 1 to %d", max)}
		}
	}
	if v := r.URL.Query().Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 || offset > 1_000_000 {
			return 0, 0, &escarp.Error{Kind: escarp.Invalid, Message: "offset must be 0 to 1000000"}
		}
	}
	return limit, offset, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
		return
	}
	if err := s.store.Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// audit records a change in the audit log.
func (s *Server) audit(r *http.Request, action, object, detail string) {
	e := &escarp.AuditEntry{At: time.Now().UTC(), Actor: actor(r.Context()), Action: action, Object: object, Detail: redact.String(detail)}
	if err := s.store.PutAudit(r.Context(), e); err != nil {
		s.log.Error("audit log", "err", err)
	}
}

func trimSpace(s string) string { return strings.TrimSpace(s) }
