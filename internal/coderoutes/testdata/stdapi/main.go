// Command stdapi is the net/http fixture (Go 1.22 patterns).
package main

import (
	"net/http"
	"os"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", getUser)
	mux.HandleFunc("POST /users", requireAuth(createUser))
	mux.Handle("GET api.example.com/files/{path...}", http.HandlerFunc(files))
	mux.HandleFunc("/{$}", index)
	mux.Handle("/v2/", http.StripPrefix("/v2", v2()))
	mux.HandleFunc("GET /reports/"+os.Getenv("REPORT"), report)
	http.HandleFunc("/legacy", legacy)
	s := newServer()
	mux.Handle("/app/", s)
	http.ListenAndServe(":8080", mux)
}

func v2() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("DELETE /users/{id}", deleteUser)
	return m
}

func requireAuth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { next(w, r) }
}

func getUser(w http.ResponseWriter, r *http.Request)    {}
func createUser(w http.ResponseWriter, r *http.Request) {}
func files(w http.ResponseWriter, r *http.Request)      {}
func index(w http.ResponseWriter, r *http.Request)      {}
func deleteUser(w http.ResponseWriter, r *http.Request) {}
func report(w http.ResponseWriter, r *http.Request)     {}
func legacy(w http.ResponseWriter, r *http.Request)     {}
