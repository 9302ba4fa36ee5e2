package sca

import (
	"context"
	"log/slog"
	"sync"
)

// captureHandler is the slog handler given to osv-scanner and osv-scalibr
// while escarp calls them: it keeps their error messages, which escarp turns
// into notes or errors, and drops everything else, so the libraries never
// write to the terminal themselves.
type captureHandler struct {
	mu     *sync.Mutex
	errors *[]string
}

func newCaptureHandler() *captureHandler {
	return &captureHandler{mu: &sync.Mutex{}, errors: new([]string)}
}

// Enabled reports whether level is kept: errors only.
func (h *captureHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelError
}

// Handle records the message of r.
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelError {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	const maxKept = 200
	if len(*h.errors) < maxKept {
		*h.errors = append(*h.errors, r.Message)
	}
	return nil
}

// WithAttrs returns h: attributes are not kept.
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }

// WithGroup returns h: groups are not kept.
func (h *captureHandler) WithGroup(string) slog.Handler { return h }

// messages returns the error messages recorded so far.
func (h *captureHandler) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), *h.errors...)
}
