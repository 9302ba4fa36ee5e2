// Package server is escarp serve: the REST API under /api/v1 (described by
// its own OpenAPI 3.1 document), the server-rendered dashboard, the
// scheduler and the job workers, all on one store that several nodes may
// share.
//
// Security is on by default: every route but /healthz, /readyz, the login
// page and static assets needs an API token (stored hashed) or a dashboard
// session, and a role (viewer, editor, admin) checked by the one route
// table; forms carry CSRF tokens; responses carry strict security headers
// and a CSP; login and token endpoints are rate limited; changes are
// written to an audit log.
package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/escarp/escarp"
)

// Store is what the server needs of a store.
type Store interface {
	escarp.FindingStore
	escarp.InventoryStore
	escarp.ServeStore
	Ping(ctx context.Context) error
}

// Config configures a server.
type Config struct {
	Store Store
	// Runners are the job kinds this node can run, by kind (see Kinds).
	Runners map[string]Runner
	// Bus announces jobs to the workers of every node (--bus); nil polls
	// the store only.
	Bus Bus
	// Node names this process in leases and fires; default a random id.
	Node string
	// TLS says the listener serves HTTPS (cookies get Secure).
	TLS bool
	// Retention keeps the raw evidence of the last N runs per project;
	// 0 keeps everything.
	Retention int
	// Workers is how many jobs this node runs at once; 0 means 1, and a
	// negative value runs none (an API-only node).
	Workers int
	// NoScheduler disables the scheduler on this node.
	NoScheduler bool
	// LoginRate is the allowed login and token-creation attempts per
	// second per client address (burst 5); 0 means 1.
	LoginRate float64
	// APIRate is the allowed requests per second per client address on
	// authenticated routes (burst twice that); 0 means 200.
	APIRate float64
	// Lease is how long a claimed job is held without a heartbeat;
	// default 30s.
	Lease time.Duration
	// Poll is how often idle workers look for queued jobs; default 1s.
	Poll   time.Duration
	Logger *slog.Logger
}

// Server is one escarp serve node.
type Server struct {
	cfg    Config
	store  Store
	log    *slog.Logger
	mux    *http.ServeMux
	routes []Route
	limits *limiter
	// apiLimits bounds every authenticated route per client.
	apiLimits *limiter
	metrics   *metrics
	registry  *prometheus.Registry
	ready     atomic.Bool
	wake      chan struct{}
}

// New builds a server over cfg.Store.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, &escarp.Error{Op: "server.New", Kind: escarp.Invalid, Message: "no store"}
	}
	if cfg.Node == "" {
		cfg.Node = "node-" + randomHex(4)
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.APIRate <= 0 {
		cfg.APIRate = 200
	}
	if cfg.LoginRate <= 0 {
		cfg.LoginRate = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Logger, limits: newLimiter(cfg.LoginRate, 5), apiLimits: newLimiter(cfg.APIRate, int(2*cfg.APIRate)), wake: make(chan struct{}, 1)}
	s.registry = prometheus.NewRegistry()
	s.metrics = newMetrics(s.registry)
	s.routes = s.routeTable()
	mux, err := s.buildMux()
	if err != nil {
		return nil, err
	}
	s.mux = mux
	s.ready.Store(true)
	return s, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// MetricsHandler serves the metrics without authentication, for a
// separate --metrics-addr listener.
func (s *Server) MetricsHandler() http.Handler {
	return s.metricsHandler()
}

// Bootstrap makes sure the store has an admin token: when it has no token
// at all, it stores one for secret (generated when empty) and returns the
// secret, and "" otherwise.
func (s *Server) Bootstrap(ctx context.Context, secret string) (string, error) {
	n, err := s.store.CountTokens(ctx)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	if secret == "" {
		secret = NewTokenSecret()
	}
	if len(secret) < 16 {
		return "", &escarp.Error{Op: "server.Bootstrap", Kind: escarp.Invalid, Message: "ESCARP_SERVE_ADMIN_TOKEN must be at least 16 characters"}
	}
	t := &escarp.APIToken{Name: "admin", Role: escarp.RoleAdmin, Hash: HashToken(secret), CreatedBy: "bootstrap"}
	if err := s.store.PutToken(ctx, t); err != nil {
		return "", err
	}
	_ = s.store.PutAudit(ctx, &escarp.AuditEntry{Actor: "bootstrap", Action: "token.create", Object: t.ID, Detail: "admin"})
	return secret, nil
}

// Run serves on ln until ctx ends, running the scheduler and workers, then
// shuts down gracefully: the listener closes, requests in flight and
// running jobs get up to grace to finish.
func (s *Server) Run(ctx context.Context, ln net.Listener, tlsCert, tlsKey string, grace time.Duration) error {
	srv := &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Background(bg)
	}()
	errc := make(chan error, 1)
	go func() {
		var err error
		if tlsCert != "" {
			err = srv.ServeTLS(ln, tlsCert, tlsKey)
		} else {
			err = srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
		close(errc)
	}()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.ready.Store(false)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	stopBG()
	select {
	case <-done:
	case <-sctx.Done():
	}
	if serveErr != nil {
		return fmt.Errorf("serving: %w", serveErr)
	}
	if shutErr != nil && !errors.Is(shutErr, context.DeadlineExceeded) {
		return shutErr
	}
	return nil
}

// Background runs this node's scheduler and workers until ctx ends.
func (s *Server) Background(ctx context.Context) {
	done := make(chan struct{})
	n := 0
	if !s.cfg.NoScheduler {
		n++
		go func() { s.schedule(ctx); done <- struct{}{} }()
	}
	workers := s.cfg.Workers
	if workers == 0 {
		workers = 1
	}
	for i := 0; i < workers; i++ {
		n++
		go func() { s.work(ctx, fmt.Sprintf("%s/%d", s.cfg.Node, i)); done <- struct{}{} }()
	}
	for ; n > 0; n-- {
		<-done
	}
}

// NewTokenSecret returns a new random API token secret.
func NewTokenSecret() string { return "esc_" + randomHex(24) }

// HashToken is how token secrets are stored: SHA-256, hex. Secrets are
// 192 random bits, so a fast hash is enough.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// FileConfig is the serve: section of escarp.yaml.
type FileConfig struct {
	Listen      string `yaml:"listen"`
	MetricsAddr string `yaml:"metrics_addr"`
	TLSCert     string `yaml:"tls_cert"`
	TLSKey      string `yaml:"tls_key"`
	Workers     int    `yaml:"workers"`
	Retention   struct {
		// Runs is how many runs per project keep their raw evidence.
		Runs int `yaml:"runs"`
	} `yaml:"retention"`
}

// Kinds returns the job kinds this node runs.
func (s *Server) Kinds() []string { return s.runnableKinds() }
