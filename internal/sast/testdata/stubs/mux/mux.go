// Package mux is a minimal stand-in for github.com/gorilla/mux: only the
// functions the SAST fixtures use.
package mux

import "net/http"

// Vars returns the path variables of r.
func Vars(r *http.Request) map[string]string { return nil }

// Router is a router.
type Router struct{}

// Route is a registered route.
type Route struct{}

// NewRouter returns a router.
func NewRouter() *Router { return &Router{} }

// HandleFunc registers a route.
func (r *Router) HandleFunc(path string, f func(http.ResponseWriter, *http.Request)) *Route {
	return &Route{}
}

// Methods restricts the route to methods.
func (r *Route) Methods(methods ...string) *Route { return r }
