package sink_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/sink"
)

func finding(i int) *escarp.Finding {
	return &escarp.Finding{RuleID: "ESC-MON-ENUM-001", Title: "Object enumeration by a principal", Kind: escarp.KindAnomaly,
		Severity: escarp.SeverityHigh, Message: "scraping as jwt:mallory with token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
		Fingerprint: strings.Repeat("0", 31) + string(rune('a'+i)), Properties: map[string]string{"principal": "jwt:mallory", "client": "127.0.0.2"}}
}

func TestWebhookRetriesAndDeliversOnce(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls%3 == 1 { // every third call fails: the sink must retry
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var f escarp.Finding
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &f); err != nil {
			t.Errorf("not one JSON finding: %s", body)
		}
		got[f.Fingerprint]++
	}))
	defer srv.Close()
	w, err := sink.NewWebhook(srv.URL, sink.StyleJSON, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := w.Send(context.Background(), finding(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("received %v, want 5 findings", got)
	}
	for fp, n := range got {
		if n != 1 {
			t.Errorf("finding %s received %d times", fp, n)
		}
	}
	if st := w.Stats(); st.Sent != 5 || st.Failed != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestWebhookBounded(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	w, _ := sink.NewWebhook(srv.URL, sink.StyleJSON, 2)
	dropped := 0
	start := time.Now()
	for i := range 10 {
		if w.Send(context.Background(), finding(i)) != nil {
			dropped++
		}
	}
	if time.Since(start) > time.Second || dropped < 7 {
		t.Fatalf("a stuck receiver: %d dropped in %v", dropped, time.Since(start))
	}
	close(release)
	w.Close()
}

func TestSlackPayload(t *testing.T) {
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&body)
	}))
	defer srv.Close()
	w, _ := sink.NewWebhook(srv.URL, sink.StyleSlack, 4)
	w.Send(context.Background(), finding(0))
	w.Close()
	text, _ := body["text"].(string)
	blocks, _ := body["blocks"].([]any)
	if !strings.Contains(text, "ESC-MON-ENUM-001") || len(blocks) != 2 {
		t.Fatalf("slack payload %v", body)
	}
	raw, _ := json.Marshal(body)
	if strings.Contains(string(raw), "c2lnbmF0dXJl") {
		t.Fatalf("the payload holds the token: %s", raw)
	}
}

func TestSyslogUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := sink.NewSyslog("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), finding(0)); err != nil {
		t.Fatal(err)
	}
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	msg := string(buf[:n])
	// <27> is daemon (3) * 8 + err (3): a high finding.
	if !strings.HasPrefix(msg, "<27>") || !strings.Contains(msg, "escarp-monitor") || !strings.Contains(msg, `ESC-MON-ENUM-001 severity=high`) ||
		!strings.Contains(msg, `principal="jwt:mallory"`) || strings.Contains(msg, "c2lnbmF0dXJl") {
		t.Fatalf("syslog message %q", msg)
	}
}
