package signature_test

import (
	"testing"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/signature"
)

func TestSQLInjectionProbeCaught(t *testing.T) {
	s, err := signature.New(1)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	benign := &escarp.Exchange{Method: "GET", URL: "http://api.example/api/v2/boats?name=Sea+Breeze&limit=10", ClientIP: "192.0.2.1",
		RequestHeader: map[string][]string{"User-Agent": {"Mozilla/5.0"}, "Accept": {"application/json"}}}
	if a := s.Inspect(benign, now); a != nil {
		t.Fatalf("benign request matched: %s", a.Message)
	}
	probe := &escarp.Exchange{Method: "GET", URL: "http://api.example/api/v2/boats?name=x%27%20UNION%20SELECT%20username,password%20FROM%20users--",
		ClientIP: "192.0.2.66", RequestHeader: map[string][]string{"User-Agent": {"Mozilla/5.0"}, "Accept": {"application/json"}}}
	a := s.Inspect(probe, now)
	if a == nil {
		t.Fatal("a UNION SELECT probe was not caught")
	}
	if a.Rule.ID != signature.RuleID || a.ClientIP != "192.0.2.66" {
		t.Fatalf("alert %+v", a)
	}
	t.Log(a.Message)
	if s.Inspect(probe, now.Add(time.Minute)) != nil {
		t.Fatal("the cool-down did not hold")
	}
}

func TestSampling(t *testing.T) {
	s, err := signature.New(3)
	if err != nil {
		t.Fatal(err)
	}
	probe := &escarp.Exchange{Method: "GET", URL: "http://api.example/q?id=1%27%20OR%20%271%27=%271", ClientIP: "192.0.2.7"}
	hits := 0
	for i := range 6 {
		probe.ClientIP = "192.0.2." + string(rune('a'+i)) // distinct clients: no cool-down
		if s.Inspect(probe, time.Now()) != nil {
			hits++
		}
	}
	if hits != 2 {
		t.Fatalf("%d of 6 inspected with one in 3, want 2", hits)
	}
	if _, err := signature.New(0); err == nil {
		t.Fatal("sampling 0 accepted")
	}
}
