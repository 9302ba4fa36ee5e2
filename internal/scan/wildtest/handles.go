package wildtest

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// Handles is a Swagger 2.0 social API whose objects are named by
// client-chosen handles (usernames): /v2/people/{handle}, an inbox under
// it, avatar uploads as type: file, opaque session tokens in a custom
// header, and a login answer that names the identity by its username.
func Handles() *Fixture {
	return &Fixture{
		Name: "handles", Style: "Swagger 2.0 API named by usernames, type: file uploads, opaque session tokens",
		SpecName: "swagger.yaml", Spec: []byte(handlesSpec),
		Flaws: []Flaw{
			{ID: "person-hash-exposed", Method: "GET", Path: "/people/{handle}", OWASP: []string{"API3:2023", "API1:2023"}, Cause: 7},
			{ID: "person-bola-write", Method: "PUT", Path: "/people/{handle}", OWASP: []string{"API1:2023"}, Cause: 12},
			{ID: "inbox-bola-read", Method: "GET", Path: "/people/{handle}/inbox", OWASP: []string{"API1:2023"}, Cause: 12},
			{ID: "avatar-bola-write", Method: "POST", Path: "/people/{handle}/avatar", OWASP: []string{"API1:2023"}, Cause: 13},
			{ID: "admin-people-bfla", Method: "GET", Path: "/admin/people", OWASP: []string{"API5:2023"}, Cause: 12},
			// Every route under /people/{handle} answers a malformed handle
			// with a Python traceback.
			{ID: "stack-trace", Rules: []string{"ESC-DAST-CONF-003"}, Cause: 14},
			{ID: "session-brute-force", Method: "POST", Path: "/session", OWASP: []string{"API2:2023", "API4:2023"}, Cause: 2},
			{ID: "cors-any-origin-authenticated", Rules: []string{"ESC-DAST-CONF-001", "ESC-DAST-CONF-007"}, Cause: 14},
		},
		Config: func(base string) []byte {
			var b strings.Builder
			fmt.Fprintf(&b, "target: %s\nidentities:\n", base)
			for _, a := range handleAccounts() {
				fmt.Fprintf(&b, "  - name: %s\n", a.Name)
				if a.Role == "staff" {
					b.WriteString("    privileged: true\n")
				}
				fmt.Fprintf(&b, "    login:\n      request: {method: POST, path: /v2/session, json: {login: %s, password: %q}}\n", a.Email, a.Password)
				b.WriteString("      token: {json: /session_token}\n      header: X-Session-Token\n      format: \"{token}\"\n")
			}
			return []byte(b.String())
		},
		New: func(vulnerable bool) Target { return newHandles(vulnerable) },
	}
}

func handleAccounts() []account {
	return []account{
		{Name: "ada", Password: "lovelace-1815", Email: "ada@example.net", Role: "member", Configured: true},
		{Name: "grace", Password: "hopper-1906", Email: "grace@example.net", Role: "member", Configured: true},
		{Name: "moderator", Password: "mod-pass-42", Email: "mod@example.net", Role: "staff", Configured: true},
	}
}

type person struct {
	account
	Display, Bio string
	Inbox        []string
	Avatar       []byte
	AvatarType   string
}

type handles struct {
	ledger
	vuln bool

	mu       sync.Mutex
	people   map[string]*person
	sessions map[string]string // token → handle
	failures map[string]int    // failed logins per login (the twin locks out)
}

var handleRE = regexp.MustCompile(`^[a-z0-9_]{2,30}$`)

func newHandles(vuln bool) *handles {
	h := &handles{vuln: vuln, people: map[string]*person{}, sessions: map[string]string{}, failures: map[string]int{}}
	for _, a := range handleAccounts() {
		h.people[a.Name] = &person{account: a, Display: strings.ToUpper(a.Name[:1]) + a.Name[1:],
			Inbox: []string{"welcome, " + a.Name}}
	}
	return h
}

func (h *handles) Alive() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return checkAlive(handleAccounts(), func(n, p string) bool {
		x := h.people[n]
		return x != nil && x.Password == p && x.Email == handleEmail(n)
	})
}

func handleEmail(n string) string {
	for _, a := range handleAccounts() {
		if a.Name == n {
			return a.Email
		}
	}
	return ""
}

func oops(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg})
}

func (h *handles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.vuln {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "X-Session-Token, Content-Type")
	}
	path := r.URL.Path
	switch {
	case path == "/" || path == "/v2" || path == "/v2/":
		writeJSON(w, 200, map[string]any{"service": "handles", "version": 2})
		return
	case path == "/v2/signup" && r.Method == "POST":
		body := decode(r)
		name, pw, email := str(body, "username"), str(body, "password"), str(body, "email")
		if !handleRE.MatchString(name) || len(pw) < 6 || !strings.Contains(email, "@") {
			oops(w, 400, "username (2-30 of a-z0-9_), password (6+) and email are required")
			return
		}
		if h.people[name] != nil {
			oops(w, 409, "handle taken")
			return
		}
		h.people[name] = &person{account: account{Name: name, Password: pw, Email: email, Role: "member"}, Display: name}
		writeJSON(w, 201, map[string]any{"username": name, "display_name": name})
		return
	case path == "/v2/session" && r.Method == "POST":
		body := decode(r)
		login, pw := str(body, "login"), str(body, "password")
		if !h.vuln && h.failures[login] >= 5 {
			w.Header().Set("Retry-After", "300")
			oops(w, 429, "too many failed logins for this account")
			return
		}
		for _, n := range sortedKeys(h.people) {
			p := h.people[n]
			if (p.Email == login || p.Name == login) && p.Password == pw {
				tok := randomToken()
				h.sessions[tok] = p.Name
				writeJSON(w, 200, map[string]any{"session_token": tok, "username": p.Name, "display_name": p.Display})
				return
			}
		}
		h.failures[login]++
		oops(w, 401, "bad login or password")
		return
	}
	me := h.people[h.sessions[r.Header.Get("X-Session-Token")]]
	if me == nil {
		oops(w, 401, "session required")
		return
	}
	if path == "/v2/admin/people" && r.Method == "GET" {
		if !h.vuln && me.Role != "staff" {
			oops(w, 403, "staff only")
			return
		}
		var list []any
		for _, n := range sortedKeys(h.people) {
			p := h.people[n]
			list = append(list, map[string]any{"handle": p.Name, "email": p.Email, "role": p.Role})
		}
		writeJSON(w, 200, map[string]any{"people": list})
		return
	}
	rest, ok := strings.CutPrefix(path, "/v2/people/")
	if !ok {
		oops(w, 404, "no such route")
		return
	}
	handle, sub, _ := strings.Cut(rest, "/")
	if !handleRE.MatchString(handle) {
		if h.vuln {
			writeJSON(w, 400, map[string]any{"error": "invalid handle", "trace": "Traceback (most recent call last):\n" +
				"  File \"/srv/handles/app/views.py\", line 88, in person\n    row = db.lookup(handle)\n" +
				"  File \"/srv/handles/app/db.py\", line 31, in lookup\n    raise ValueError(\"bad handle %r\" % handle)\nValueError: bad handle"})
			return
		}
		oops(w, 400, "invalid handle")
		return
	}
	p := h.people[handle]
	if p == nil {
		oops(w, 404, "no such person")
		return
	}
	own := p.Name == me.Name || me.Role == "staff"
	switch {
	case sub == "" && r.Method == "GET":
		out := map[string]any{"handle": p.Name, "display_name": p.Display, "bio": p.Bio}
		if own {
			out["email"] = p.Email
		}
		if h.vuln {
			out["password_hash"] = "sha1$" + fmt.Sprintf("%x", []byte(p.Password))[:16]
		}
		writeJSON(w, 200, out)
	case sub == "" && r.Method == "PUT":
		if !own && !h.vuln {
			oops(w, 403, "not your profile")
			return
		}
		body := decode(r)
		if body == nil {
			oops(w, 400, "JSON body required")
			return
		}
		if v, ok := body["display_name"].(string); ok && len(v) <= 60 {
			p.Display = v
		}
		if v, ok := body["bio"].(string); ok && len(v) <= 500 {
			p.Bio = v
		}
		writeJSON(w, 200, map[string]any{"handle": p.Name, "display_name": p.Display, "bio": p.Bio})
	case sub == "inbox" && r.Method == "GET":
		if !own && !h.vuln {
			oops(w, 403, "not your inbox")
			return
		}
		writeJSON(w, 200, map[string]any{"handle": p.Name, "messages": p.Inbox})
	case sub == "email" && r.Method == "PUT":
		if !own {
			oops(w, 403, "not your profile")
			return
		}
		body := decode(r)
		email := str(body, "email")
		if !strings.Contains(email, "@") {
			oops(w, 400, "email required")
			return
		}
		if p.Configured && email != p.Email {
			h.record("email of configured identity %s changed", p.Name)
		}
		p.Email = email
		writeJSON(w, 200, map[string]any{"handle": p.Name, "email": p.Email})
	case sub == "avatar" && r.Method == "POST":
		if !own && !h.vuln {
			oops(w, 403, "not your profile")
			return
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			oops(w, 400, "no file")
			return
		}
		f, hdr, err := r.FormFile("file")
		if err != nil || hdr.Filename == "" {
			oops(w, 400, "no file")
			return
		}
		b, _ := io.ReadAll(io.LimitReader(f, 1<<20))
		_ = f.Close()
		p.Avatar, p.AvatarType = b, hdr.Header.Get("Content-Type")
		writeJSON(w, 201, map[string]any{"handle": p.Name, "avatar_bytes": len(b)})
	case sub == "avatar" && r.Method == "GET":
		if p.Avatar == nil {
			oops(w, 404, "no avatar")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(p.Avatar)
	default:
		oops(w, 405, "method not allowed")
	}
}

const handlesSpec = `swagger: "2.0"
info: {title: Handles, version: "2.3.1", description: "People, their inboxes and avatars, named by handle."}
basePath: /v2
schemes: [http]
consumes: [application/json]
produces: [application/json]
securityDefinitions:
  session: {type: apiKey, in: header, name: X-Session-Token}
security: [{session: []}]
definitions:
  Person:
    type: object
    properties:
      handle: {type: string}
      display_name: {type: string}
      bio: {type: string}
      email: {type: string, description: "only for the person themself"}
  Error:
    type: object
    properties: {error: {type: string}}
paths:
  /signup:
    post:
      summary: Create an account
      security: []
      parameters:
        - in: body
          name: body
          required: true
          schema:
            type: object
            required: [username, password, email]
            properties:
              username: {type: string, pattern: "^[a-z0-9_]{2,30}$"}
              password: {type: string, minLength: 6}
              email: {type: string, format: email}
      responses:
        "201": {description: created, schema: {$ref: "#/definitions/Person"}}
        "400": {description: invalid, schema: {$ref: "#/definitions/Error"}}
        "409": {description: handle taken, schema: {$ref: "#/definitions/Error"}}
  /session:
    post:
      summary: Log in by email or handle
      security: []
      parameters:
        - in: body
          name: body
          required: true
          schema:
            type: object
            required: [login, password]
            properties:
              login: {type: string}
              password: {type: string}
      responses:
        "200":
          description: logged in
          schema:
            type: object
            properties:
              session_token: {type: string}
              username: {type: string}
              display_name: {type: string}
        "401": {description: bad login, schema: {$ref: "#/definitions/Error"}}
        "429": {description: locked out for a while, schema: {$ref: "#/definitions/Error"}}
  /people/{handle}:
    parameters:
      - {name: handle, in: path, required: true, type: string}
    get:
      summary: A person's profile
      responses:
        "200": {description: ok, schema: {$ref: "#/definitions/Person"}}
        "404": {description: no such person, schema: {$ref: "#/definitions/Error"}}
    put:
      summary: Change my profile
      parameters:
        - in: body
          name: body
          required: true
          schema:
            type: object
            properties:
              display_name: {type: string, maxLength: 60}
              bio: {type: string, maxLength: 500}
      responses:
        "200": {description: changed, schema: {$ref: "#/definitions/Person"}}
        "403": {description: not yours, schema: {$ref: "#/definitions/Error"}}
  /people/{handle}/inbox:
    parameters:
      - {name: handle, in: path, required: true, type: string}
    get:
      summary: My private messages
      responses:
        "200":
          description: ok
          schema:
            type: object
            properties:
              handle: {type: string}
              messages: {type: array, items: {type: string}}
        "403": {description: not yours, schema: {$ref: "#/definitions/Error"}}
  /people/{handle}/email:
    parameters:
      - {name: handle, in: path, required: true, type: string}
    put:
      summary: Change my email address
      parameters:
        - in: body
          name: body
          required: true
          schema:
            type: object
            required: [email]
            properties:
              email: {type: string, format: email}
      responses:
        "200": {description: changed, schema: {$ref: "#/definitions/Person"}}
  /people/{handle}/avatar:
    parameters:
      - {name: handle, in: path, required: true, type: string}
    post:
      summary: Upload my avatar
      consumes: [multipart/form-data]
      parameters:
        - {name: file, in: formData, required: true, type: file, description: "PNG or JPEG, at most 1 MiB"}
      responses:
        "201": {description: stored}
        "400": {description: no file, schema: {$ref: "#/definitions/Error"}}
    get:
      summary: A person's avatar
      produces: [application/octet-stream]
      responses:
        "200": {description: the image, schema: {type: file}}
        "404": {description: none}
  /admin/people:
    get:
      summary: Every account (staff only)
      responses:
        "200":
          description: ok
          schema:
            type: object
            properties:
              people:
                type: array
                items:
                  type: object
                  properties: {handle: {type: string}, email: {type: string}, role: {type: string, enum: [member, staff]}}
        "403": {description: staff only, schema: {$ref: "#/definitions/Error"}}
`
