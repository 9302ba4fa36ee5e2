package handlers

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// Download handles GET /files/{file} (chi).
func (a *API) Download(w http.ResponseWriter, r *http.Request) {
	b, err := a.Files.Read(chi.URLParam(r, "file"))
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	// Served as a download that browsers never render.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// Stream handles GET /stream/{file} (chi).
func (a *API) Stream(w http.ResponseWriter, r *http.Request) {
	f, err := a.Files.Open(chi.URLParam(r, "file"))
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	if _, err := io.Copy(w, f); err != nil {
		return
	}
}
