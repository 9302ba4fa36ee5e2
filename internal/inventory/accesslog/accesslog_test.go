package accesslog

import (
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

func TestRead(t *testing.T) {
	log := strings.Join([]string{
		`203.0.113.7 - - [27/Nov/2026:10:00:00 +0000] "GET /api/v2/users/17?fields=name HTTP/1.1" 200 512 "-" "curl/8.0"`,
		`10.0.0.5 - alice [27/Nov/2026:10:00:01 +0000] "POST /api/v2/orders HTTP/1.1" 201 64 "-" "app/1.0"`,
		`127.0.0.1 - - [27/Nov/2026:10:00:02 +0000] "GET /health HTTP/1.0" 200 2`,
		`this line is garbage`,
		`{"request":{"method":"DELETE","uri":"/api/v2/users/9","headers":{"authorization":"Bearer x"}},"response":{"status":204},"client_ip":"198.51.100.4","started_at":1795000000000,"route":{"paths":["/api/v2/users/{id}"]}}`,
		`{"method":"GET","path":"/api/v2/items/5","authority":"shop.local:8080","response_code":200,"start_time":"2026-11-27T10:00:03.5Z","downstream_remote_address":"192.0.2.1:5555"}`,
		`{"attributes":{"http.request.method":"PUT","url.path":"/api/v2/items/6","http.route":"/api/v2/items/{itemId}","http.response.status_code":200,"server.address":"shop.local"}}`,
	}, "\n")
	var got []*escarp.Exchange
	st, err := Read(strings.NewReader(log), "access.log", "shop.local", func(x *escarp.Exchange) error {
		got = append(got, x)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Parsed != 6 || st.Skipped != 1 || len(st.Warnings) != 1 || st.Warnings[0].Pos.Line != 4 {
		t.Fatalf("stats = %+v", st)
	}
	tests := []struct {
		method, url, route, client string
		status                     int
		auth                       bool
	}{
		{"GET", "http://shop.local/api/v2/users/17?fields=name", "", "203.0.113.7", 200, false},
		{"POST", "http://shop.local/api/v2/orders", "", "10.0.0.5", 201, true},
		{"GET", "http://shop.local/health", "", "127.0.0.1", 200, false},
		{"DELETE", "http://shop.local/api/v2/users/9", "/api/v2/users/{id}", "198.51.100.4", 204, true},
		{"GET", "http://shop.local:8080/api/v2/items/5", "", "192.0.2.1", 200, false},
		{"PUT", "http://shop.local/api/v2/items/6", "/api/v2/items/{itemId}", "", 200, false},
	}
	for i, tt := range tests {
		x := got[i]
		if x.Method != tt.method || x.URL != tt.url || x.Route != tt.route || x.ClientIP != tt.client || x.Status != tt.status {
			t.Errorf("line %d = %+v, want %+v", i, x, tt)
		}
		if _, auth := x.RequestHeader["Authorization"]; auth != tt.auth && !(tt.auth && x.RequestHeader["authorization"] != nil) {
			t.Errorf("line %d auth = %v, want %v", i, auth, tt.auth)
		}
	}
	if got[0].Time != "2026-11-27T10:00:00Z" {
		t.Errorf("time = %q", got[0].Time)
	}
}

func TestNotALog(t *testing.T) {
	_, err := Read(strings.NewReader("a\nb\nc\nd\ne\nf\n"), "notes.txt", "", func(*escarp.Exchange) error { return nil })
	if escarp.ExitCode(err) != 2 || !strings.Contains(err.Error(), "notes.txt:5") {
		t.Errorf("err = %v, want an input error at notes.txt:5", err)
	}
}

func TestDetect(t *testing.T) {
	if Detect(`1.2.3.4 - - [27/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"`) != FormatCombined {
		t.Error("combined not detected")
	}
	if Detect(`{"method":"GET","path":"/x","response_code":200}`) != FormatJSON {
		t.Error("json not detected")
	}
	if Detect(`{"openapi":"3.1.0"}`) != "" || Detect("hello") != "" {
		t.Error("false detection")
	}
}

func FuzzRead(f *testing.F) {
	f.Add(`203.0.113.7 - - [27/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "x"`)
	f.Add(`{"request":{"method":"GET","uri":"/x"},"response":{"status":200}}`)
	f.Add(`{"attributes":{"http.request.method":"GET","url.path":"/a","http.route":"/a"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = Read(strings.NewReader(s), "fuzz.log", "h", func(*escarp.Exchange) error { return nil })
	})
}
