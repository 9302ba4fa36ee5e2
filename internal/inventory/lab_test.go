package inventory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/spec/har"
	"github.com/escarp/escarp/internal/traffic"
)

// harRecorder is an http.RoundTripper that records every exchange as a HAR
// 1.2 entry, as a browser or proxy would export it.
type harRecorder struct {
	next    http.RoundTripper
	entries []map[string]any
}

func (h *harRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	start := time.Now()
	resp, err := h.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	headers := func(hh http.Header) []map[string]string {
		var out []map[string]string
		for k, vs := range hh {
			for _, v := range vs {
				out = append(out, map[string]string{"name": k, "value": v})
			}
		}
		return out
	}
	e := map[string]any{
		"startedDateTime": start.UTC().Format(time.RFC3339Nano),
		"time":            float64(time.Since(start).Milliseconds()),
		"request": map[string]any{"method": req.Method, "url": req.URL.String(), "httpVersion": "HTTP/1.1",
			"headers": headers(req.Header), "queryString": []any{}, "cookies": []any{}, "headersSize": -1, "bodySize": len(reqBody)},
		"response": map[string]any{"status": resp.StatusCode, "statusText": resp.Status, "httpVersion": "HTTP/1.1",
			"headers": headers(resp.Header), "cookies": []any{}, "redirectURL": "", "headersSize": -1, "bodySize": len(body),
			"content": map[string]any{"size": len(body), "mimeType": resp.Header.Get("Content-Type"), "text": string(body)}},
		"cache": map[string]any{}, "timings": map[string]any{"send": 0, "wait": 0, "receive": 0},
	}
	if len(reqBody) > 0 {
		e["request"].(map[string]any)["postData"] = map[string]any{"mimeType": req.Header.Get("Content-Type"), "text": string(reqBody)}
	}
	h.entries = append(h.entries, e)
	return resp, nil
}

func (h *harRecorder) HAR() []byte {
	b, _ := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2",
		"creator": map[string]string{"name": "escarp-test", "version": "1"}, "entries": h.entries}})
	return b
}

// TestLabTraffic records traffic from the lab (including its undocumented
// and deprecated endpoints) as a HAR, imports it with the lab's spec, and
// checks the classification of every endpoint.
func TestLabTraffic(t *testing.T) {
	ctx := context.Background()
	l, err := lab.New(lab.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	rec := &harRecorder{next: http.DefaultTransport}
	client := &http.Client{Transport: rec, Timeout: 10 * time.Second}

	var alice lab.User
	for _, u := range lab.Users() {
		if u.Role != "admin" && alice.Username == "" {
			alice = u
		}
	}
	resp, err := client.Post(srv.URL+"/api/v2/auth/login", "application/json",
		strings.NewReader(`{"username":"`+alice.Username+`","password":"`+alice.Password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("login: %v %q", err, tok.AccessToken)
	}
	resp.Body.Close()
	for _, p := range []string{"/api/v2/health", "/api/v2/users/me", "/api/v2/berths", "/api/v2/berths/1", "/api/v2/berths/2",
		"/api/v2/boats", "/api/v2/bookings", "/api/v2/bookings/export", "/debug/vars", "/api/v1/users/me"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+p, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Fatalf("GET %s = %d", p, resp.StatusCode)
		}
	}
	harData := rec.HAR()
	if strings.Contains(string(harData), tok.AccessToken) == false {
		t.Fatal("the recorder lost the token; the test would not prove redaction")
	}

	st := open(t)
	clock := time.Now().UTC()
	inv := inventory.New(st, inventory.Options{Now: func() time.Time { return clock }})
	api, _, err := spec.LoadBytes(ctx, "lab.yaml", lab.Spec(false), spec.Options{})
	if err != nil {
		t.Fatalf("lab spec: %v", err)
	}
	svc := inventory.ServiceForSpec(api, "")
	if _, err := inv.Import(ctx, []inventory.SpecService{svc}, inventory.SpecObservations(api, svc.Name, clock), ""); err != nil {
		t.Fatal(err)
	}
	xs, err := har.Read(bytes.NewReader(harData))
	if err != nil {
		t.Fatal(err)
	}
	var obs []escarp.Observation
	for i := range xs {
		obs = append(obs, traffic.Observe(&xs[i], ""))
	}
	if _, err := inv.Import(ctx, nil, obs, svc.Name); err != nil {
		t.Fatal(err)
	}
	eps, err := st.Endpoints(ctx, escarp.EndpointFilter{})
	if err != nil {
		t.Fatal(err)
	}
	hit := map[string]bool{"POST /api/v2/auth/login": true, "GET /api/v2/health": true, "GET /api/v2/users/me": true,
		"GET /api/v2/berths": true, "GET /api/v2/berths/{berthId}": true, "GET /api/v2/boats": true, "GET /api/v2/bookings": true}
	want := map[string]string{
		"GET /api/v2/bookings/export": escarp.ClassZombie,
		"GET /debug/vars":             escarp.ClassShadow,
		"GET /api/v1/users/me":        escarp.ClassShadow,
	}
	documented := 0
	for _, e := range eps {
		k := e.Method + " " + e.Template
		if e.Service != svc.Name {
			t.Errorf("%s landed in service %q, want %q", k, e.Service, svc.Name)
		}
		w, ok := want[k]
		if !ok {
			w = escarp.ClassDocumented
			documented++
		}
		if e.Classification != w {
			t.Errorf("%s: %s, want %s", k, e.Classification, w)
		}
		if hit[k] && e.Hits == 0 {
			t.Errorf("%s was hit but has no hits", k)
		}
		if e.Documented && !hit[k] && want[k] == "" && e.Hits != 0 {
			t.Errorf("%s has hits but was not called", k)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("%s missing from the inventory", k)
	}
	if documented != len(api.Operations)-1 {
		t.Errorf("%d documented endpoints, want the spec's %d operations less the deprecated one", documented, len(api.Operations))
	}
	for _, e := range eps {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), tok.AccessToken) {
			t.Fatalf("a token reached the inventory: %s", b)
		}
	}

	// A month later, the documented endpoints nobody called are orphans.
	clock = clock.Add(31 * 24 * time.Hour)
	if _, err := inv.Reclassify(ctx); err != nil {
		t.Fatal(err)
	}
	eps, _ = st.Endpoints(ctx, escarp.EndpointFilter{Classification: escarp.ClassOrphan})
	if len(eps) != documented {
		t.Errorf("%d orphans after 31 days, want %d", len(eps), documented)
	}
}
