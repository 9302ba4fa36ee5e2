package lab

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/escarp/escarp"
)

// Options configure one lab instance.
type Options struct {
	// Secure selects the hardened twin: every flaw fixed, legitimate
	// behaviour unchanged.
	Secure bool
	// Dir is where the instance's temporary directory (database, documents)
	// is created; empty means os.TempDir().
	Dir string
	// RequestRate and RequestBurst bound each client's request rate in the
	// twin (default 50 per second with a burst of 40).
	RequestRate  float64
	RequestBurst int
}

// Lab is one running instance with its own database. It is safe for
// concurrent use.
type Lab struct {
	secure  bool
	dir     string
	docs    string
	db      *sql.DB
	secret  []byte
	closing chan struct{}
	once    sync.Once
	handler http.Handler
	limits  *limiter
	now     func() time.Time
}

// weakSecret is the vulnerable lab's HMAC key (flaw authn-weak-secret).
const weakSecret = "secret"

// New creates a lab instance with a fresh, seeded database in a temporary
// directory. Close removes it.
func New(opts Options) (*Lab, error) {
	dir, err := os.MkdirTemp(opts.Dir, "escarp-lab-")
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	l := &Lab{secure: opts.Secure, dir: dir, closing: make(chan struct{}), now: time.Now}
	if l.docs, err = writeDocs(dir); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("lab: %w", err)
	}
	if l.db, err = openDB(dir, l.closing); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("lab: %w", err)
	}
	if opts.Secure {
		l.secret = make([]byte, 32)
		rand.Read(l.secret)
	} else {
		l.secret = []byte(weakSecret)
	}
	rate, burst := opts.RequestRate, opts.RequestBurst
	if rate <= 0 {
		rate = 50
	}
	if burst <= 0 {
		burst = 40
	}
	l.limits = newLimiter(rate, burst)
	l.handler = l.routes()
	return l, nil
}

// Secure reports whether l is the hardened twin.
func (l *Lab) Secure() bool { return l.secure }

// Handler returns the lab's HTTP handler.
func (l *Lab) Handler() http.Handler { return l.handler }

// Close stops pending sleeps, closes the database and removes the
// instance's directory.
func (l *Lab) Close() error {
	var err error
	l.once.Do(func() {
		close(l.closing)
		err = l.db.Close()
		if rerr := os.RemoveAll(l.dir); err == nil {
			err = rerr
		}
	})
	return err
}

// CheckAddr refuses any listen address that is not loopback: the lab runs
// shell commands and fetches URLs on request. "localhost" is accepted and
// means 127.0.0.1.
func CheckAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", &escarp.Error{Op: "lab", Kind: escarp.Invalid, Message: fmt.Sprintf("--addr %q: %v", addr, err)}
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", &escarp.Error{Op: "lab", Kind: escarp.Invalid,
			Message: fmt.Sprintf("--addr %q: the lab binds to loopback only (127.0.0.1 or ::1): it has real command injection and SSRF", addr)}
	}
	return net.JoinHostPort(host, port), nil
}

// Serve runs a lab on addr (loopback only) until ctx is done. ready, when
// not nil, is called with the base URL once the listener is open.
func Serve(ctx context.Context, addr string, opts Options, ready func(baseURL string)) error {
	addr, err := CheckAddr(addr)
	if err != nil {
		return err
	}
	l, err := New(opts)
	if err != nil {
		return escarp.Errorf(escarp.Internal, "%v", err)
	}
	defer l.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &escarp.Error{Op: "lab", Kind: escarp.Unavailable, Message: fmt.Sprintf("listen on %s", addr), Err: err}
	}
	srv := &http.Server{
		Handler:           l.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	if ready != nil {
		ready("http://" + ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return &escarp.Error{Op: "lab", Kind: escarp.Unavailable, Message: "serve", Err: err}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// ScanConfig returns an escarp.yaml that scans a lab running at baseURL:
// alice and bob log in through the login flow, admin is the privileged
// identity.
func ScanConfig(baseURL string, secure bool) []byte {
	baseURL = strings.TrimRight(baseURL, "/")
	mode := "vulnerable lab"
	if secure {
		mode = "secure twin"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# escarp scan configuration for the Quayside Marina %s.\n", mode)
	fmt.Fprintf(&b, "target: %s\nspec: %s/openapi.yaml\nidentities:\n", baseURL, baseURL)
	users := Users()
	for _, name := range []string{"alice", "bob", "admin"} {
		var u User
		for _, c := range users {
			if c.Username == name {
				u = c
			}
		}
		fmt.Fprintf(&b, "  - name: %s\n", u.Username)
		if u.Role == "admin" {
			b.WriteString("    privileged: true\n")
		}
		fmt.Fprintf(&b, "    login:\n      request: {method: POST, path: /api/v2/auth/login, json: {username: %s, password: %q}}\n", u.Username, u.Password)
		b.WriteString("      token: {json: /access_token}\n      header: Authorization\n      format: \"Bearer {token}\"\n")
	}
	return []byte(b.String())
}
