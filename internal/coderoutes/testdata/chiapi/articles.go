package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/jwtauth/v5"
)

func articleRoutes(r chi.Router) {
	r.Get("/", listArticles)
	r.With(jwtauth.Verifier(tokenAuth), jwtauth.Authenticator(tokenAuth)).Post("/", createArticle)
	r.Route("/{articleID}", func(r chi.Router) {
		r.Get("/", getArticle)
		r.Put("/", updateArticle)
	})
}

func listArticles(w http.ResponseWriter, r *http.Request)  {}
func createArticle(w http.ResponseWriter, r *http.Request) {}
func getArticle(w http.ResponseWriter, r *http.Request)    {}
func updateArticle(w http.ResponseWriter, r *http.Request) {}
