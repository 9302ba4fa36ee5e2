package wildtest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// FlaskEnvelope is a Flask-like notes API: every answer is an envelope
// {"status": "success"|"fail", ...}, failures answer 200, names are
// snake_case, things are addressed by the title their owner chose, and a
// GET /api/reset-db wipes everything.
func FlaskEnvelope() *Fixture {
	return &Fixture{
		Name: "flaskenv", Style: "Flask-like envelope API, errors as 200 bodies, objects named by client-chosen titles",
		SpecName: "openapi.yaml", Spec: []byte(flaskSpec),
		Flaws: []Flaw{
			{ID: "register-mass-assignment", Method: "POST", Path: "/auth/register", OWASP: []string{"API3:2023"}, Cause: 7},
			{ID: "me-password-exposed", Method: "GET", Path: "/users/me", OWASP: []string{"API3:2023"}, Cause: 7},
			{ID: "thing-bola-read", Method: "GET", Path: "/things/{thing_title}", OWASP: []string{"API1:2023"}, Cause: 1},
			{ID: "thing-bola-write", Method: "PUT", Path: "/things/{thing_title}", OWASP: []string{"API1:2023"}, Cause: 6},
			{ID: "things-sqli", Method: "GET", Path: "/things", OWASP: []string{"API8:2023"}, Rules: []string{"ESC-DAST-INJ-001"}, Cause: 2},
			{ID: "users-bfla", Method: "GET", Path: "/users", OWASP: []string{"API5:2023"}, Cause: 12},
			{ID: "jwt-weak-secret", Rules: []string{"ESC-DAST-AUTHN-005", "ESC-DAST-AUTHN-006"}, Cause: 8},
			{ID: "login-brute-force", Method: "POST", Path: "/auth/login", OWASP: []string{"API2:2023", "API4:2023"}, Cause: 2},
		},
		Config: func(base string) []byte {
			var b strings.Builder
			fmt.Fprintf(&b, "target: %s\nidentities:\n", base)
			for _, a := range flaskAccounts() {
				fmt.Fprintf(&b, "  - name: %s\n", a.Name)
				if a.Role == "admin" {
					b.WriteString("    privileged: true\n")
				}
				fmt.Fprintf(&b, "    login:\n      request: {method: POST, path: /api/auth/login, json: {username: %s, password: %q}}\n", a.Name, a.Password)
				b.WriteString("      token: {json: /auth_token}\n")
			}
			return []byte(b.String())
		},
		New: func(vulnerable bool) Target { return newFlask(vulnerable) },
	}
}

func flaskAccounts() []account {
	return []account{
		{Name: "mallory_k", Password: "Tr0ub4dor&3", Email: "mallory@example.org", Role: "user", Configured: true},
		{Name: "victor_p", Password: "c0rrect-h0rse", Email: "victor@example.org", Role: "user", Configured: true},
		{Name: "ops_admin", Password: "Adm1n!pass", Email: "ops@example.org", Role: "admin", Configured: true},
	}
}

type flaskThing struct {
	Title, Body, Owner string
}

type flask struct {
	ledger
	vuln bool
	sig  signer

	mu       sync.Mutex
	users    map[string]*account
	things   map[string]*flaskThing // by title
	failures map[string]int
	// logins limits the twin's login attempts.
	logins *rate.Limiter
}

func newFlask(vuln bool) *flask {
	f := &flask{vuln: vuln, sig: signer{key: randomKey()}, logins: rate.NewLimiter(5, 20)}
	if vuln {
		f.sig.key = []byte("secret")
	}
	f.reset()
	return f
}

func (f *flask) reset() {
	f.users = map[string]*account{}
	for _, a := range flaskAccounts() {
		f.users[a.Name] = &a
	}
	f.things = map[string]*flaskThing{
		"shopping list": {Title: "shopping list", Body: "eggs, milk", Owner: "victor_p"},
	}
	f.failures = map[string]int{}
}

func (f *flask) Alive() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return checkAlive(flaskAccounts(), func(n, p string) bool {
		u := f.users[n]
		return u != nil && u.Password == p
	})
}

func fail(w http.ResponseWriter, msg string) {
	writeJSON(w, 200, map[string]any{"status": "fail", "message": msg})
}

func (f *flask) user(r *http.Request) *account {
	claims, ok := f.sig.verify(bearer(r))
	if !ok {
		return nil
	}
	name, _ := claims["sub"].(string)
	return f.users[name]
}

func (f *flask) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := r.URL.Path
	switch {
	case path == "/" || path == "/api" || path == "/api/":
		writeJSON(w, 200, map[string]any{"status": "success", "message": "notes api"})
		return
	case path == "/api/reset-db" && r.Method == "GET":
		f.record("GET /api/reset-db called")
		f.reset()
		writeJSON(w, 200, map[string]any{"status": "success", "message": "Database reset."})
		return
	case path == "/api/auth/register" && r.Method == "POST":
		f.register(w, r)
		return
	case path == "/api/auth/login" && r.Method == "POST":
		f.login(w, r)
		return
	}
	u := f.user(r)
	if u == nil {
		writeJSON(w, 401, map[string]any{"status": "fail", "message": "Provide a valid auth token."})
		return
	}
	switch {
	case path == "/api/users/me" && r.Method == "GET":
		data := map[string]any{"username": u.Name, "email": u.Email, "admin": u.Role == "admin"}
		if f.vuln {
			data["password"] = u.Password
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": data})
	case path == "/api/users/me/password" && r.Method == "PUT":
		body := decode(r)
		if !f.vuln && str(body, "old_password") != u.Password {
			fail(w, "Old password is wrong.")
			return
		}
		np := str(body, "new_password")
		if len(np) < 4 {
			fail(w, "Password too short.")
			return
		}
		if u.Configured {
			f.record("password of configured identity %s changed", u.Name)
		}
		u.Password = np
		writeJSON(w, 200, map[string]any{"status": "success", "message": "Password changed."})
	case path == "/api/users" && r.Method == "GET":
		if !f.vuln && u.Role != "admin" {
			fail(w, "Only admins may list users.")
			return
		}
		list := []any{}
		for _, n := range sortedKeys(f.users) {
			x := f.users[n]
			list = append(list, map[string]any{"username": x.Name, "email": x.Email, "admin": x.Role == "admin"})
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": list})
	case path == "/api/things" && r.Method == "POST":
		body := decode(r)
		title := strings.TrimSpace(str(body, "thing_title"))
		if title == "" || len(title) > 80 {
			fail(w, "thing_title is required.")
			return
		}
		if f.things[title] != nil {
			fail(w, "A thing with this title already exists.")
			return
		}
		f.things[title] = &flaskThing{Title: title, Body: str(body, "body"), Owner: u.Name}
		writeJSON(w, 200, map[string]any{"status": "success", "message": "Thing added."})
	case path == "/api/things" && r.Method == "GET":
		q := r.URL.Query().Get("title_like")
		if f.vuln && strings.Count(q, "'")%2 == 1 {
			fail(w, `(sqlite3.OperationalError) unrecognized token: "'`+q+`'" [SQL: SELECT * FROM things WHERE owner = ? AND title LIKE '%`+q+`%']`)
			return
		}
		list := []any{}
		for _, t := range sortedKeys(f.things) {
			x := f.things[t]
			if x.Owner == u.Name && strings.Contains(x.Title, q) {
				list = append(list, map[string]any{"thing_title": x.Title, "body": x.Body})
			}
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": list})
	case strings.HasPrefix(path, "/api/things/"):
		title := strings.TrimPrefix(path, "/api/things/")
		t := f.things[title]
		mine := t != nil && (t.Owner == u.Name || u.Role == "admin")
		switch r.Method {
		case "GET":
			if t == nil || (!mine && !f.vuln) {
				fail(w, "Thing not found.")
				return
			}
			writeJSON(w, 200, map[string]any{"status": "success", "data": map[string]any{"thing_title": t.Title, "body": t.Body, "owner": t.Owner}})
		case "PUT":
			if t == nil || (!mine && !f.vuln) {
				fail(w, "Thing not found.")
				return
			}
			body := decode(r)
			t.Body = str(body, "body")
			writeJSON(w, 200, map[string]any{"status": "success", "message": "Thing updated."})
		case "DELETE":
			if t == nil || !mine {
				fail(w, "Thing not found.")
				return
			}
			delete(f.things, title)
			writeJSON(w, 200, map[string]any{"status": "success", "message": "Thing deleted."})
		default:
			fail(w, "Method not allowed.")
		}
	default:
		writeJSON(w, 404, map[string]any{"status": "fail", "message": "Not found."})
	}
}

func (f *flask) register(w http.ResponseWriter, r *http.Request) {
	body := decode(r)
	name, pw, email := str(body, "username"), str(body, "password"), str(body, "email")
	if name == "" || pw == "" || !strings.Contains(email, "@") || len(name) > 60 {
		fail(w, "Invalid payload.")
		return
	}
	if f.users[name] != nil {
		fail(w, "Sorry. That user already exists.")
		return
	}
	a := &account{Name: name, Password: pw, Email: email, Role: "user"}
	if f.vuln {
		if admin, ok := body["admin"].(bool); ok && admin {
			a.Role = "admin"
		}
	}
	f.users[name] = a
	writeJSON(w, 200, map[string]any{"status": "success", "message": "Successfully registered."})
}

func (f *flask) login(w http.ResponseWriter, r *http.Request) {
	body := decode(r)
	name, pw := str(body, "username"), str(body, "password")
	if !f.vuln && (f.failures[name] >= 10 || !f.logins.Allow()) {
		writeJSON(w, 429, map[string]any{"status": "fail", "message": "Too many failed logins; try again later."})
		return
	}
	u := f.users[name]
	if u == nil || u.Password != pw {
		f.failures[name]++
		fail(w, "Incorrect username or password.")
		return
	}
	f.failures[name] = 0
	tok := f.sig.issue(jwt.MapClaims{"sub": u.Name}, time.Hour)
	writeJSON(w, 200, map[string]any{"status": "success", "message": "Successfully logged in.", "auth_token": tok})
}

const flaskSpec = `openapi: 3.0.3
info:
  title: Notes
  version: "0.4"
  description: A small notes service. Every answer is a JSON envelope with a status of success or fail.
servers: [{url: /api}]
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
  schemas:
    Envelope:
      type: object
      properties:
        status: {type: string, enum: [success, fail]}
        message: {type: string}
    User:
      type: object
      properties:
        username: {type: string}
        email: {type: string, format: email}
        admin: {type: boolean, readOnly: true}
    Thing:
      type: object
      required: [thing_title]
      properties:
        thing_title: {type: string, maxLength: 80}
        body: {type: string}
security: [{bearerAuth: []}]
paths:
  /reset-db:
    get:
      summary: Reset the database to its initial content
      security: []
      responses: {"200": {description: reset, content: {application/json: {schema: {$ref: "#/components/schemas/Envelope"}}}}}
  /auth/register:
    post:
      summary: Register a new user
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, email, password]
              properties:
                username: {type: string}
                email: {type: string, format: email}
                password: {type: string, format: password}
      responses: {"200": {description: registered or not, content: {application/json: {schema: {$ref: "#/components/schemas/Envelope"}}}}}
  /auth/login:
    post:
      summary: Log in
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties:
                username: {type: string}
                password: {type: string, format: password}
      responses:
        "200":
          description: logged in or not
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string}
                  message: {type: string}
                  auth_token: {type: string}
  /users/me:
    get:
      summary: The current user
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string}
                  data: {$ref: "#/components/schemas/User"}
        "401": {description: no token}
  /users/me/password:
    put:
      summary: Change my password
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [old_password, new_password]
              properties:
                old_password: {type: string, format: password}
                new_password: {type: string, format: password}
      responses: {"200": {description: changed or not, content: {application/json: {schema: {$ref: "#/components/schemas/Envelope"}}}}}
  /users:
    get:
      summary: List users (admins only)
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string}
                  data: {type: array, items: {$ref: "#/components/schemas/User"}}
  /things:
    get:
      summary: My things
      parameters:
        - {name: title_like, in: query, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string}
                  data: {type: array, items: {$ref: "#/components/schemas/Thing"}}
    post:
      summary: Add a thing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Thing"}
      responses: {"200": {description: added or not, content: {application/json: {schema: {$ref: "#/components/schemas/Envelope"}}}}}
  /things/{thing_title}:
    parameters:
      - {name: thing_title, in: path, required: true, schema: {type: string}}
    get:
      summary: Read one of my things
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string}
                  data: {$ref: "#/components/schemas/Thing"}
    put:
      summary: Change one of my things
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                body: {type: string}
      responses: {"200": {description: changed or not, content: {application/json: {schema: {$ref: "#/components/schemas/Envelope"}}}}}
    delete:
      summary: Delete one of my things
      responses: {"200": {description: deleted or not, content: {application/json: {schema: {$ref: "#/components/schemas/Envelope"}}}}}
`
