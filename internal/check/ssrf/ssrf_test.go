package ssrf_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/check/ssrf"
)

const api = `
openapi: 3.0.3
info: {title: hooks, version: "1"}
paths:
  /avatar:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [url], properties: {url: {type: string, format: uri, example: "https://images.example.com/a.png"}}}
      responses: {"200": {description: ok}}
  /webhooks/test:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [callback], properties: {callback: {type: string}}}
      responses: {"200": {description: ok}}
  /notes:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {text: {type: string}}}
      responses: {"200": {description: ok}}
`

var client = &http.Client{Timeout: 2 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// internal refuses loopback, private and link-local hosts, as a safe
// fetcher does.
func internal(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return true
	}
	// No DNS in tests: only literal public addresses are fetched.
	ip := net.ParseIP(u.Hostname())
	return ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
}

func hooks(vulnerable bool) http.Handler {
	mux := http.NewServeMux()
	decode := func(r *http.Request) map[string]string {
		m := map[string]string{}
		json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&m)
		return m
	}
	// /avatar fetches blindly; /webhooks/test returns what it got.
	mux.HandleFunc("POST /avatar", func(w http.ResponseWriter, r *http.Request) {
		u := decode(r)["url"]
		if vulnerable || !internal(u) {
			if resp, err := client.Get(u); err == nil {
				resp.Body.Close()
			}
		}
		w.Write([]byte(`{"ok":true}`))
	})
	mux.HandleFunc("POST /webhooks/test", func(w http.ResponseWriter, r *http.Request) {
		u := decode(r)["callback"]
		if !vulnerable && internal(u) {
			w.WriteHeader(400)
			w.Write([]byte(`{"error":"internal addresses are not allowed"}`))
			return
		}
		resp, err := client.Post(u, "application/json", bytes.NewReader([]byte(`{"event":"ping"}`)))
		if err != nil {
			w.WriteHeader(502)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		json.NewEncoder(w).Encode(map[string]string{"response": string(body)})
	})
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
	return mux
}

func TestSSRF(t *testing.T) {
	a := checktest.API(t, api)
	tests := []struct {
		check check.Check
		want  string
	}{
		{&ssrf.Blind{Wait: time.Second}, "[POST /avatar [body:/url] POST /webhooks/test [body:/callback]]"},
		{&ssrf.Internal{}, "[POST /webhooks/test [body:/callback]]"},
	}
	for _, tt := range tests {
		id := tt.check.Info().ID
		t.Run(id, func(t *testing.T) {
			if got := checktest.Keys(t, id, checktest.Run(t, tt.check, hooks(true), a)); fmt.Sprint(got) != tt.want {
				t.Errorf("vulnerable: got %q, want %s", got, tt.want)
			}
			if got := checktest.Keys(t, id, checktest.Run(t, tt.check, hooks(false), a)); len(got) != 0 {
				t.Errorf("safe twin: got %q", got)
			}
		})
	}
}

func TestLoopbackForms(t *testing.T) {
	forms := ssrf.LoopbackForms("http://127.0.0.1:8080/tok")
	if len(forms) < 3 || forms[0] != "http://127.0.0.1:8080/tok" {
		t.Fatalf("forms = %q", forms)
	}
	for _, f := range forms {
		u, err := url.Parse(f)
		if err != nil || u.Port() != "8080" || u.Path != "/tok" {
			t.Errorf("form %q: %v", f, err)
		}
	}
	if got := ssrf.LoopbackForms("https://cb.example.net/tok"); len(got) != 1 {
		t.Errorf("a public callback URL got loopback forms: %q", got)
	}
}
