package server_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit/rules"
	"github.com/escarp/escarp/internal/browsertest"
	"github.com/escarp/escarp/internal/check/list"
	"github.com/escarp/escarp/internal/jobs"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/server"
	"github.com/escarp/escarp/internal/spec"
)

// startLab serves the vulnerable lab in process on loopback.
func startLab(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- lab.Serve(ctx, "127.0.0.1:0", lab.Options{Dir: t.TempDir()}, func(u string) { urls <- u })
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case u := <-urls:
		return u
	case err := <-done:
		t.Fatalf("lab: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the lab did not start")
	}
	return ""
}

// TestDashboardJourney is the main journey in a real browser: log in with
// a token, create a project for the lab, run a scan, see its findings,
// accept one, and see it stay accepted on the next run.
func TestDashboardJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("two scans of the lab in a browser")
	}
	bctx := browsertest.New(t, 6*time.Minute)
	shots := browsertest.ScreenshotDir(t)
	shot := func(name string) { browsertest.Screenshot(t, bctx, filepath.Join(shots, "serve-"+name+".png")) }

	labURL := startLab(t)
	dir := t.TempDir()
	idFile := filepath.Join(dir, "identities.yaml")
	if err := os.WriteFile(idFile, lab.ScanConfig(labURL, false), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: openSQLite(t), Workers: 1, Poll: 200 * time.Millisecond, NoScheduler: true,
		Runners: jobs.Runners(jobs.Options{Dir: dir}, rules.All(), list.All())})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := srv.Bootstrap(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	bg := make(chan struct{})
	go func() { srv.Background(ctx); close(bg) }()
	defer func() { cancel(); <-bg }()

	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(sel))
		must(err, "text of "+sel)
		return strings.TrimSpace(s)
	}

	// 1. Log in with the token.
	must(chromedp.Do(bctx, chromedp.Navigate(ts.URL+"/ui/"), chromedp.WaitVisible("#login-form")), "login page")
	loc, _ := chromedp.Run(bctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/ui/login") {
		t.Errorf("an anonymous visit to /ui/ landed on %s, want the login page", loc)
	}
	must(chromedp.Do(bctx, chromedp.SendKeys("#token", admin), chromedp.Click("#login"), chromedp.WaitVisible("#who")), "log in")
	if who := text("#who"); who != "admin · admin" {
		t.Errorf("logged in as %q", who)
	}
	shot("1-logged-in")

	// 2. Create a project for the lab.
	must(chromedp.Do(bctx, chromedp.Click("#new-project"), chromedp.WaitVisible("#project-form"),
		chromedp.SendKeys("#name", "quayside-lab"), chromedp.SendKeys("#target", labURL),
		chromedp.SendKeys("#spec", labURL+"/openapi.yaml"), chromedp.SendKeys("#identities", "file:"+idFile),
		chromedp.Click("#job-scan"), chromedp.Click("#create"), chromedp.WaitVisible("#project-name")), "create the project")
	if got := text("#project-name"); got != "quayside-lab" {
		t.Errorf("project page shows %q", got)
	}
	if s := text("#webhook-secret"); !strings.Contains(s, "whsec_") {
		t.Errorf("the webhook secret is not shown once on creation: %q", s)
	}
	shot("2-project")

	// 3. Run a scan and wait for it (the job page refreshes itself).
	runScan := func(n int) {
		t.Helper()
		must(chromedp.Do(bctx, chromedp.Click("#run-scan"), chromedp.WaitVisible("#job-state")), "run a scan")
		for deadline := time.Now().Add(4 * time.Minute); ; {
			st, err := chromedp.Run(bctx, chromedp.AttributeValue("#job-state", "data-state"))
			if err == nil && (st.Value == escarp.JobDone || st.Value == escarp.JobFailed) {
				if st.Value != escarp.JobDone {
					t.Fatalf("scan %d: %s", n, text("#job-state"))
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("scan %d did not finish", n)
			}
			time.Sleep(time.Second)
		}
		if title := text("#job-title"); !strings.HasPrefix(title, "Run #"+strconv.Itoa(n)+" · scan") {
			t.Errorf("job page title %q", title)
		}
	}
	runScan(1)
	shot("3-scan-done")

	// 4. See its findings.
	must(chromedp.Do(bctx, chromedp.Navigate(strings.TrimSuffix(ts.URL, "/")+"/ui/"), chromedp.WaitVisible("#projects"),
		chromedp.Click(`#projects a`), chromedp.WaitVisible("#findings-link"), chromedp.Click("#findings-link"), chromedp.WaitVisible("#findings")), "findings page")
	rows, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#findings tbody tr").length`))
	must(err, "count findings")
	if rows < 5 {
		t.Fatalf("%d findings from a scan of the vulnerable lab", rows)
	}
	bola, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(document.querySelector('#findings tbody tr[data-rule^="ESC-DAST-BOLA"]') || document.querySelector('#findings tbody tr')).dataset.fingerprint`))
	must(err, "pick a finding")
	shot("4-findings")

	// 5. Triage it as accepted.
	must(chromedp.Do(bctx, chromedp.Click(`#findings tr[data-fingerprint="`+bola+`"] a`), chromedp.WaitVisible("#triage-form"),
		chromedp.SetValue("#t-state", "accepted"), chromedp.SendKeys("#t-reason", "lab data only; tracked in SEC-42"),
		chromedp.SendKeys("#t-ticket", "SEC-42"), chromedp.Click("#save-triage"), chromedp.WaitVisible("#flash")), "triage")
	if st := text("#state"); st != "accepted" {
		t.Errorf("after triage the state is %q", st)
	}
	shot("5-triaged")

	// 6. Run the scan again: the finding is seen again and stays accepted.
	must(chromedp.Do(bctx, chromedp.Click(`main a[href^="/ui/projects/"]`), chromedp.WaitVisible("#findings"),
		chromedp.Click(`h1 a`), chromedp.WaitVisible("#run-scan")), "back to the project")
	runScan(2)
	must(chromedp.Do(bctx, chromedp.Navigate(ts.URL+"/ui/"), chromedp.WaitVisible("#projects"), chromedp.Click(`#projects a`),
		chromedp.WaitVisible("#findings-link"), chromedp.Click("#findings-link"), chromedp.WaitVisible("#findings"),
		chromedp.Click(`#findings tr[data-fingerprint="`+bola+`"] a`), chromedp.WaitVisible("#history")), "the finding after run 2")
	if st := text("#state"); st != "accepted" {
		t.Errorf("after the second run the accepted finding is %q", st)
	}
	if ls := text("#last-seen"); !strings.HasPrefix(ls, "run #2") {
		t.Errorf("last seen %q, want run #2", ls)
	}
	if fs := text("#first-seen"); !strings.HasPrefix(fs, "run #1") {
		t.Errorf("first seen %q, want run #1", fs)
	}
	shot("6-still-accepted")

	// The project page charts both runs; the second counts one fewer.
	must(chromedp.Do(bctx, chromedp.Navigate(ts.URL+"/ui/"), chromedp.WaitVisible("#projects"), chromedp.Click(`#projects a`), chromedp.WaitVisible("#runs-chart")), "chart")
	bars, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#runs-chart rect").length`))
	must(err, "chart bars")
	if bars < 2 {
		t.Errorf("the runs chart has %d bars", bars)
	}
	shot("7-project-chart")
	// The run's report renders under its own hash-based CSP.
	must(chromedp.Do(bctx, chromedp.Click(`#jobs tbody tr a`), chromedp.WaitVisible("#report-link"), chromedp.Click("#report-link"), chromedp.WaitReady("body")), "report")
	title, _ := chromedp.Run(bctx, chromedp.Title())
	if !strings.Contains(strings.ToLower(title), "escarp") {
		t.Errorf("report title %q", title)
	}
	shot("8-report")
	t.Logf("screenshots in %s", shots)
}

// TestSelfScan is escarp's DAST of its own API as viewer, editor and
// admin: nothing of medium severity or above.
func TestSelfScan(t *testing.T) {
	if testing.Short() {
		t.Skip("a full scan")
	}
	e := newEnv(t, server.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	api, _, err := spec.LoadBytes(ctx, "openapi.json", server.OpenAPI(), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []scan.Identity
	for _, role := range []string{"viewer", "editor", "admin"} {
		ids = append(ids, scan.Identity{Name: role, Privileged: role == "admin", Headers: map[string]string{"Authorization": "Bearer " + e.tokens[role]}})
	}
	start := time.Now()
	run, err := scan.Run(ctx, api, e.ts.URL+"/api/v1", scan.Config{Identities: ids, MaxDuration: 3 * time.Minute}, list.All())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for _, f := range run.Findings {
		if f.Severity >= escarp.SeverityMedium {
			t.Errorf("%s %s %s: %s", f.Severity, f.RuleID, f.Location.Method+" "+f.Location.Path, f.Message)
		}
	}
	t.Logf("self-scan: %d findings (%d requests) in %s; notes: %v", len(run.Findings), run.Stats["requests"], time.Since(start).Round(time.Second), run.Notes)
}
