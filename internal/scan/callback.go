package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/check"
)

// Bounds of the callback listener's memory.
const (
	maxCallbackTokens = 10000
	maxHitsPerToken   = 50
)

// callbackServer is escarp's own listener that SSRF probes point at. A
// request to /<token>/anything is recorded as a hit for token.
type callbackServer struct {
	ln   net.Listener
	srv  *http.Server
	base string

	mu       sync.Mutex
	hits     map[string][]check.CallbackHit
	handlers map[string]http.Handler
}

var _ check.Callback = (*callbackServer)(nil)

// newCallback listens on addr (default a random loopback port). public,
// when set, is the URL the target uses to reach the listener.
func newCallback(addr, public string) (*callbackServer, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &escarp.Error{Op: "scan.callback", Kind: escarp.Invalid,
			Message: fmt.Sprintf("callback listener on %s", addr), Err: err}
	}
	c := &callbackServer{ln: ln, hits: map[string][]check.CallbackHit{}, handlers: map[string]http.Handler{}}
	c.base = "http://" + ln.Addr().String()
	if public != "" {
		u, err := url.Parse(public)
		if err != nil || u.Scheme == "" || u.Host == "" {
			ln.Close()
			return nil, escarp.Errorf(escarp.Invalid, "callback URL %q: must be an absolute http(s) URL", public)
		}
		c.base = strings.TrimRight(public, "/")
	}
	c.srv = &http.Server{
		Handler:           c,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	go func() {
		if err := c.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the scan reports missing hits; nothing else to do
		}
	}()
	return c, nil
}

func (c *callbackServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.srv.Shutdown(ctx)
}

// URL returns a URL on the listener carrying token.
func (c *callbackServer) URL(token string) string {
	return c.base + "/" + url.PathEscape(token)
}

// Hits returns the requests seen for token.
func (c *callbackServer) Hits(token string) []check.CallbackHit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]check.CallbackHit(nil), c.hits[token]...)
}

// Serve sets the handler answering requests for token; nil restores the
// default empty 200 response.
func (c *callbackServer) Serve(token string, h http.Handler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h == nil {
		delete(c.handlers, token)
		return
	}
	c.handlers[token] = h
}

// ServeHTTP records the hit and answers.
func (c *callbackServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if t, err := url.PathUnescape(token); err == nil {
		token = t
	}
	c.mu.Lock()
	if _, ok := c.hits[token]; ok || len(c.hits) < maxCallbackTokens {
		if len(c.hits[token]) < maxHitsPerToken {
			c.hits[token] = append(c.hits[token], check.CallbackHit{
				Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(),
				Remote: r.RemoteAddr, Time: time.Now(),
			})
		}
	}
	h := c.handlers[token]
	c.mu.Unlock()
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	w.WriteHeader(http.StatusOK)
}
