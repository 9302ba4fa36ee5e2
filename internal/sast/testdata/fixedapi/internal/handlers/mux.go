package handlers

import (
	"html/template"
	"net/http"

	"github.com/gorilla/mux"

	"example.com/fixedapi/internal/shell"
)

var page = template.Must(template.New("p").Parse(`<p>{{.}}</p>`))

// History handles GET /history/{ref} (gorilla/mux).
func (a *API) History(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	out, err := shell.Log(vars["ref"])
	if err != nil {
		http.Error(w, "log failed", http.StatusInternalServerError)
		return
	}
	writeJSON(w, string(out))
}

// Banner handles GET /banner/{text} (gorilla/mux).
func (a *API) Banner(w http.ResponseWriter, r *http.Request) {
	text := mux.Vars(r)["text"]
	if err := page.Execute(w, text); err != nil {
		http.Error(w, "render failed", http.StatusInternalServerError)
	}
}
