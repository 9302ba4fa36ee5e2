package wildtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FastShop is a FastAPI-like shop: an OAuth2 password form at /token,
// role enums in the schemas, 422 validation errors with a detail list,
// readOnly fields, documented maximum and maxItems, a refresh endpoint and
// admin-only operations (one of which rightly answers the admin a secret).
func FastShop() *Fixture {
	return &Fixture{
		Name: "fastshop", Style: "FastAPI-like API, role enums, 422 validation errors, refresh tokens",
		SpecName: "openapi.json", Spec: []byte(fastSpec),
		Flaws: []Flaw{
			{ID: "refresh-unsigned", Method: "POST", Path: "/auth/refresh", OWASP: []string{"API2:2023"}, Cause: 5},
			{ID: "me-role-mass-assignment", Method: "PATCH", Path: "/users/me", OWASP: []string{"API3:2023"}, Cause: 7},
			{ID: "items-limit-unenforced", Method: "GET", Path: "/items", OWASP: []string{"API4:2023"}, Cause: 9},
			{ID: "orders-maxitems-unenforced", Method: "POST", Path: "/orders", OWASP: []string{"API4:2023"}, Cause: 9},
			{ID: "order-bola-read", Method: "GET", Path: "/orders/{order_id}", OWASP: []string{"API1:2023"}, Cause: 6},
			{ID: "admin-stats-bfla", Method: "GET", Path: "/admin/stats", OWASP: []string{"API5:2023"}, Cause: 4},
			{ID: "jwt-key-in-wordlist", Rules: []string{"ESC-DAST-AUTHN-005", "ESC-DAST-AUTHN-006"}, Cause: 8},
			{ID: "token-brute-force", Method: "POST", Path: "/token", OWASP: []string{"API2:2023", "API4:2023"}, Cause: 2},
			{ID: "legacy-deprecated-unauthenticated", Method: "GET", Path: "/legacy/orders", OWASP: []string{"API9:2023", "API2:2023"}, Cause: 10},
		},
		Config: func(base string) []byte {
			var b strings.Builder
			fmt.Fprintf(&b, "target: %s\nidentities:\n", base)
			for _, a := range fastAccounts() {
				fmt.Fprintf(&b, "  - name: %s\n", a.Name)
				if a.Role == "admin" {
					b.WriteString("    privileged: true\n")
				}
				fmt.Fprintf(&b, "    login:\n      request: {method: POST, path: /token, form: {username: %s, password: %q, grant_type: password}}\n", a.Name, a.Password)
				b.WriteString("      token: {json: /access_token}\n")
			}
			return []byte(b.String())
		},
		New: func(vulnerable bool) Target { return newFast(vulnerable) },
	}
}

// fastKey is the vulnerable shop's signing key: not in escarp's built-in
// list, but in the public list of seen JWT secrets.
const fastKey = "7231648lfp"

func fastAccounts() []account {
	return []account{
		{ID: 7, Name: "johndoe", Password: "secret-pass-1", Email: "john@example.com", Role: "user", Configured: true},
		{ID: 8, Name: "janedoe", Password: "secret-pass-2", Email: "jane@example.com", Role: "user", Configured: true},
		{ID: 1, Name: "superuser", Password: "superpass-9", Email: "root@example.com", Role: "admin", Configured: true},
	}
}

type fastOrder struct {
	ID    int
	Owner string
	Items []any
	Note  string
}

type fast struct {
	ledger
	vuln bool
	sig  signer

	mu     sync.Mutex
	users  map[string]*account
	orders map[int]*fastOrder
	next   int
	names  map[string]string // full names
	// failures counts failed logins per username (the twin locks out).
	failures map[string]int
}

func newFast(vuln bool) *fast {
	f := &fast{vuln: vuln, sig: signer{key: randomKey()}, users: map[string]*account{},
		orders: map[int]*fastOrder{}, next: 100, names: map[string]string{}, failures: map[string]int{}}
	if vuln {
		f.sig.key = []byte(fastKey)
	}
	for _, a := range fastAccounts() {
		f.users[a.Name] = &a
	}
	f.orders[41] = &fastOrder{ID: 41, Owner: "janedoe", Items: []any{float64(3)}, Note: "gift"}
	return f
}

func (f *fast) Alive() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return checkAlive(fastAccounts(), func(n, p string) bool {
		u := f.users[n]
		return u != nil && u.Password == p
	})
}

func detail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"detail": msg})
}

func invalid(w http.ResponseWriter, loc []any, msg, typ string) {
	writeJSON(w, 422, map[string]any{"detail": []any{map[string]any{"loc": loc, "msg": msg, "type": typ}}})
}

func (f *fast) current(r *http.Request) *account {
	claims, ok := f.sig.verify(bearer(r))
	if !ok || claims["type"] != "access" {
		return nil
	}
	name, _ := claims["sub"].(string)
	return f.users[name]
}

func (f *fast) tokens(u *account) map[string]any {
	return map[string]any{
		"access_token":  f.sig.issue(jwt.MapClaims{"sub": u.Name, "role": u.Role, "type": "access"}, 30*time.Minute),
		"refresh_token": f.sig.issue(jwt.MapClaims{"sub": u.Name, "type": "refresh"}, 24*time.Hour),
		"token_type":    "bearer",
	}
}

func (f *fast) userOut(u *account) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Name, "email": u.Email, "role": u.Role, "full_name": f.names[u.Name]}
}

func (f *fast) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := r.URL.Path
	switch {
	case path == "/":
		writeJSON(w, 200, map[string]any{"message": "shop"})
		return
	case path == "/token" && r.Method == "POST":
		_ = r.ParseForm()
		u := f.users[r.PostForm.Get("username")]
		if !f.vuln && f.failures[r.PostForm.Get("username")] >= 5 {
			w.Header().Set("Retry-After", "60")
			detail(w, 429, "Too many failed logins")
			return
		}
		if r.PostForm.Get("username") == "" || r.PostForm.Get("password") == "" {
			invalid(w, []any{"body", "username"}, "field required", "value_error.missing")
			return
		}
		if u == nil || u.Password != r.PostForm.Get("password") {
			f.failures[r.PostForm.Get("username")]++
			w.Header().Set("WWW-Authenticate", "Bearer")
			detail(w, 401, "Incorrect username or password")
			return
		}
		writeJSON(w, 200, f.tokens(u))
		return
	case path == "/auth/refresh" && r.Method == "POST":
		body := decode(r)
		tok := str(body, "refresh_token")
		if tok == "" {
			invalid(w, []any{"body", "refresh_token"}, "field required", "value_error.missing")
			return
		}
		var claims jwt.MapClaims
		var ok bool
		if f.vuln {
			claims, ok = unverified(tok)
		} else {
			claims, ok = f.sig.verify(tok)
		}
		name, _ := claims["sub"].(string)
		u := f.users[name]
		if !ok || claims["type"] != "refresh" || u == nil {
			detail(w, 401, "Could not validate credentials")
			return
		}
		writeJSON(w, 200, f.tokens(u))
		return
	case path == "/legacy/orders" && r.Method == "GET":
		if !f.vuln {
			detail(w, 410, "Gone: use GET /orders/{order_id}")
			return
		}
		{
			u := f.current(r)
			var list []any
			for _, id := range sortedInts(f.orders) {
				o := f.orders[id]
				if u == nil || o.Owner == u.Name {
					list = append(list, map[string]any{"id": o.ID, "owner": o.Owner, "item_ids": o.Items, "note": o.Note})
				}
			}
			writeJSON(w, 200, list)
			return
		}
	}
	u := f.current(r)
	if u == nil {
		w.Header().Set("WWW-Authenticate", "Bearer")
		detail(w, 401, "Not authenticated")
		return
	}
	switch {
	case path == "/users/me" && r.Method == "GET":
		writeJSON(w, 200, f.userOut(u))
	case path == "/users/me" && r.Method == "PATCH":
		body := decode(r)
		if body == nil {
			invalid(w, []any{"body"}, "value is not a valid dict", "type_error.dict")
			return
		}
		if v, ok := body["full_name"].(string); ok {
			if len(v) > 100 {
				invalid(w, []any{"body", "full_name"}, "ensure this value has at most 100 characters", "value_error.any_str.max_length")
				return
			}
			f.names[u.Name] = v
		}
		if f.vuln {
			if role, ok := body["role"].(string); ok && (role == "user" || role == "admin") {
				u.Role = role
			}
		}
		writeJSON(w, 200, f.userOut(u))
	case path == "/items" && r.Method == "GET":
		limit := 10
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				invalid(w, []any{"query", "limit"}, "value is not a valid integer", "type_error.integer")
				return
			}
			if !f.vuln && (n < 1 || n > 100) {
				invalid(w, []any{"query", "limit"}, "ensure this value is less than or equal to 100", "value_error.number.not_le")
				return
			}
			limit = n
		}
		if limit < 0 {
			limit = 0
		}
		limit = min(limit, 5000)
		items := make([]any, 0, limit)
		for i := 1; i <= limit; i++ {
			items = append(items, map[string]any{"id": i, "name": "item " + strconv.Itoa(i), "price": 9.5})
		}
		writeJSON(w, 200, items)
	case path == "/orders" && r.Method == "POST":
		body := decode(r)
		ids, ok := body["item_ids"].([]any)
		if !ok || len(ids) == 0 {
			invalid(w, []any{"body", "item_ids"}, "field required", "value_error.missing")
			return
		}
		for _, x := range ids {
			if n, isNum := x.(float64); !isNum || n != float64(int(n)) {
				invalid(w, []any{"body", "item_ids"}, "value is not a valid integer", "type_error.integer")
				return
			}
		}
		if !f.vuln && len(ids) > 10 {
			invalid(w, []any{"body", "item_ids"}, "ensure this value has at most 10 items", "value_error.list.max_items")
			return
		}
		f.next++
		o := &fastOrder{ID: f.next, Owner: u.Name, Items: ids, Note: str(body, "note")}
		f.orders[o.ID] = o
		writeJSON(w, 201, map[string]any{"id": o.ID, "owner": o.Owner, "item_ids": o.Items, "note": o.Note})
	case strings.HasPrefix(path, "/orders/"):
		id, err := strconv.Atoi(strings.TrimPrefix(path, "/orders/"))
		if err != nil {
			invalid(w, []any{"path", "order_id"}, "value is not a valid integer", "type_error.integer")
			return
		}
		o := f.orders[id]
		if o == nil || (!f.vuln && o.Owner != u.Name && u.Role != "admin") {
			detail(w, 404, "Not Found")
			return
		}
		switch r.Method {
		case "GET":
			writeJSON(w, 200, map[string]any{"id": o.ID, "owner": o.Owner, "item_ids": o.Items, "note": o.Note})
		case "DELETE":
			if o.Owner != u.Name && u.Role != "admin" {
				detail(w, 404, "Not Found")
				return
			}
			delete(f.orders, id)
			w.WriteHeader(204)
		default:
			detail(w, 405, "Method Not Allowed")
		}
	case path == "/admin/stats" && r.Method == "GET":
		if !f.vuln && u.Role != "admin" {
			detail(w, 403, "Not enough permissions")
			return
		}
		writeJSON(w, 200, map[string]any{"users": len(f.users), "orders": len(f.orders), "revenue": 1234.5})
	case path == "/admin/settings" && r.Method == "GET":
		if u.Role != "admin" {
			detail(w, 403, "Not enough permissions")
			return
		}
		writeJSON(w, 200, map[string]any{"smtp_host": "mail.internal", "smtp_password": "Zq8#mailer-2024!", "signup_open": true})
	default:
		detail(w, 404, "Not Found")
	}
}

func sortedInts[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

const fastSpec = `{
  "openapi": "3.1.0",
  "info": {"title": "FastShop", "version": "0.1.0"},
  "paths": {
    "/token": {"post": {"summary": "Login For Access Token", "operationId": "login_for_access_token_token_post",
      "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Body_login"}}}},
      "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Token"}}}},
        "422": {"description": "Validation Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}}},
    "/auth/refresh": {"post": {"summary": "Refresh", "operationId": "refresh_auth_refresh_post",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RefreshIn"}}}},
      "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Token"}}}},
        "422": {"description": "Validation Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}}},
    "/users/me": {
      "get": {"summary": "Read Users Me", "operationId": "read_users_me_users_me_get", "security": [{"OAuth2PasswordBearer": []}],
        "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserOut"}}}}}},
      "patch": {"summary": "Update Users Me", "operationId": "update_users_me_users_me_patch", "security": [{"OAuth2PasswordBearer": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserUpdate"}}}},
        "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserOut"}}}},
          "422": {"description": "Validation Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}}},
    "/items": {"get": {"summary": "List Items", "operationId": "list_items_items_get", "security": [{"OAuth2PasswordBearer": []}],
      "parameters": [{"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "maximum": 100, "minimum": 1, "default": 10, "title": "Limit"}}],
      "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}},
        "422": {"description": "Validation Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}}},
    "/orders": {"post": {"summary": "Create Order", "operationId": "create_order_orders_post", "security": [{"OAuth2PasswordBearer": []}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderIn"}}}},
      "responses": {"201": {"description": "Successful Response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderOut"}}}},
        "422": {"description": "Validation Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}}},
    "/orders/{order_id}": {
      "get": {"summary": "Read Order", "operationId": "read_order_orders__order_id__get", "security": [{"OAuth2PasswordBearer": []}],
        "parameters": [{"name": "order_id", "in": "path", "required": true, "schema": {"type": "integer", "title": "Order Id"}}],
        "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderOut"}}}},
          "404": {"description": "Not Found"}}},
      "delete": {"summary": "Delete Order", "operationId": "delete_order_orders__order_id__delete", "security": [{"OAuth2PasswordBearer": []}],
        "parameters": [{"name": "order_id", "in": "path", "required": true, "schema": {"type": "integer", "title": "Order Id"}}],
        "responses": {"204": {"description": "Successful Response"}, "404": {"description": "Not Found"}}}},
    "/admin/stats": {"get": {"summary": "Admin Stats", "operationId": "admin_stats_admin_stats_get", "security": [{"OAuth2PasswordBearer": []}],
      "description": "Requires role admin.",
      "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
        "403": {"description": "Not enough permissions"}}}},
    "/admin/settings": {"get": {"summary": "Admin Settings", "operationId": "admin_settings_admin_settings_get", "security": [{"OAuth2PasswordBearer": []}],
      "description": "Requires role admin. Returns the mailer settings.",
      "responses": {"200": {"description": "Successful Response", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Settings"}}}},
        "403": {"description": "Not enough permissions"}}}},
    "/legacy/orders": {"get": {"summary": "Legacy Orders", "operationId": "legacy_orders_legacy_orders_get", "deprecated": true, "security": [{"OAuth2PasswordBearer": []}],
      "responses": {"410": {"description": "Gone once clients have moved to /orders/{order_id}"}, "200": {"description": "Successful Response", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/OrderOut"}}}}}}}}
  },
  "components": {
    "schemas": {
      "Body_login": {"type": "object", "required": ["username", "password"], "title": "Body_login",
        "properties": {"grant_type": {"type": "string", "pattern": "password", "title": "Grant Type"},
          "username": {"type": "string", "title": "Username"}, "password": {"type": "string", "title": "Password"},
          "scope": {"type": "string", "default": "", "title": "Scope"}}},
      "Token": {"type": "object", "required": ["access_token", "token_type"], "title": "Token",
        "properties": {"access_token": {"type": "string"}, "refresh_token": {"type": "string"}, "token_type": {"type": "string"}}},
      "RefreshIn": {"type": "object", "required": ["refresh_token"], "title": "RefreshIn", "properties": {"refresh_token": {"type": "string"}}},
      "Role": {"type": "string", "enum": ["user", "admin"], "title": "Role"},
      "UserOut": {"type": "object", "required": ["id", "username", "role"], "title": "UserOut",
        "properties": {"id": {"type": "integer", "readOnly": true}, "username": {"type": "string"}, "email": {"type": "string", "format": "email"},
          "full_name": {"anyOf": [{"type": "string"}, {"type": "null"}]}, "role": {"$ref": "#/components/schemas/Role", "readOnly": true}}},
      "UserUpdate": {"type": "object", "title": "UserUpdate", "properties": {"full_name": {"type": "string", "maxLength": 100}}},
      "Item": {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "price": {"type": "number"}}},
      "OrderIn": {"type": "object", "required": ["item_ids"], "title": "OrderIn",
        "properties": {"item_ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 10}, "note": {"type": "string", "maxLength": 200}}},
      "OrderOut": {"type": "object", "required": ["id", "owner", "item_ids"], "title": "OrderOut",
        "properties": {"id": {"type": "integer"}, "owner": {"type": "string"}, "item_ids": {"type": "array", "items": {"type": "integer"}}, "note": {"type": "string"}}},
      "Settings": {"type": "object", "properties": {"smtp_host": {"type": "string"}, "smtp_password": {"type": "string"}, "signup_open": {"type": "boolean"}}},
      "ValidationError": {"type": "object", "required": ["loc", "msg", "type"], "title": "ValidationError",
        "properties": {"loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}, "msg": {"type": "string"}, "type": {"type": "string"}}},
      "HTTPValidationError": {"type": "object", "title": "HTTPValidationError",
        "properties": {"detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}}}
    },
    "securitySchemes": {"OAuth2PasswordBearer": {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "token"}}}}
  }
}`
