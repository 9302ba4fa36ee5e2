package learn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp/internal/lab"
)

// startLab serves a fresh lab instance (or its twin) on loopback.
func startLab(t *testing.T, secure bool) string {
	t.Helper()
	l, err := lab.New(lab.Options{Secure: secure, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l.Handler())
	t.Cleanup(func() { srv.Close(); l.Close() })
	return srv.URL
}

// TestLessonExploits runs every lesson's exploit end to end: it works on
// the vulnerable lab and fails on its secure twin. Each lesson gets fresh
// instances, since some exploits change the lab's state.
func TestLessonExploits(t *testing.T) {
	client := &http.Client{Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	flaws := map[string]lab.Flaw{}
	for _, f := range lab.Flaws() {
		flaws[f.ID] = f
	}
	for _, l := range Lessons() {
		t.Run(l.ID, func(t *testing.T) {
			f, ok := flaws[l.Flaw]
			if !ok {
				t.Fatalf("lesson %s exploits flaw %q, which the lab does not plant", l.ID, l.Flaw)
			}
			if f.OWASP != l.OWASP {
				t.Errorf("lesson OWASP %s, the flaw's %s", l.OWASP, f.OWASP)
			}
			for _, c := range l.Checks {
				if !slices.Contains(f.Rules, c) {
					t.Errorf("verify check %s is not one of the flaw's rules %v", c, f.Rules)
				}
			}
			ctx := context.Background()
			vuln, err := l.Try(ctx, client, startLab(t, false))
			if err != nil {
				t.Fatal(err)
			}
			if !vuln.Worked {
				t.Errorf("exploit failed on the vulnerable lab: status %d, %s", vuln.Status, vuln.Body)
			}
			twin, err := l.Try(ctx, client, startLab(t, true))
			if err != nil {
				t.Fatal(err)
			}
			if twin.Worked {
				t.Errorf("exploit worked on the secure twin: status %d, %s", twin.Status, twin.Body)
			}
			src, err := l.Source()
			if err != nil || len(src) == 0 {
				t.Fatalf("source: %v", err)
			}
			fixes := 0
			for _, ex := range src {
				fixes += len(ex.Fixes)
			}
			if fixes == 0 {
				t.Errorf("the lesson's code %v has no `if l.secure` branch to show as the fix", l.Code)
			}
			if ClassByID(l.Class) == nil {
				t.Errorf("unknown class %q", l.Class)
			}
		})
	}
}

// TestLessonCurl runs the printed curl commands with a real shell and curl
// against the lab: what the lesson tells a learner to type works.
func TestLessonCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	for _, id := range []string{"bola", "ssrf", "misconfiguration"} {
		l := LessonByID(id)
		base := startLab(t, false)
		out, err := exec.Command("bash", "-c", "set -e\n"+l.Curl(base)).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s\n%s", id, err, l.Curl(base), out)
		}
		want := l.Expect.Contains
		if want == "" {
			want = l.Expect.HeaderValue
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("%s: the curl commands' answer lacks %q:\n%s", id, want, out)
		}
	}
}
