package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/bus/bustest"
)

var monitorSecret = []byte("monitor-cli-test-secret")

func monitorUpstream(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return monitorSecret, nil }, jwt.WithValidMethods([]string{"HS256"})); err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"id":1}`)
	}))
	t.Cleanup(s.Close)
	return s
}

// startEscarp runs escarp in the background and returns the first stdout
// line and a channel with its error.
func startEscarp(t *testing.T, args ...string) (string, <-chan error, *bytes.Buffer) {
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	errc := make(chan error, 1)
	go func() {
		err := run(context.Background(), args, strings.NewReader(""), pw, &stderr)
		pw.Close()
		errc <- err
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("escarp %v: %v\n%s", args, err, stderr.String())
	}
	go io.Copy(io.Discard, br)
	return strings.TrimSpace(line), errc, &stderr
}

func scrape(t *testing.T, base, sub string, n int) {
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub}).SignedString(monitorSecret)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.7")}}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	for i := range n {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/boats/%d", base, i), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func statusOf(t *testing.T, u, sub string) int {
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub}).SignedString(monitorSecret)
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestMonitorProxyCLI: escarp monitor proxy forwards, alerts, blocks the
// verified scraper, records the block and the alert in the store; escarp
// monitor blocks lists and lifts it.
func TestMonitorProxyCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the proxy for seconds: skipped in -short")
	}
	up := monitorUpstream(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "escarp.db")
	report := filepath.Join(dir, "alerts.json")
	first, errc, stderr := startEscarp(t, "monitor", "proxy", "--target", up.URL, "--listen", "127.0.0.1:0", "--block",
		"--store", db, "--duration", "4s", "-o", report, "--format", "json")
	base := strings.TrimPrefix(first, "listening ")
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line %q", first)
	}
	scrape(t, base, "mallory", 40)
	deadline := time.Now().Add(3 * time.Second)
	for statusOf(t, base+"/boats/1", "mallory") != http.StatusTooManyRequests {
		if time.Now().After(deadline) {
			t.Fatal("the scraper was never blocked")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := statusOf(t, base+"/boats/1", "alice"); got != 200 {
		t.Fatalf("another principal: %d", got)
	}
	if err := <-errc; err != nil {
		t.Fatalf("proxy: %v\n%s", err, stderr)
	}
	rep := readMonitorReport(t, report)
	if len(rep.Runs) != 1 || len(rep.Runs[0].Findings) == 0 || rep.Runs[0].Findings[0].RuleID != "ESC-MON-ENUM-001" {
		t.Fatalf("report %+v", rep.Runs)
	}
	if p := rep.Runs[0].Findings[0].Properties["principal"]; p != "jwt:mallory" {
		t.Fatalf("principal %q", p)
	}

	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"monitor", "blocks", "--store", db, "--format", "json"}, nil, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	if !strings.Contains(out.String(), `"subject": "jwt:mallory"`) || !strings.Contains(out.String(), `"state": "active"`) {
		t.Fatalf("blocks: %s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"monitor", "blocks", "lift", "jwt:mallory", "--store", db}, nil, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	out.Reset()
	run(context.Background(), []string{"monitor", "blocks", "--store", db}, nil, &out, &errb)
	if strings.Contains(out.String(), "jwt:mallory") {
		t.Fatalf("lifted block still listed as active: %s", out.String())
	}
	// The calls the proxy saw are in the inventory (traffic source).
	out.Reset()
	if err := run(context.Background(), []string{"inventory", "list", "--store", db}, nil, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	if !strings.Contains(out.String(), "/boats/{") {
		t.Fatalf("inventory after the proxy run:\n%s", out.String())
	}
}

// TestMonitorAnalyzeCLI: the proxy publishes to an embedded NATS server,
// two analyzers consume their partitions and between them raise the alert.
func TestMonitorAnalyzeCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("embedded NATS: skipped in -short")
	}
	srv := bustest.NewServer(t)
	up := monitorUpstream(t)
	dir := t.TempDir()
	first, errc, stderr := startEscarp(t, "monitor", "proxy", "--target", up.URL, "--listen", "127.0.0.1:0", "--bus", srv.URL,
		"--no-store", "--duration", "3s", "--format", "json")
	scrape(t, strings.TrimPrefix(first, "listening "), "mallory", 40)
	if err := <-errc; err != nil {
		t.Fatalf("proxy: %v\n%s", err, stderr)
	}
	total := 0
	for i := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("a%d.json", i))
		var o, e bytes.Buffer
		err := run(context.Background(), []string{"monitor", "analyze", "--bus", srv.URL, "--index", fmt.Sprint(i), "--of", "2",
			"--duration", "3s", "--no-store", "-o", out, "--format", "json"}, nil, &o, &e)
		if err != nil {
			t.Fatal(err, e.String())
		}
		for _, f := range readMonitorReport(t, out).Runs[0].Findings {
			if f.RuleID == "ESC-MON-ENUM-001" && f.Properties["principal"] == "jwt:mallory" {
				total++
			}
		}
	}
	if total != 1 {
		t.Fatalf("two analyzers raised the scraper's alert %d times, want once", total)
	}
}

func readMonitorReport(t *testing.T, path string) *escarp.Report {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"report", path, "--format", "json"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep escarp.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}
