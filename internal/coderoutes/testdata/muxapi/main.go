// Command muxapi is the gorilla/mux fixture.
package main

import (
	"net/http"

	"github.com/gorilla/mux"
)

func main() {
	r := mux.NewRouter()
	r.HandleFunc("/", home)
	r.HandleFunc("/products/{id:[0-9]+}", getProduct).Methods("GET")
	r.HandleFunc("/products", createProduct).Methods(http.MethodPost)
	api := r.PathPrefix("/api").Subrouter()
	api.Use(authMiddleware)
	api.HandleFunc("/orders", listOrders).
		Methods("GET", "HEAD")
	api.Path("/orders/{id}").Methods("DELETE").HandlerFunc(deleteOrder)
	s := r.Host("admin.example.com").Subrouter()
	s.HandleFunc("/dashboard", dashboard)
	r.PathPrefix("/static/").Handler(http.StripPrefix("/static/", http.FileServer(http.Dir("."))))
	http.ListenAndServe(":8000", r)
}

func home(w http.ResponseWriter, r *http.Request)          {}
func getProduct(w http.ResponseWriter, r *http.Request)    {}
func createProduct(w http.ResponseWriter, r *http.Request) {}
func listOrders(w http.ResponseWriter, r *http.Request)    {}
func deleteOrder(w http.ResponseWriter, r *http.Request)   {}
func dashboard(w http.ResponseWriter, r *http.Request)     {}

func authMiddleware(next http.Handler) http.Handler { return next }
