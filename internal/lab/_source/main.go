// Command quayside is an excerpt of the Quayside Marina API's source, with
// the flaws escarp code finds planted in it (see escarp demo).
package main

import (
	"database/sql"
	"io"
	"net/http"
	"os/exec"

	"example.com/quayside/store"
)

type server struct{ db *sql.DB }

// searchBoats passes the name filter to the store, which pastes it into SQL.
func (s *server) searchBoats(w http.ResponseWriter, r *http.Request) {
	boats, err := store.SearchBoats(s.db, r.URL.Query().Get("name"))
	if err != nil {
		http.Error(w, "search failed", http.StatusInternalServerError)
		return
	}
	_, _ = io.WriteString(w, boats)
}

// ping runs the shell with the host from the request.
func (s *server) ping(w http.ResponseWriter, r *http.Request) {
	out, err := exec.Command("sh", "-c", "ping -c 1 "+r.FormValue("host")).CombinedOutput()
	if err != nil {
		http.Error(w, "ping failed", http.StatusBadGateway)
		return
	}
	_, _ = w.Write(out)
}

// preview fetches whatever URL the caller names, from inside the network.
func (s *server) preview(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get(r.URL.Query().Get("url"))
	if err != nil {
		http.Error(w, "fetch failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(w, io.LimitReader(resp.Body, 1<<20))
}

func main() {
	s := &server{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/boats/search", s.searchBoats)
	mux.HandleFunc("POST /api/tools/ping", s.ping)
	mux.HandleFunc("GET /api/tools/preview", s.preview)
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux, ReadHeaderTimeout: 5e9}
	_ = srv.ListenAndServe()
}
