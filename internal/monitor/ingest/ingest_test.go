package ingest_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/ingest"
)

const (
	combinedLine = `203.0.113.7 - alice [08/Dec/2026:10:00:01 +0000] "GET /api/v2/boats/42?x=1 HTTP/1.1" 200 512 "-" "curl/8.5.0"`
	nginxLine    = `{"time":"2026-12-08T10:00:01+00:00","remote_addr":"203.0.113.7","remote_user":"","request_method":"POST","request_uri":"/api/v2/auth/login","host":"api.example","status":401,"body_bytes_sent":27,"request_length":310,"request_time":0.004,"http_authorization":"","jwt_sub":"","request_body":"{\"username\":\"bob\",\"password\":\"x\"}"}`
	envoyLine    = `{"start_time":"2026-12-08T10:00:01.123Z","method":"GET","path":"/api/v2/boats/7","protocol":"HTTP/1.1","response_code":200,"bytes_received":0,"bytes_sent":2048,"duration":3,"downstream_remote_address":"198.51.100.4:51234","authority":"api.example","user_agent":"Go-http-client/1.1","authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2ln","route_name":"boats"}`
	kongLine     = `{"request":{"method":"GET","uri":"/api/v2/boats/7","url":"http://api.example:8000/api/v2/boats/7","size":120,"headers":{"host":"api.example","apikey":"k-123"}},"response":{"status":200,"size":900,"headers":{}},"route":{"paths":["/api/v2/boats/{boatId}"]},"consumer":{"username":"partner-a","id":"c1"},"client_ip":"192.0.2.9","started_at":1796724001000}`
)

func readAll(t *testing.T, data, format string) []ingest.Record {
	t.Helper()
	var out []ingest.Record
	_, err := ingest.Read(strings.NewReader(data), "test.log", format, func(r *ingest.Record) error {
		out = append(out, *r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFormatsDetectedAndRead(t *testing.T) {
	for _, c := range []struct {
		format, line, method, url, client, user, time string
		status                                        int
		resp                                          int64
	}{
		{ingest.Combined, combinedLine, "GET", "/api/v2/boats/42?x=1", "203.0.113.7", "alice", "2026-12-08T10:00:01Z", 200, 512},
		{ingest.NginxJSON, nginxLine, "POST", "http://api.example/api/v2/auth/login", "203.0.113.7", "", "2026-12-08T10:00:01Z", 401, 27},
		{ingest.Envoy, envoyLine, "GET", "http://api.example/api/v2/boats/7", "198.51.100.4", "", "2026-12-08T10:00:01.123Z", 200, 2048},
		{ingest.Kong, kongLine, "GET", "http://api.example:8000/api/v2/boats/7", "192.0.2.9", "partner-a", "2026-12-08T10:00:01Z", 200, 900},
	} {
		t.Run(c.format, func(t *testing.T) {
			if got := ingest.Detect([]byte(c.line + "\n")); got != c.format {
				t.Fatalf("detected %q", got)
			}
			recs := readAll(t, c.line+"\n"+c.line+"\n", "")
			if len(recs) != 2 {
				t.Fatalf("%d records", len(recs))
			}
			r := recs[0]
			if r.X.Method != c.method || r.X.URL != c.url || r.X.ClientIP != c.client || r.Meta.User != c.user ||
				r.X.Status != c.status || r.Meta.RespBytes != c.resp || r.X.Time != c.time {
				t.Fatalf("record %+v meta %+v", r.X, r.Meta)
			}
		})
	}
}

func TestHARRoundTrip(t *testing.T) {
	in := []ingest.Record{{X: escarp.Exchange{Method: "POST", URL: "http://api.example/api/v2/auth/login", ClientIP: "192.0.2.1",
		RequestHeader: map[string][]string{"Authorization": {"Bearer secret-token"}, "Content-Type": {"application/json"}},
		RequestBody:   `{"username":"bob","password":"hunter2"}`, Status: 401, Time: "2026-12-08T10:00:01Z",
		ResponseBody: `{"error":"bad credentials"}`}}}
	var raw, red bytes.Buffer
	if err := ingest.WriteHAR(&raw, in, false); err != nil {
		t.Fatal(err)
	}
	if got := ingest.Detect(raw.Bytes()); got != ingest.HAR {
		t.Fatalf("detected %q", got)
	}
	out := readAll(t, raw.String(), "")
	if len(out) != 1 || out[0].X.ClientIP != "192.0.2.1" || out[0].X.RequestHeader["Authorization"][0] != "Bearer secret-token" ||
		out[0].X.Time != in[0].X.Time || out[0].X.Status != 401 || !strings.Contains(out[0].X.RequestBody, "bob") {
		t.Fatalf("read back %+v", out)
	}
	if err := ingest.WriteHAR(&red, in, true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(red.String(), "secret-token") || strings.Contains(red.String(), "hunter2") {
		t.Fatalf("the redacted HAR holds a secret:\n%s", red.String())
	}
}

func TestBadInput(t *testing.T) {
	for _, data := range []string{"", "hello\nworld\n", strings.Repeat("not a log line\n", 10), `{"log": {"entries": [`} {
		_, err := ingest.Read(strings.NewReader(data), "bad.log", "", func(*ingest.Record) error { return nil })
		if escarp.KindOf(err) != escarp.Invalid || !strings.Contains(err.Error(), "bad.log") {
			t.Errorf("%q: error %v, want invalid naming the file", data, err)
		}
	}
	_, err := ingest.Read(strings.NewReader(combinedLine), "x", "apache", func(*ingest.Record) error { return nil })
	if escarp.KindOf(err) != escarp.Invalid {
		t.Errorf("unknown format: %v", err)
	}
	// A bad line among good ones is a warning with its line number.
	st, err := ingest.Read(strings.NewReader(combinedLine+"\ngarbage\n"+combinedLine+"\n"), "mixed.log", "", func(*ingest.Record) error { return nil })
	if err != nil || st.Records != 2 || st.Skipped != 1 || st.Warnings[0].Pos.Line != 2 {
		t.Fatalf("stats %+v, err %v", st, err)
	}
}

func TestFollowAcrossRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	if err := os.WriteFile(path, []byte(combinedLine+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := ingest.Follow(ctx, path, "", 20*time.Millisecond, func(r *ingest.Record) error {
			mu.Lock()
			got = append(got, r.X.URL)
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}()
	wait := func(n int) {
		for ctx.Err() == nil {
			mu.Lock()
			l := len(got)
			mu.Unlock()
			if l >= n {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %d lines, got %v", n, got)
	}
	wait(1)
	line := func(p string) string { return strings.Replace(combinedLine, "/api/v2/boats/42?x=1", p, 1) + "\n" }
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(line("/appended"))
	f.WriteString(line("/before-rotation")[:20]) // a partial line, finished after a pause
	time.Sleep(60 * time.Millisecond)
	f.WriteString(line("/before-rotation")[20:])
	f.Close()
	wait(3)
	// logrotate: rename, then a new file at the path.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	os.WriteFile(path, []byte(line("/after-rotation")), 0o644)
	wait(4)
	cancel()
	<-done
	want := []string{"/api/v2/boats/42?x=1", "/appended", "/before-rotation", "/after-rotation"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("followed %v, want %v", got, want)
	}
}
