// Command chiapi is the chi fixture.
package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/jwtauth/v5"
)

var tokenAuth = jwtauth.New("HS256", []byte("not-a-secret"), nil)

func main() {
	r := chi.NewRouter()
	r.Use(middleware.Logger)
	r.Get("/", index)
	r.Route("/articles", articleRoutes)
	r.Group(func(r chi.Router) {
		r.Use(requireSession)
		r.Get("/account", account)
	})
	r.Mount("/admin", adminRouter())
	r.Method(http.MethodPatch, "/settings", http.HandlerFunc(settings))
	r.Handle("/static/*", http.FileServer(http.Dir("static")))
	http.ListenAndServe(":3333", r)
}

func adminRouter() chi.Router {
	r := chi.NewRouter()
	r.Use(adminAuth)
	r.Get("/", adminIndex)
	r.Get("/users/{userID:[0-9]+}", adminUser)
	return r
}

func index(w http.ResponseWriter, r *http.Request)      {}
func account(w http.ResponseWriter, r *http.Request)    {}
func settings(w http.ResponseWriter, r *http.Request)   {}
func adminIndex(w http.ResponseWriter, r *http.Request) {}
func adminUser(w http.ResponseWriter, r *http.Request)  {}

func requireSession(next http.Handler) http.Handler { return next }
func adminAuth(next http.Handler) http.Handler      { return next }
