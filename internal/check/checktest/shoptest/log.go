package shoptest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
)

// Logged wraps h so that every exchange is passed to logf (t.Logf), with
// the caller's token shortened: for debugging a check's test with -v.
func Logged(h http.Handler, logf func(format string, args ...any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		auth := r.Header.Get("Authorization")
		if len(auth) > 20 {
			auth = auth[:20] + "..."
		}
		logf("%s %s [%s] %s -> %d %s", r.Method, r.URL.RequestURI(), auth, strings.TrimSpace(string(body)),
			rec.Code, strings.TrimSpace(rec.Body.String()))
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}
