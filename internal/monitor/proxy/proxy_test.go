package proxy_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/escarp/escarp/internal/monitor"
	"github.com/escarp/escarp/internal/monitor/detect"
	"github.com/escarp/escarp/internal/monitor/detectors"
	"github.com/escarp/escarp/internal/monitor/proxy"
)

var secret = []byte("test-secret-of-the-upstream")

// upstream verifies HS256 tokens and serves /boats/{id}.
func upstream(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boats/{id}", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return secret, nil }, jwt.WithValidMethods([]string{"HS256"})); err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"id":%q}`, r.PathValue("id"))
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func token(sub string) string {
	s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub}).SignedString(secret)
	return s
}

// forged is an unsigned token (alg none) claiming sub.
func forged(sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(fmt.Appendf(nil, `{"sub":%q}`, sub)) + "."
}

// clientFrom returns an HTTP client whose connections come from ip.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16}}
}

type rig struct {
	proxy     *proxy.Proxy
	url       string
	admin     string
	an        *monitor.Analyzer
	blocks    *monitor.Blocks
	processed atomic.Int64
}

func newRig(t *testing.T, blocking bool) *rig {
	up := upstream(t)
	target, _ := url.Parse(up.URL)
	r := &rig{}
	if blocking {
		r.blocks = monitor.NewBlocks(nil, time.Hour, http.StatusTooManyRequests)
	}
	r.proxy = proxy.New(proxy.Options{Target: target, Blocks: r.blocks})
	eng, err := detect.New(detectors.All(), detect.Options{NoCatalogue: true})
	if err != nil {
		t.Fatal(err)
	}
	var blocker monitor.Blocker
	if r.blocks != nil {
		blocker = r.blocks
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.an = monitor.NewAnalyzer(ctx, eng, nil, blocker)
	norm := monitor.NewNormalizer(nil, nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		r.proxy.Drain(ctx, func(x *proxy.Exchange) {
			e := norm.Event(&x.X, x.Meta)
			r.an.Process(&e)
			r.processed.Add(1)
		})
	})
	srv := httptest.NewServer(r.proxy)
	adm := httptest.NewServer(r.proxy.Admin())
	t.Cleanup(func() { srv.Close(); adm.Close(); cancel(); wg.Wait() })
	r.url, r.admin = srv.URL, adm.URL
	return r
}

func (r *rig) settle(t *testing.T) {
	deadline := time.Now().Add(10 * time.Second)
	for r.processed.Load() < r.proxy.Stats().Events && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

func get(t *testing.T, c *http.Client, u, tok string) int {
	req, _ := http.NewRequest("GET", u, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestForgedJWTCannotBlockAnother: an attacker scraping with an unsigned
// token claiming the victim's sub raises no alert on the victim and gets
// only its own address blocked; the victim keeps working.
func TestForgedJWTCannotBlockAnother(t *testing.T) {
	r := newRig(t, true)
	victim, attacker := clientFrom("127.0.0.3"), clientFrom("127.0.0.2")
	if got := get(t, victim, r.url+"/boats/1", token("victim")); got != 200 {
		t.Fatalf("victim: %d", got)
	}
	for i := range 60 {
		get(t, attacker, fmt.Sprintf("%s/boats/%d", r.url, 100+i), forged("victim"))
	}
	r.settle(t)
	for _, f := range r.an.Findings() {
		if f.Properties["principal"] == "jwt:victim" {
			t.Fatalf("a forged token raised %s on the victim", f.RuleID)
		}
	}
	for _, b := range r.blocks.List() {
		if b.Subject == "jwt:victim" {
			t.Fatalf("the victim was blocked: %+v", b)
		}
	}
	if got := get(t, victim, r.url+"/boats/1", token("victim")); got != 200 {
		t.Fatalf("victim after the attack: %d, want 200", got)
	}
	if got := get(t, attacker, r.url+"/boats/1", token("victim")); got != http.StatusTooManyRequests {
		t.Fatalf("attacker's address after the attack: %d, want 429 (ESC-MON-ENUM-002 blocks the client)", got)
	}
}

// TestBlockListLiftExpire: a verified scraper is blocked from any address,
// listed on the admin listener, lifted, blocked again and expires.
func TestBlockListLiftExpire(t *testing.T) {
	r := newRig(t, true)
	c := clientFrom("127.0.0.4")
	tok := token("mallory")
	for i := range 40 {
		get(t, c, fmt.Sprintf("%s/boats/%d", r.url, i), tok)
	}
	r.settle(t)
	if got := get(t, clientFrom("127.0.0.5"), r.url+"/boats/1", tok); got != http.StatusTooManyRequests {
		t.Fatalf("blocked principal from another address: %d, want 429", got)
	}
	// The proxied listener does not serve the monitor's endpoints.
	if got := get(t, http.DefaultClient, r.url+"/blocks", ""); got == 200 {
		t.Fatal("the proxied listener answered /blocks")
	}
	resp, err := http.Get(r.admin + "/blocks")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"subject":"jwt:mallory"`) || !strings.Contains(string(body), `"state":"active"`) {
		t.Fatalf("admin /blocks: %s", body)
	}
	req, _ := http.NewRequest("DELETE", r.admin+"/blocks/jwt:mallory", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("lift: %v %v", err, resp)
	}
	resp.Body.Close()
	if got := get(t, c, r.url+"/boats/1", tok); got != 200 {
		t.Fatalf("after lifting: %d, want 200", got)
	}
	// Expiry: a block past its TTL no longer applies.
	r.blocks.Block(&detect.Alert{Keyspace: detect.KeyPrincipal, Principal: "jwt:mallory"})
	if got := get(t, c, r.url+"/boats/1", tok); got != http.StatusTooManyRequests {
		t.Fatalf("re-blocked: %d", got)
	}
	r.blocks.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if got := get(t, c, r.url+"/boats/1", tok); got != 200 {
		t.Fatalf("after expiry: %d, want 200", got)
	}
	states := map[string]int{}
	for _, b := range r.blocks.List() {
		states[b.State(r.blocks.Now())]++
	}
	if states["lifted"] != 1 || states["expired"] != 1 {
		t.Fatalf("states %v, want one lifted and one expired", states)
	}
}

// TestLaggingAnalyzerNeverSlowsTraffic blocks analysis on purpose: every
// request still goes through at once and the overflow is counted.
func TestLaggingAnalyzerNeverSlowsTraffic(t *testing.T) {
	up := upstream(t)
	target, _ := url.Parse(up.URL)
	p := proxy.New(proxy.Options{Target: target, Queue: 50})
	stuck := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Drain(ctx, func(*proxy.Exchange) { <-stuck })
	}()
	srv := httptest.NewServer(p)
	defer func() { srv.Close(); close(stuck); cancel(); <-done }()
	c := clientFrom("127.0.0.1")
	tok := token("alice")
	var lat []time.Duration
	const n = 500
	for i := range n {
		t0 := time.Now()
		if got := get(t, c, fmt.Sprintf("%s/boats/%d", srv.URL, i), tok); got != 200 {
			t.Fatalf("request %d: %d", i, got)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	st := p.Stats()
	if st.Dropped < n-51 || st.Events > 51 {
		t.Fatalf("stats %+v: want about %d dropped", st, n-51)
	}
	if p99 := lat[n*99/100]; p99 > 250*time.Millisecond {
		t.Fatalf("p99 %v with a stuck analyzer", p99)
	}
	resp, err := http.Get(httptest.NewServer(p.Admin()).URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if st.Unbodied != 0 {
		t.Errorf("%d exchanges lost their bodies under the default byte bound", st.Unbodied)
	}
	if !strings.Contains(string(body), fmt.Sprintf("escarp_monitor_dropped_total %d", st.Dropped)) {
		t.Fatalf("metrics do not report the drops:\n%s", body)
	}
}

// TestQueueByteBound: when queued bodies reach MaxQueueBytes, exchanges are
// still queued, without their bodies, and counted.
func TestQueueByteBound(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 4096)))
	}))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	p := proxy.New(proxy.Options{Target: target, Queue: 100, MaxQueueBytes: 10 << 10})
	srv := httptest.NewServer(p)
	defer srv.Close()
	for range 10 {
		get(t, http.DefaultClient, srv.URL+"/big", "")
	}
	st := p.Stats()
	if st.Events != 10 || st.Unbodied != 8 || st.Dropped != 0 {
		t.Fatalf("stats %+v: want 10 queued, 8 without bodies", st)
	}
	var bodies int
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Drain(ctx, func(x *proxy.Exchange) {
		if x.X.ResponseBody != "" {
			bodies++
		}
	})
	if bodies != 2 {
		t.Fatalf("%d exchanges kept their bodies, want 2", bodies)
	}
}
