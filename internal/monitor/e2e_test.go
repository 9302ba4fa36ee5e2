package monitor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/bus"
	"github.com/escarp/escarp/internal/bus/bustest"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/monitor"
	"github.com/escarp/escarp/internal/monitor/detect"
	"github.com/escarp/escarp/internal/monitor/detectors"
	"github.com/escarp/escarp/internal/monitor/ingest"
	"github.com/escarp/escarp/internal/monitor/proxy"
	"github.com/escarp/escarp/internal/monitor/sink"
	"github.com/escarp/escarp/internal/spec"
)

// call is one request of the traffic generator, at a virtual offset.
type call struct {
	at           time.Duration
	ip           string
	method, path string
	user         string // whose token to send ("" none)
	token        string // an explicit token
	body         string
	attack       string // the rule it should raise, "" for benign traffic
}

var vstart = time.Date(2026, 12, 8, 8, 0, 0, 0, time.UTC)

// e2eAttacks are the attacks the lab can be made to suffer, each with the
// rule it must raise. Exfiltration by volume is left out: the lab's
// responses are a few kilobytes (the detector tests cover it).
func e2eAttacks() []call {
	var out []call
	slot := func(i int) time.Duration { return 100*time.Minute + time.Duration(i)*3*time.Minute }
	add := func(c call) { out = append(out, c) }
	for i := range 60 { // BOLA scraping by a member
		add(call{at: slot(0) + time.Duration(i)*time.Second, ip: "127.0.0.2", method: "GET", path: fmt.Sprintf("/api/v2/boats/%d", 1000+i), user: "alice", attack: "ESC-MON-ENUM-001"})
	}
	for i := range 80 { // anonymous scraping
		add(call{at: slot(1) + time.Duration(i)*500*time.Millisecond, ip: "127.0.9.1", method: "GET", path: fmt.Sprintf("/api/v2/berths/%d", 100+i), attack: "ESC-MON-ENUM-002"})
	}
	for i := range 40 { // credential stuffing
		add(call{at: slot(2) + time.Duration(i)*time.Second, ip: "127.0.9.2", method: "POST", path: "/api/v2/auth/login",
			body: fmt.Sprintf(`{"username":"victim%d@example.com","password":"Winter2026!"}`, i), attack: "ESC-MON-CRED-001"})
	}
	for i := range 15 { // brute force on bob
		add(call{at: slot(3) + time.Duration(i)*4*time.Second, ip: "127.0.9.3", method: "POST", path: "/api/v2/auth/login",
			body: fmt.Sprintf(`{"username":"bob","password":"guess%d"}`, i), attack: "ESC-MON-CRED-002"})
	}
	for i := range 12 { // distributed brute force on carol
		add(call{at: slot(4) + time.Duration(i)*20*time.Second, ip: fmt.Sprintf("127.0.10.%d", i+1), method: "POST", path: "/api/v2/auth/login",
			body: fmt.Sprintf(`{"username":"carol","password":"guess%d"}`, i), attack: "ESC-MON-CRED-003"})
	}
	for i := range 40 { // slow brute force on admin, one guess every two minutes
		add(call{at: time.Duration(i)*2*time.Minute + 30*time.Second, ip: "127.0.9.4", method: "POST", path: "/api/v2/auth/login",
			body: fmt.Sprintf(`{"username":"admin","password":"slow%d"}`, i), attack: "ESC-MON-CRED-004"})
	}
	for i := range 30 { // user enumeration on password reset
		add(call{at: slot(5) + time.Duration(i)*time.Second, ip: "127.0.9.5", method: "POST", path: "/api/v2/auth/reset",
			body: fmt.Sprintf(`{"email":"who%d@example.com"}`, i), attack: "ESC-MON-USER-001"})
	}
	words := []string{"admin", "backup", "config", ".env", "wp-login.php", "phpinfo", ".git/config", "server-status", "actuator", "console"}
	for i := range 50 { // a scanner
		add(call{at: slot(6) + time.Duration(i)*200*time.Millisecond, ip: "127.0.9.6", method: "GET", path: fmt.Sprintf("/%s%d", words[i%10], i), attack: "ESC-MON-SCAN-001"})
	}
	for i := range 30 { // forced browsing by bob from rotating addresses
		add(call{at: slot(7) + time.Duration(i)*time.Second, ip: fmt.Sprintf("127.0.11.%d", i%5+1), method: "GET", path: fmt.Sprintf("/api/v2/internal/%d", i), user: "bob", attack: "ESC-MON-SCAN-002"})
	}
	for i := range 400 { // carol's token in a loop
		add(call{at: slot(9) + time.Duration(i)*140*time.Millisecond, ip: "127.0.0.4", method: "GET", path: "/api/v2/boats", user: "carol", attack: "ESC-MON-RATE-001"})
	}
	for i := range 700 { // a flood from 35 addresses, before the loop above inflates the API's baseline
		add(call{at: slot(8) + time.Duration(i)*40*time.Millisecond, ip: fmt.Sprintf("127.0.12.%d", i%35+1), method: "GET", path: "/api/v2/berths", attack: "ESC-MON-FLOOD-001"})
	}
	add(call{at: slot(10), ip: "127.0.0.2", method: "GET", path: "/api/v2/admin/users", user: "alice", attack: "ESC-MON-BFLA-001"})
	add(call{at: slot(11), ip: "127.0.0.3", method: "GET", path: "/debug/vars", user: "bob", attack: "ESC-MON-SHADOW-001"})
	add(call{at: slot(12), ip: "127.0.0.3", method: "GET", path: "/api/v2/bookings/export", user: "bob", attack: "ESC-MON-ZOMBIE-001"})
	return out
}

// e2eBenign is n requests of ordinary use by the four members and five
// anonymous visitors over 150 virtual minutes.
func e2eBenign(n int) []call {
	r := rand.New(rand.NewPCG(7, 8))
	users := []string{"admin", "alice", "bob", "carol"}
	ips := map[string]string{"admin": "127.0.0.5", "alice": "127.0.0.2", "bob": "127.0.0.3", "carol": "127.0.0.4"}
	var out []call
	for i := range n {
		at := time.Duration(i) * (150 * time.Minute / time.Duration(n))
		if r.IntN(5) == 0 { // an anonymous visitor
			ip := fmt.Sprintf("127.0.8.%d", r.IntN(5)+1)
			paths := []string{"/api/v2/berths", "/api/v2/berths/1", "/api/v2/berths/2", "/api/v2/reviews", "/api/v2/health"}
			out = append(out, call{at: at, ip: ip, method: "GET", path: paths[r.IntN(len(paths))]})
			continue
		}
		u := users[r.IntN(4)]
		c := call{at: at, ip: ips[u], method: "GET", user: u}
		switch x := r.IntN(100); {
		case u == "admin" && x < 15:
			c.path = "/api/v2/admin/users"
		case x < 30:
			c.path = "/api/v2/boats"
		case x < 50:
			c.path = fmt.Sprintf("/api/v2/boats/%d", slices.Index(users, u)*2+1+r.IntN(2))
		case x < 65:
			c.path = "/api/v2/bookings"
		case x < 80:
			c.path = "/api/v2/users/me"
		case x < 90:
			c.path = "/api/v2/berths"
		case x < 99:
			c.path = "/api/v2/notifications"
		default:
			c.method, c.path, c.user = "POST", "/api/v2/auth/login", ""
			c.body = fmt.Sprintf(`{"username":%q,"password":"typo"}`, u)
		}
		out = append(out, c)
	}
	return out
}

type tap struct {
	mu        sync.Mutex
	exchanges []proxy.Exchange
	events    []detect.Event
}

func TestLabBehindProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("the monitor's end-to-end test plays 20,000 requests: skipped in -short")
	}
	ctx := context.Background()
	l, err := lab.New(lab.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	labSrv := httptest.NewServer(l.Handler())
	defer labSrv.Close()
	api, _, err := spec.LoadBytes(ctx, "lab.yaml", lab.Spec(false), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}

	// The webhook receiver.
	var hookMu sync.Mutex
	hooks := map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var f escarp.Finding
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			t.Errorf("webhook: %v", err)
		}
		hookMu.Lock()
		hooks[f.Fingerprint]++
		hookMu.Unlock()
	}))
	defer hook.Close()
	wh, err := sink.NewWebhook(hook.URL, sink.StyleJSON, 256)
	if err != nil {
		t.Fatal(err)
	}

	var vnow atomic.Int64
	target, _ := url.Parse(labSrv.URL)
	p := proxy.New(proxy.Options{Target: target, Now: func() time.Time { return time.Unix(0, vnow.Load()) }})
	norm := monitor.NewNormalizer(api, nil)
	eng, err := detect.New(detectors.All(), detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	an := monitor.NewAnalyzer(ctx, eng, []monitor.Sink{wh}, nil)
	tp := &tap{}
	var processed atomic.Int64
	dctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Drain(dctx, func(x *proxy.Exchange) {
			e := norm.Event(&x.X, x.Meta)
			an.Process(&e)
			tp.mu.Lock()
			tp.exchanges = append(tp.exchanges, *x)
			tp.events = append(tp.events, e)
			tp.mu.Unlock()
			processed.Add(1)
		})
	}()
	psrv := httptest.NewServer(p)
	defer psrv.Close()

	// Members log in for real; their tokens ride on the generated calls.
	clients := map[string]*http.Client{}
	client := func(ip string) *http.Client {
		if c := clients[ip]; c != nil {
			return c
		}
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2}}
		clients[ip] = c
		return c
	}
	tokens := map[string]string{}
	for _, u := range lab.Users() {
		ip := map[string]string{"admin": "127.0.0.5", "alice": "127.0.0.2", "bob": "127.0.0.3", "carol": "127.0.0.4"}[u.Username]
		vnow.Store(vstart.UnixNano())
		resp, err := client(ip).Post(psrv.URL+"/api/v2/auth/login", "application/json",
			strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, u.Username, u.Password)))
		if err != nil {
			t.Fatal(err)
		}
		var lr struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&lr)
		resp.Body.Close()
		if lr.AccessToken == "" {
			t.Fatalf("login %s: %s", u.Username, resp.Status)
		}
		tokens[u.Username] = lr.AccessToken
	}

	attacks := e2eAttacks()
	benign := e2eBenign(10 * len(attacks))
	calls := append(append([]call{}, benign...), attacks...)
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].at < calls[j].at })
	attackOf := map[string]string{} // "METHOD path ip at" → rule
	started := time.Now()
	for _, c := range calls {
		vnow.Store(vstart.Add(c.at).UnixNano())
		req, _ := http.NewRequest(c.method, psrv.URL+c.path, strings.NewReader(c.body))
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tok := cmpOr(c.token, tokens[c.user]); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client(c.ip).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if c.attack != "" {
			attackOf[vstart.Add(c.at).Format(time.RFC3339Nano)+" "+c.ip] = c.attack
		}
	}
	elapsed := time.Since(started)
	for deadline := time.Now().Add(20 * time.Second); processed.Load() < p.Stats().Events && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	if err := wh.Close(); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	t.Logf("%d calls (%d benign, %d attack) in %v through the proxy; %+v", len(calls), len(benign), len(attacks), elapsed, st)
	if st.Dropped > 0 {
		t.Fatalf("%d exchanges dropped", st.Dropped)
	}

	// Every attack raised its alert; no subject was alerted twice for one
	// rule (cool-downs). An attack may raise more than its own rule (a
	// scraper walking ids that do not exist is also probing); the benign
	// traffic alone raising nothing is checked below.
	findings := an.Findings()
	got := map[string]int{}
	seen := map[string]bool{}
	for _, f := range findings {
		got[f.RuleID]++
		k := f.RuleID + " " + f.Properties["keyspace"] + " " + f.Properties["key"]
		if seen[k] {
			t.Errorf("alert %s raised twice", k)
		}
		seen[k] = true
	}
	for _, c := range attacks {
		if got[c.attack] == 0 {
			t.Errorf("%s was not raised", c.attack)
			got[c.attack] = -1
		}
	}
	t.Logf("alerts: %v", got)
	// The webhook received each alert once.
	if len(hooks) != len(findings) {
		t.Errorf("webhook received %d distinct alerts, want %d", len(hooks), len(findings))
	}
	for fp, n := range hooks {
		if n != 1 {
			t.Errorf("webhook received %s %d times", fp, n)
		}
	}

	// The benign traffic alone raises nothing.
	var benignEvents []detect.Event
	for _, e := range tp.events {
		if attackOf[e.Time.Format(time.RFC3339Nano)+" "+e.ClientIP] == "" {
			benignEvents = append(benignEvents, e)
		}
	}
	if b := replay(t, benignEvents); len(b) > 0 {
		t.Errorf("benign traffic alone raised %v", b)
	}
	ref := alertKeys(findings)

	// The same traffic as an NGINX JSON log and as a HAR, through ingest.
	var nginx, har bytes.Buffer
	var recs []ingest.Record
	for _, x := range tp.exchanges {
		recs = append(recs, ingest.Record{X: x.X, Meta: x.Meta})
		writeNginxJSON(&nginx, x)
	}
	if err := ingest.WriteHAR(&har, recs, false); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]*bytes.Buffer{"nginx-json": &nginx, "har": &har} {
		n2 := monitor.NewNormalizer(api, nil)
		var evs []detect.Event
		_, err := ingest.Read(bytes.NewReader(data.Bytes()), name, "", func(r *ingest.Record) error {
			evs = append(evs, n2.Event(&r.X, r.Meta))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if g := replay(t, evs); strings.Join(g, "\n") != strings.Join(ref, "\n") {
			t.Errorf("%s through ingest raised\n%s\nthe proxy raised\n%s", name, strings.Join(g, "\n"), strings.Join(ref, "\n"))
		}
	}

	// Two analyzers on one embedded NATS stream raise the alerts one does.
	srv := bustest.NewServer(t)
	b := srv.Open(t, bus.Options{Partitions: 8})
	for i := range tp.events {
		if err := monitor.Publish(ctx, b, &tp.events[i]); err != nil {
			t.Fatal(err)
		}
	}
	var two []escarp.Finding
	var twoMu sync.Mutex
	var wg sync.WaitGroup
	for i := range 2 {
		parts, _ := monitor.Partitions(8, i, 2)
		eng2, _ := detect.New(detectors.All(), detect.Options{})
		an2 := monitor.NewAnalyzer(ctx, eng2, nil, nil)
		conn := srv.Open(t, bus.Options{Partitions: 8})
		wg.Go(func() {
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() {
				// Stop once this analyzer's share is consumed (it goes idle).
				last, idle := int64(-1), 0
				for idle < 10 {
					time.Sleep(200 * time.Millisecond)
					if n := an2.Engine().Events(); n == last && n > 0 {
						idle++
					} else {
						last, idle = n, 0
					}
				}
				cancel()
			}()
			if err := monitor.Consume(cctx, conn, fmt.Sprintf("e2e-%d", i), parts, an2); err != nil {
				t.Error(err)
			}
			twoMu.Lock()
			two = append(two, an2.Findings()...)
			twoMu.Unlock()
		})
	}
	wg.Wait()
	if g := alertKeys(two); strings.Join(g, "\n") != strings.Join(ref, "\n") {
		t.Errorf("two analyzers on NATS raised\n%s\none raised\n%s", strings.Join(g, "\n"), strings.Join(ref, "\n"))
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func replay(t *testing.T, evs []detect.Event) []string {
	eng, err := detect.New(detectors.All(), detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	an := monitor.NewAnalyzer(context.Background(), eng, nil, nil)
	for i := range evs {
		an.Process(&evs[i])
	}
	return alertKeys(an.Findings())
}

func alertKeys(fs []escarp.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID+" "+f.Properties["keyspace"]+" "+f.Properties["key"])
	}
	sort.Strings(out)
	return out
}

// writeNginxJSON writes x as escarp's NGINX log_format would have.
func writeNginxJSON(w io.Writer, x proxy.Exchange) {
	u, _ := url.Parse(x.X.URL)
	rec := map[string]any{"time": x.X.Time, "remote_addr": x.X.ClientIP, "remote_user": "", "request_method": x.X.Method,
		"request_uri": u.RequestURI(), "host": u.Host, "status": x.X.Status, "body_bytes_sent": x.Meta.RespBytes,
		"request_length": x.Meta.ReqBytes, "http_authorization": http.Header(x.X.RequestHeader).Get("Authorization"),
		"request_body": x.X.RequestBody}
	b, _ := json.Marshal(rec)
	w.Write(append(b, '\n'))
}
