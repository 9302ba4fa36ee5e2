// Package ops serves the operations endpoints on a private listener.
package ops

import (
	"expvar"
	"net/http"
)

// Mux returns the operations mux.
func Mux() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("GET /debug/vars", expvar.Handler())
	m.HandleFunc("GET /metrics", metrics)
	return m
}

func metrics(w http.ResponseWriter, r *http.Request) {}
