package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs escarp serve until the test ends and returns its base
// URL (from the first stdout line) and its stderr.
func startServe(t *testing.T, store string) (string, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--store", "sqlite:" + store, "--workers", "0", "--no-scheduler"},
			strings.NewReader(""), pw, stderr)
		pw.Close()
	}()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v on shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down within 30s")
		}
	})
	select {
	case l, ok := <-line:
		if !ok {
			t.Fatalf("serve exited: %s", stderr)
		}
		u, found := strings.CutPrefix(l, "listening ")
		if !found || !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("first stdout line %q, want listening http://ADDR", l)
		}
		return u, stderr
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil
}

func TestServeCommand(t *testing.T) {
	t.Setenv("ESCARP_SERVE_ADMIN_TOKEN", "")
	store := filepath.Join(t.TempDir(), "serve.db")
	base, stderr := startServe(t, store)
	m := regexp.MustCompile(`admin token \(shown once; store it now\): (esc_[0-9a-f]+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no admin token on stderr: %s", stderr)
	}
	get := func(path, token string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/api/v1/me": 401, "/metrics": 401} {
		if got := get(path, ""); got != want {
			t.Errorf("anonymous GET %s: %d, want %d", path, got, want)
		}
	}
	if got := get("/api/v1/me", m[1]); got != 200 {
		t.Errorf("GET /api/v1/me with the printed token: %d", got)
	}
}

func TestServeBadFlags(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve", "--workers", "-1", "--store", "sqlite:" + filepath.Join(t.TempDir(), "x.db")},
		strings.NewReader(""), &out, &errb)
	if escarp.ExitCode(err) != 2 {
		t.Errorf("--workers -1: %v (exit %d), want exit 2", err, escarp.ExitCode(err))
	}
	err = run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--tls-cert", "c.pem", "--store", "sqlite:" + filepath.Join(t.TempDir(), "y.db")},
		strings.NewReader(""), &out, &errb)
	if escarp.ExitCode(err) != 2 || !strings.Contains(err.Error(), "go together") {
		t.Errorf("--tls-cert without --tls-key: %v", err)
	}
}
