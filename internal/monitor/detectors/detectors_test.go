package detectors_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/escarp/escarp/internal/monitor/detect"
	"github.com/escarp/escarp/internal/monitor/detectors"
)

var t0 = time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)

func ev(at time.Duration, client, principal, method, tpl, path string, status int) detect.Event {
	return detect.Event{Time: t0.Add(at), ClientIP: client, Principal: principal, Verified: principal != "" && status < 500,
		Method: method, Template: tpl, Path: path, Matched: true, Status: status, RespBytes: 2048,
		Sample: method + " " + path}
}

// benign is three hours of ordinary use by 20 principals and 10 anonymous
// clients, plus the attackers' own ordinary use before they attack.
func benign(actors []string) []detect.Event {
	r := rand.New(rand.NewPCG(1, 2))
	var out []detect.Event
	users := actors
	for i := range 20 {
		users = append(users, fmt.Sprintf("jwt:user%d", i))
	}
	for i, u := range users {
		ip := fmt.Sprintf("10.0.%d.%d", i/200, i%200+1)
		name := u[4:]
		for at := time.Duration(r.IntN(4000)) * time.Millisecond; at < 3*time.Hour; at += time.Duration(2000+r.IntN(4000)) * time.Millisecond {
			x := r.IntN(100)
			var e detect.Event
			switch {
			case x < 40:
				e = ev(at, ip, u, "GET", "/boats", "/boats", 200)
				e.Records = 5
			case x < 75:
				id := fmt.Sprint(i*10 + r.IntN(3))
				e = ev(at, ip, u, "GET", "/boats/{boatId}", "/boats/"+id, 200)
				e.ObjectID = id
			case x < 90:
				e = ev(at, ip, u, "POST", "/bookings", "/bookings", 201)
			case x < 97:
				e = ev(at, ip, u, "GET", "/bookings", "/bookings", 200)
				e.Records = 3
			case x < 98:
				e = ev(at, ip, "", "POST", "/auth/login", "/auth/login", 200)
				e.Login, e.Username = true, name
			case x < 99:
				e = ev(at, ip, "", "POST", "/auth/login", "/auth/login", 401) // a typo
				e.Login, e.Username = true, name
			default:
				e = ev(at, ip, u, "GET", "/boats/{boatId}", "/boats/999"+fmt.Sprint(r.IntN(3)), 404)
				e.ObjectID = "999"
			}
			if u == "jwt:user0" && r.IntN(20) == 0 {
				e = ev(at, ip, u, "GET", "/admin/users", "/admin/users", 200) // the administrator
			}
			out = append(out, e)
		}
	}
	for c := range 10 {
		ip := fmt.Sprintf("192.0.2.%d", c+1)
		for at := time.Duration(c) * time.Second; at < 3*time.Hour; at += 20 * time.Second {
			id := fmt.Sprint(c % 5)
			e := ev(at, ip, "", "GET", "/berths/{berthId}", "/berths/"+id, 200)
			e.ObjectID = id
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(x, y detect.Event) int { return x.Time.Compare(y.Time) })
	return out
}

type attack struct {
	rule   string
	actors []string // attacker principals that also behave normally
	events func() []detect.Event
}

const start = 2 * time.Hour // attacks begin once every baseline is learned

var attacks = []attack{
	{"ESC-MON-ENUM-001", []string{"jwt:scraper"}, func() (out []detect.Event) {
		for i := range 60 {
			id := fmt.Sprint(5000 + i)
			e := ev(start+time.Duration(i)*time.Second, "10.0.0.250", "jwt:scraper", "GET", "/boats/{boatId}", "/boats/"+id, 200)
			e.ObjectID = id
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-ENUM-002", nil, func() (out []detect.Event) {
		for i := range 80 {
			id := fmt.Sprint(i)
			e := ev(start+time.Duration(i)*500*time.Millisecond, "203.0.113.9", "", "GET", "/berths/{berthId}", "/berths/"+id, 200)
			e.ObjectID = id
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-CRED-001", nil, func() (out []detect.Event) {
		for i := range 40 {
			e := ev(start+time.Duration(i)*time.Second, "203.0.113.10", "", "POST", "/auth/login", "/auth/login", 401)
			e.Login, e.Username = true, fmt.Sprintf("victim%d@example.com", i)
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-CRED-002", nil, func() (out []detect.Event) {
		for i := range 15 {
			e := ev(start+time.Duration(i)*5*time.Second, "203.0.113.11", "", "POST", "/auth/login", "/auth/login", 401)
			e.Login, e.Username = true, "user3"
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-CRED-003", nil, func() (out []detect.Event) {
		for i := range 12 {
			e := ev(start+time.Duration(i)*20*time.Second, fmt.Sprintf("198.51.100.%d", i+1), "", "POST", "/auth/login", "/auth/login", 401)
			e.Login, e.Username = true, "user4"
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-CRED-004", nil, func() (out []detect.Event) {
		for i := range 60 {
			e := ev(time.Duration(i)*3*time.Minute, "203.0.113.12", "", "POST", "/auth/login", "/auth/login", 401)
			e.Login, e.Username = true, "user5"
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-USER-001", nil, func() (out []detect.Event) {
		for i := range 30 {
			e := ev(start+time.Duration(i)*time.Second, "203.0.113.13", "", "POST", "/auth/reset", "/auth/reset", 404)
			e.Account, e.Username = true, fmt.Sprintf("who%d@example.com", i)
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-SCAN-001", nil, func() (out []detect.Event) {
		for i := range 50 {
			p := fmt.Sprintf("/%s.bak", []string{"admin", "config", ".env", "backup", "wp-login"}[i%5]+fmt.Sprint(i))
			e := ev(start+time.Duration(i)*200*time.Millisecond, "203.0.113.14", "", "GET", "", p, 404)
			e.Matched = false
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-SCAN-002", []string{"jwt:prober"}, func() (out []detect.Event) {
		for i := range 30 {
			p := fmt.Sprintf("/internal/%d", i)
			e := ev(start+time.Duration(i)*time.Second, fmt.Sprintf("198.51.100.%d", 100+i%5), "jwt:prober", "GET", "", p, 403)
			e.Matched = false
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-RATE-001", []string{"jwt:looper"}, func() (out []detect.Event) {
		for i := range 400 {
			e := ev(start+time.Duration(i)*140*time.Millisecond, "10.0.0.251", "jwt:looper", "GET", "/boats", "/boats", 200)
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-FLOOD-001", nil, func() (out []detect.Event) {
		for i := range 1800 {
			e := ev(start+time.Duration(i)*30*time.Millisecond, fmt.Sprintf("100.64.%d.%d", i%60/250, i%60+1), "", "GET", "/berths", "/berths", 200)
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-EXFIL-001", []string{"jwt:hoarder"}, func() (out []detect.Event) {
		for i := range 30 {
			e := ev(start+time.Duration(i)*5*time.Second, "10.0.0.252", "jwt:hoarder", "GET", "/bookings/export", "/bookings/export", 200)
			e.RespBytes = 500 << 10
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-EXFIL-002", []string{"jwt:lister"}, func() (out []detect.Event) {
		for i := range 20 {
			e := ev(start+time.Duration(i)*5*time.Second, "10.0.0.253", "jwt:lister", "GET", "/bookings", "/bookings?limit=500", 200)
			e.Records = 200
			out = append(out, e)
		}
		return
	}},
	{"ESC-MON-BFLA-001", []string{"jwt:climber"}, func() (out []detect.Event) {
		e := ev(start, "10.0.0.254", "jwt:climber", "GET", "/admin/users", "/admin/users", 200)
		return []detect.Event{e}
	}},
	{"ESC-MON-SHADOW-001", nil, func() (out []detect.Event) {
		e := ev(start, "10.0.0.9", "jwt:user9", "GET", "/internal/debug", "/internal/debug", 200)
		e.Matched = false
		return []detect.Event{e}
	}},
	{"ESC-MON-ZOMBIE-001", nil, func() (out []detect.Event) {
		e := ev(start, "10.0.0.9", "jwt:user9", "GET", "/v1/boats", "/v1/boats", 200)
		e.Deprecated = true
		return []detect.Event{e}
	}},
}

func run(t *testing.T, specs []detect.Spec, events []detect.Event) []detect.Alert {
	t.Helper()
	eng, err := detect.New(specs, detect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var alerts []detect.Alert
	for i := range events {
		eng.Process(&events[i], func(a detect.Alert) { alerts = append(alerts, a) })
	}
	return alerts
}

// merge merges two time-ordered streams.
func merge(a, b []detect.Event) []detect.Event {
	out := make([]detect.Event, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].Time.Before(a[0].Time) {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

func spec(t *testing.T, id string) detect.Spec {
	for _, s := range detectors.All() {
		if s.Rule.ID == id {
			return s
		}
	}
	t.Fatalf("no detector %s", id)
	return detect.Spec{}
}

// TestEachDetector: every detector fires on its attack mixed into benign
// traffic, and stays silent on the benign traffic alone.
func TestEachDetector(t *testing.T) {
	if len(attacks) != len(detectors.All()) {
		t.Fatalf("%d attacks for %d detectors", len(attacks), len(detectors.All()))
	}
	for _, at := range attacks {
		t.Run(at.rule, func(t *testing.T) {
			s := spec(t, at.rule)
			base := benign(at.actors)
			if got := run(t, []detect.Spec{s}, base); len(got) > 0 {
				t.Fatalf("benign traffic raised %d alerts, first: %s", len(got), got[0].Message)
			}
			got := run(t, []detect.Spec{s}, merge(base, at.events()))
			if len(got) == 0 {
				t.Fatal("the attack raised no alert")
			}
			if len(got) > 1 {
				t.Errorf("the attack raised %d alerts, want one (cool-down): %v", len(got), got[1].Message)
			}
			if got[0].Message == "" || got[0].Rule.ID != at.rule {
				t.Errorf("alert %+v", got[0])
			}
		})
	}
}

// TestAllBenignSilent runs every detector at once over benign traffic.
func TestAllBenignSilent(t *testing.T) {
	var actors []string
	for _, a := range attacks {
		actors = append(actors, a.actors...)
	}
	for _, a := range run(t, detectors.All(), benign(actors)) {
		t.Errorf("benign traffic raised %s: %s", a.Rule.ID, a.Message)
	}
}

func TestRulesExplainable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range detectors.Rules() {
		if seen[r.ID] || r.Title == "" || r.Description == "" || r.Remediation == "" || r.OWASP == "" {
			t.Errorf("rule %+v: duplicate or incomplete", r)
		}
		seen[r.ID] = true
	}
}

// BenchmarkAllDetectors runs the sixteen detectors over three hours of
// benign traffic: events per second of the detector core.
func BenchmarkAllDetectors(b *testing.B) {
	evs := benign(nil)
	eng, err := detect.New(detectors.All(), detect.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := evs[i%len(evs)]
		e.Time = e.Time.Add(time.Duration(i/len(evs)) * 3 * time.Hour)
		eng.Process(&e, func(detect.Alert) {})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
