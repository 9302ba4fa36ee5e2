package handlers

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"

	"example.com/fixedapi/internal/shell"
)

// User handles GET /users?name=.
func (a *API) User(w http.ResponseWriter, r *http.Request) {
	q := lookup{Name: r.URL.Query().Get("name")}
	u, err := a.Store.FindUser(q.Name)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	writeJSON(w, u)
}

// Ping handles POST /ping.
func (a *API) Ping(w http.ResponseWriter, r *http.Request) {
	host := r.FormValue("host")
	out, err := shell.Ping(r.Context(), host)
	if err != nil {
		http.Error(w, "ping failed", http.StatusBadGateway)
		return
	}
	writeJSON(w, string(out))
}

// Greet handles GET /greet/{name}.
func (a *API) Greet(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, "<h1>Hello %s</h1>", html.EscapeString(name))
}

// Login handles GET /login?next=.
func (a *API) Login(w http.ResponseWriter, r *http.Request) {
	next, ok := afterLogin[r.URL.Query().Get("next")]
	if !ok {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusFound)
}

// Avatar handles DELETE /avatar; the file name comes from a cookie.
func (a *API) Avatar(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("avatar")
	if err != nil {
		http.Error(w, "no avatar", http.StatusBadRequest)
		return
	}
	if err := a.Files.Remove(c.Value); err != nil {
		http.Error(w, "remove failed", http.StatusInternalServerError)
	}
}

// afterLogin are the pages a login may return to.
var afterLogin = map[string]string{"home": "/", "settings": "/settings", "billing": "/billing"}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, "encode failed", http.StatusInternalServerError)
	}
}
