package check

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

func TestCurlRedactsAndClips(t *testing.T) {
	op := &escarp.Operation{Method: "POST", Path: "/users/{id}"}
	req := &Request{Method: "POST", Path: "/users/7", Identity: "alice", Op: op,
		Body: []byte(`{"name":"x","password":"hunter2"}`)}
	resp := &Response{Status: 200, URL: "http://127.0.0.1:8080/users/7?api_key=s3cret", Request: req, Duration: time.Millisecond,
		Sent: http.Header{"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig"}, "Cookie": {"sid=abc"}}}
	got := Curl(resp)
	for _, leak := range []string{"hunter2", "s3cret", "eyJhbGciOiJIUzI1NiJ9", "sid=abc"} {
		if strings.Contains(got, leak) {
			t.Errorf("reproducer leaks %q: %s", leak, got)
		}
	}
	for _, want := range []string{"$ALICE_TOKEN", "$ALICE_API_KEY", "$ALICE_SID", "-X POST"} {
		if !strings.Contains(got, want) {
			t.Errorf("reproducer lacks %q: %s", want, got)
		}
	}
	req.Body = []byte(strings.Repeat("A", 3<<20))
	start := time.Now()
	big := Curl(resp)
	if len(big) > 1024 || !strings.Contains(big, "3145728 bytes") {
		t.Errorf("an oversized body is pasted into the reproducer (%d bytes)", len(big))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Curl took %s on a large body", d)
	}
	f := NewFinding(Info{ID: "ESC-DAST-X-001", Title: "t", Severity: escarp.SeverityHigh}, resp, "m")
	if f.Location.Method != "POST" || f.Location.Path != "/users/{id}" || f.Evidence == nil || len(f.Evidence.Request.Body) > maxEvidenceBody {
		t.Errorf("finding = %+v", f.Location)
	}
}
