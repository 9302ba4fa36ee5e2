package main

import "net/http"

// server holds its router in a field, as many services do.
type server struct {
	router *http.ServeMux
}

func newServer() *server {
	s := &server{router: http.NewServeMux()}
	s.routes()
	return s
}

func (s *server) routes() {
	s.router.HandleFunc("GET /app/status", s.handleStatus())
	s.router.Handle("POST /app/tokens", s.withJWT(s.handleTokens()))
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *server) handleStatus() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {}
}

func (s *server) handleTokens() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {}
}

func (s *server) withJWT(h http.Handler) http.Handler { return h }
