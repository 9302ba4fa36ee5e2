// Package chi is a minimal stand-in for github.com/go-chi/chi/v5: only the
// functions the SAST fixtures use.
package chi

import "net/http"

// URLParam returns a path parameter of r.
func URLParam(r *http.Request, key string) string { return "" }

// Mux is a router.
type Mux struct{}

// NewRouter returns a router.
func NewRouter() *Mux { return &Mux{} }

// Get registers a GET route.
func (m *Mux) Get(pattern string, h http.HandlerFunc) {}

// ServeHTTP serves a request.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {}
