package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
	"github.com/escarp/escarp/internal/learn"
	"github.com/escarp/escarp/internal/report"
)

// The steps of a lesson, in order; progress records the furthest reached.
var lessonSteps = []string{"read", "exploited", "verified"}

// learnCmd is `escarp learn`: guided lessons on the lab.
func (a *app) learnCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "learn",
		Short: "Guided lessons on the lab: exploit a flaw, read the code, apply the fix, verify it",
		Long: `learn teaches one class of API flaw per lesson on escarp's deliberately
vulnerable lab: what the flaw is and why it matters, the exact curl that
exploits it on the running lab, the vulnerable handler and the secure twin's
fix, and the scan that verifies the fix.

  escarp lab &                 # the vulnerable lab on http://127.0.0.1:8888
  escarp learn                 # the lessons and your progress
  escarp learn show bola       # read a lesson
  escarp learn try bola        # run its exploit against the running lab
  escarp lab --secure --addr 127.0.0.1:8889 &
  escarp learn verify bola --url http://127.0.0.1:8889   # the fix holds
  escarp learn course -o course.html                     # every lesson on one page

Progress is kept in the store (.escarp/escarp.db): escarp learn status.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.learnStatus(cmd) },
	}
	var urlFlag string
	withURL := func(c *cobra.Command) *cobra.Command {
		c.Flags().StringVar(&urlFlag, "url", "", "base URL of the running lab (default: the address in .escarp/lab.json, else http://127.0.0.1:8888)")
		return c
	}
	show := withURL(&cobra.Command{
		Use: "show LESSON", Short: "Print a lesson: the flaw, the exploit, the code and the fix", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := lessonArg(args[0])
			if err != nil {
				return err
			}
			if err := a.printLesson(l, a.labURL(urlFlag)); err != nil {
				return err
			}
			return a.recordLesson(cmd, l.ID, "read")
		},
	})
	try := withURL(&cobra.Command{
		Use: "try LESSON", Short: "Run a lesson's exploit against the running lab", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := lessonArg(args[0])
			if err != nil {
				return err
			}
			base, err := loopbackLab(a.labURL(urlFlag))
			if err != nil {
				return err
			}
			at, err := l.Try(cmd.Context(), labClient(), base)
			if err != nil {
				return &escarp.Error{Op: "learn", Kind: escarp.Unavailable, Message: "is the lab running? (escarp lab)", Err: err}
			}
			fmt.Fprintf(a.stdout, "%s\nHTTP %d\n%s\n\n", strings.TrimSpace(l.Curl(base)), at.Status, at.Body)
			if !at.Worked {
				fmt.Fprintf(a.stdout, "The exploit did not work here: this is the secure twin, or the flaw is fixed. Verify with `escarp learn verify %s`.\n", l.ID)
				return nil
			}
			fmt.Fprintf(a.stdout, "Exploited. Next: read the fix with `escarp learn show %s`, then verify it on the twin.\n", l.ID)
			return a.recordLesson(cmd, l.ID, "exploited")
		},
	})
	verify := withURL(&cobra.Command{
		Use:   "verify LESSON",
		Short: "Check the fix: the exploit fails and `escarp scan --checks ...` finds nothing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := lessonArg(args[0])
			if err != nil {
				return err
			}
			base, err := loopbackLab(a.labURL(urlFlag))
			if err != nil {
				return err
			}
			at, err := l.Try(cmd.Context(), labClient(), base)
			if err != nil {
				return &escarp.Error{Op: "learn", Kind: escarp.Unavailable, Message: "is the lab running? (escarp lab)", Err: err}
			}
			found, err := a.verifyScan(cmd, l, base)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "exploit: %s (HTTP %d)\n%s: %d finding(s)\n", map[bool]string{true: "worked", false: "failed"}[at.Worked],
				at.Status, l.VerifyCommand(), len(found))
			for _, f := range found {
				fmt.Fprintf(a.stdout, "  %s %s %s %s\n", f.RuleID, f.Location.Method, f.Location.Path, f.Title)
			}
			if at.Worked || len(found) > 0 {
				return &escarp.Error{Op: "learn", Kind: escarp.Threshold,
					Message: fmt.Sprintf("lesson %s: the flaw is still there at %s (run the secure twin: escarp lab --secure)", l.ID, base)}
			}
			fmt.Fprintf(a.stdout, "Verified: the fix holds at %s.\n", base)
			return a.recordLesson(cmd, l.ID, "verified")
		},
	})
	status := &cobra.Command{
		Use: "status", Short: "Show your progress through the lessons", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.learnStatus(cmd) },
	}
	var out string
	course := withURL(&cobra.Command{
		Use: "course", Short: "Write every lesson as one HTML course page", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := learn.CourseHTML(a.labURL(urlFlag))
			if err != nil {
				return err
			}
			if out == "" {
				_, err := a.stdout.Write(page)
				return err
			}
			if !filepath.IsAbs(out) {
				out = filepath.Join(a.wd, out)
			}
			if err := os.WriteFile(out, page, 0o644); err != nil {
				return &escarp.Error{Op: "learn", Kind: escarp.Invalid, Message: "write " + out, Err: err}
			}
			fmt.Fprintf(a.stderr, "wrote %s\n", out)
			return nil
		},
	})
	course.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	cmd.PersistentFlags().String("store", "", "store: a path, sqlite:PATH or postgres://... (default .escarp/escarp.db)")
	cmd.PersistentFlags().Bool("no-store", false, "do not record progress")
	cmd.AddCommand(show, try, verify, status, course)
	return cmd
}

func lessonArg(id string) (*learn.Lesson, error) {
	if l := learn.LessonByID(strings.ToLower(strings.TrimSpace(id))); l != nil {
		return l, nil
	}
	var ids []string
	for _, l := range learn.Lessons() {
		ids = append(ids, l.ID)
	}
	return nil, &escarp.Error{Op: "learn", Kind: escarp.Invalid,
		Message: fmt.Sprintf("no lesson %q (lessons: %s)", id, strings.Join(ids, ", "))}
}

// labURL is --url, else the address the running lab wrote to
// .escarp/lab.json, else the lab's default address.
func (a *app) labURL(flag string) string {
	if flag != "" {
		return strings.TrimRight(flag, "/")
	}
	dir := a.wd
	if cfg, err := a.config(); err == nil && cfg.Dir != "" {
		dir = cfg.Dir
	}
	if data, err := os.ReadFile(filepath.Join(dir, ".escarp", "lab.json")); err == nil {
		var v struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(data, &v) == nil && v.URL != "" {
			return strings.TrimRight(v.URL, "/")
		}
	}
	return "http://127.0.0.1:8888"
}

// loopbackLab refuses a lab URL that is not on loopback: lessons send real
// exploits (command injection, SSRF), and the lab only ever runs there.
func loopbackLab(base string) (string, error) {
	u, err := url.Parse(base)
	if err == nil && u.Host != "" {
		host := u.Hostname()
		if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") {
			return strings.TrimRight(base, "/"), nil
		}
	}
	return "", &escarp.Error{Op: "learn", Kind: escarp.Invalid,
		Message: fmt.Sprintf("--url %q: lessons send real exploits, so they run only against the lab on loopback (127.0.0.1)", base)}
}

func labClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// verifyScan runs `escarp scan --checks ...` against the lab at base, with
// the lab's own scan config, and returns the findings of the lesson's
// checks.
func (a *app) verifyScan(cmd *cobra.Command, l *learn.Lesson, base string) ([]escarp.Finding, error) {
	dir, err := os.MkdirTemp("", "escarp-learn-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "escarp.yaml")
	if err := os.WriteFile(cfgPath, lab.ScanConfig(base, false), 0o600); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "scan.json")
	var stderr bytes.Buffer
	sub := &app{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr, getenv: a.getenv, wd: dir}
	err = sub.run(cmd.Context(), []string{"scan", "--config", cfgPath, "--checks", strings.Join(l.Checks, ","), "--no-store", "-o", out})
	if err != nil && escarp.KindOf(err) != escarp.Threshold {
		return nil, fmt.Errorf("%s: %w\n%s", l.VerifyCommand(), err, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, fmt.Errorf("%s wrote no report: %w\n%s", l.VerifyCommand(), err, stderr.String())
	}
	defer f.Close()
	rep, err := report.Read(f)
	if err != nil {
		return nil, err
	}
	var found []escarp.Finding
	for _, run := range rep.Runs {
		for _, x := range run.Findings {
			if x.Suppressed == nil && slices.Contains(l.Checks, x.RuleID) {
				found = append(found, x)
			}
		}
	}
	return found, nil
}

// recordLesson keeps the furthest step reached, unless --no-store.
func (a *app) recordLesson(cmd *cobra.Command, lesson, step string) error {
	if noStore, _ := cmd.Flags().GetBool("no-store"); noStore {
		return nil
	}
	st, err := a.openStore(cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	have, err := st.LessonProgress(cmd.Context())
	if err != nil {
		return err
	}
	for _, p := range have {
		if p.Lesson == lesson && slices.Index(lessonSteps, p.Step) >= slices.Index(lessonSteps, step) {
			return nil
		}
	}
	return st.PutLessonProgress(cmd.Context(), escarp.LessonProgress{Lesson: lesson, Step: step})
}

func (a *app) learnStatus(cmd *cobra.Command) error {
	progress := map[string]string{}
	if noStore, _ := cmd.Flags().GetBool("no-store"); !noStore {
		st, err := a.openStore(cmd)
		if err != nil {
			return err
		}
		defer st.Close()
		have, err := st.LessonProgress(cmd.Context())
		if err != nil {
			return err
		}
		for _, p := range have {
			progress[p.Lesson] = p.Step
		}
	}
	done := 0
	for i, l := range learn.Lessons() {
		step := progress[l.ID]
		mark := "  "
		switch step {
		case "verified":
			mark, done = "✓ ", done+1
		case "":
			step = "not started"
		}
		fmt.Fprintf(a.stdout, "%s%2d. %-17s %-10s %-12s %s\n", mark, i+1, l.ID, l.OWASP, step, l.Title)
	}
	fmt.Fprintf(a.stdout, "\n%d of %d lessons verified. `escarp learn show ID` starts one.\n", done, len(learn.Lessons()))
	return nil
}

func (a *app) printLesson(l *learn.Lesson, base string) error {
	w := a.stdout
	c := learn.ClassByID(l.Class)
	fmt.Fprintf(w, "%s  (%s %s)\n\n%s\n\n", l.Title, l.OWASP, escarp.OWASPTop10[l.OWASP], l.What)
	if c != nil {
		fmt.Fprintf(w, "Why it matters\n\n%s\n\n", c.Why)
	}
	fmt.Fprintf(w, "1. Exploit it on the running lab (escarp lab), or run `escarp learn try %s`:\n\n%s\n", l.ID, indent(l.Curl(base)))
	src, err := l.Source()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "2. Read the vulnerable code (internal/lab):\n\n")
	for _, ex := range src {
		fmt.Fprintf(w, "   internal/lab/%s:%d\n\n%s\n", ex.File, ex.Line, indent(ex.Code))
	}
	fmt.Fprintf(w, "3. The fix: the secure twin runs these branches (l.secure is true there):\n\n")
	for _, ex := range src {
		for _, f := range ex.Fixes {
			fmt.Fprintf(w, "%s\n", indent(f))
		}
	}
	if c != nil {
		for _, e := range c.Examples {
			if e.Language == "go" {
				fmt.Fprintf(w, "   The same fix in a %s handler of your own:\n\n%s\n", e.Framework, indent(e.Code))
			}
		}
	}
	fmt.Fprintf(w, "4. Verify: start the twin (escarp lab --secure --addr 127.0.0.1:8889) and run\n\n     escarp learn verify %s --url http://127.0.0.1:8889\n\n   which runs the exploit and `%s` against it.\n", l.ID, l.VerifyCommand())
	for _, rule := range l.Checks {
		fmt.Fprintf(w, "   More: escarp explain %s\n", rule)
	}
	return nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "     " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
