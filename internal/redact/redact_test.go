package redact

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestHeader(t *testing.T) {
	h := http.Header{
		"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"},
		"Cookie":        {"session=abc123; theme=dark"},
		"X-Api-Key":     {"k-123456"},
		"Accept":        {"application/json"},
	}
	got := Header(h)
	if got.Get("Authorization") != "Bearer REDACTED" {
		t.Errorf("Authorization = %q", got.Get("Authorization"))
	}
	if got.Get("Cookie") != "session=REDACTED; theme=REDACTED" {
		t.Errorf("Cookie = %q", got.Get("Cookie"))
	}
	if got.Get("X-Api-Key") != Mask {
		t.Errorf("X-Api-Key = %q", got.Get("X-Api-Key"))
	}
	if got.Get("Accept") != "application/json" {
		t.Errorf("Accept = %q, want unchanged", got.Get("Accept"))
	}
	if h.Get("X-Api-Key") != "k-123456" {
		t.Error("Header modified its input")
	}
}

func TestURL(t *testing.T) {
	u, _ := url.Parse("http://bob:hunter2@127.0.0.1/x?api_key=s3cret&page=2")
	got := URL(u)
	if strings.Contains(got, "hunter2") || strings.Contains(got, "s3cret") {
		t.Errorf("URL = %q, secrets left", got)
	}
	if !strings.Contains(got, "page=2") {
		t.Errorf("URL = %q, lost page=2", got)
	}
}

func TestBody(t *testing.T) {
	tests := []struct{ in, leak, keep string }{
		{`{"username":"bob","password":"hunter2"}`, "hunter2", `"username":"bob"`},
		{`{"access_token":"abc.def","token_type":"bearer"}`, "abc.def", `"token_type":"bearer"`},
		{`username=bob&password=hunter2`, "hunter2", "username=bob"},
		{`error: token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig rejected`, "eyJhbGciOiJIUzI1NiJ9", "rejected"},
		{`{"key":"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"}`, "MIIE", `"key"`},
	}
	for _, tt := range tests {
		got := Body(tt.in)
		if strings.Contains(got, tt.leak) {
			t.Errorf("Body(%q) = %q, leaks %q", tt.in, got, tt.leak)
		}
		if !strings.Contains(got, tt.keep) {
			t.Errorf("Body(%q) = %q, lost %q", tt.in, got, tt.keep)
		}
	}
}

func BenchmarkString(b *testing.B) {
	values := []string{"application/json", "Mozilla/5.0 (X11; Linux x86_64)", "key AKIAIOSFODNN7EXAMPLE here", "127.0.0.1:8080"}
	for i := 0; b.Loop(); i++ {
		_ = String(values[i%len(values)])
	}
}
