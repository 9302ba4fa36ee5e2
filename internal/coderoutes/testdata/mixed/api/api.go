package api

import "github.com/go-chi/chi/v5"

func New(base string) (chi.Router, error) {
	r := chi.NewRouter()
	r.Route(base, func(r chi.Router) { r.Get("/ok", ok) })
	return r, nil
}
func ok() {}
