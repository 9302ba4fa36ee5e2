package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Body limits: the twin refuses bodies above maxBody (413); the vulnerable
// lab accepts up to vulnMaxBody, which is large but still bounded.
const (
	maxBody     = 64 << 10
	maxReview   = 16 << 10
	vulnMaxBody = 32 << 20
)

// apiError is the lab's JSON error body.
type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":"internal","message":"could not encode the response"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, status int, code, format string, args ...any) {
	writeJSON(w, status, apiError{Error: code, Message: fmt.Sprintf(format, args...)})
}

// readJSON decodes the request body into v. It writes the error response
// itself and reports false when the body is too large or malformed.
func (l *Lab) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	return l.readJSONMax(w, r, v, maxBody)
}

// readJSONMax is readJSON with the twin's body limit given.
func (l *Lab) readJSONMax(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	if !l.secure {
		limit = vulnMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "request body exceeds %d bytes", limit)
		return false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "could not read the body")
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		if l.secure {
			writeError(w, http.StatusBadRequest, "bad_request", "the body is not valid JSON for this operation")
		} else {
			writeError(w, http.StatusBadRequest, "bad_request", "json: %v (body: %.200q)", err, body)
		}
		return false
	}
	return true
}

// dbError answers a database failure: verbosely (the query and the driver
// message) in the vulnerable lab, generically in the twin.
func (l *Lab) dbError(w http.ResponseWriter, err error, query string) {
	if l.secure {
		writeError(w, http.StatusInternalServerError, "internal", "something went wrong")
		return
	}
	writeJSON(w, http.StatusInternalServerError, map[string]string{
		"error": "database_error", "message": err.Error(), "query": query, "engine": "SQLite 3 (modernc.org/sqlite)"})
}

// clientKey identifies the calling client by its address.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter holds token buckets per key, bounded in number.
type limiter struct {
	mu      sync.Mutex
	rate    rate.Limit
	burst   int
	buckets map[string]*rate.Limiter
	fails   map[string][]time.Time
}

func newLimiter(r float64, burst int) *limiter {
	return &limiter{rate: rate.Limit(r), burst: burst, buckets: map[string]*rate.Limiter{}, fails: map[string][]time.Time{}}
}

const maxKeys = 10000

// allow takes a token from key's bucket, created with r per second and
// burst b when new (r == 0: the limiter's defaults).
func (lm *limiter) allow(key string, r rate.Limit, b int) bool {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	lim, ok := lm.buckets[key]
	if !ok {
		if len(lm.buckets) >= maxKeys {
			clear(lm.buckets)
		}
		if r == 0 {
			r, b = lm.rate, lm.burst
		}
		lim = rate.NewLimiter(r, b)
		lm.buckets[key] = lim
	}
	return lim.Allow()
}

// failures returns how many failures key had within window, after
// recording one more when add is set.
func (lm *limiter) failures(key string, now time.Time, window time.Duration, add bool) int {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	var kept []time.Time
	for _, t := range lm.fails[key] {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	if add {
		if len(lm.fails) >= maxKeys {
			clear(lm.fails)
		}
		kept = append(kept, now)
	}
	lm.fails[key] = kept
	return len(kept)
}

func tooMany(w http.ResponseWriter, retry int) {
	w.Header().Set("Retry-After", strconv.Itoa(retry))
	writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests, retry in %d s", retry)
}

// statusRecorder captures the status an inner handler wrote, so the
// unmatched-route answers of http.ServeMux can be turned into JSON.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }

// wrap adds what every response gets: headers, CORS, TRACE, recovery and
// JSON answers for unknown routes.
func (l *Lab) wrap(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if l.secure {
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Cache-Control", "no-store")
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			h.Set("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
			h.Set("Cross-Origin-Resource-Policy", "same-origin")
			if !l.limits.allow("client:"+clientKey(r), 0, 0) {
				tooMany(w, 1)
				return
			}
			if r.Method == http.MethodTrace || r.Method == "TRACK" {
				h.Set("Allow", "GET, POST, PUT, PATCH, DELETE")
				writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed", r.Method)
				return
			}
		} else {
			h.Set("Server", "Quayside/2.4.1 (Go1.26; SQLite 3.51)")
			h.Set("X-Powered-By", "Go net/http; escarp-lab 2.4.1")
			if origin := r.Header.Get("Origin"); origin != "" {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Credentials", "true")
				h.Set("Vary", "Origin")
				if r.Method == http.MethodOptions {
					h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
					h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
			if r.Method == http.MethodTrace {
				var buf bytes.Buffer
				r.Write(&buf)
				h.Set("Content-Type", "message/http")
				w.Write(buf.Bytes())
				return
			}
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				if l.secure {
					writeError(w, http.StatusInternalServerError, "internal", "something went wrong")
					return
				}
				writeJSON(w, http.StatusInternalServerError, map[string]string{
					"error": "panic", "message": fmt.Sprint(v), "stack": string(debug.Stack())})
			}
		}()
		handler, pattern := mux.Handler(r)
		if pattern == "" {
			rec := &statusRecorder{header: http.Header{}, status: http.StatusOK}
			handler.ServeHTTP(rec, r)
			if allow := rec.header.Get("Allow"); allow != "" {
				h.Set("Allow", allow)
			}
			switch rec.status {
			case http.StatusMethodNotAllowed:
				writeError(w, rec.status, "method_not_allowed", "%s is not allowed on %s", r.Method, r.URL.Path)
			case http.StatusNotFound:
				writeError(w, rec.status, "not_found", "no route for %s %s: see GET / and /openapi.yaml", r.Method, r.URL.Path)
			default:
				writeError(w, rec.status, "bad_request", "%s", http.StatusText(rec.status))
			}
			return
		}
		mux.ServeHTTP(w, r)
	})
}
