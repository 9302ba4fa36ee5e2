package main

// CLI script tests on rsc.io/script (the engine of cmd/go's script
// tests). Each testdata/script/*.txt is a txtar archive: its comment is
// the script, its files are written into a fresh working directory
// ($WORK) before it runs. escarp runs in-process through the same code
// as main, with the script's environment.
//
//	# Comments start with # and name a section of the log.
//	env NAME=VALUE          set an environment variable for later commands
//	stdin FILE              the next escarp reads FILE on standard input
//	escarp ARGS...          run escarp: it must exit 0
//	! escarp ARGS...        run escarp: it must exit non-zero, and the next
//	exit N                  line says with which code (checked exactly)
//	stdout REGEXP           stdout of the last run matches REGEXP
//	! stdout REGEXP         ... does not match it (stderr works the same
//	                        way; '[\s\S]' matches any output at all)
//	-- escarp.yaml --
//	target: http://127.0.0.1:8080
//
// Arguments are separated by spaces; 'single quotes' group words (two
// single quotes make a quote inside them). stderr holds what main would
// print too: "escarp: " and the returned error. The script's first
// failing line stops it, with the log of its section.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/tools/txtar"
	"rsc.io/script"
	"rsc.io/script/scripttest"

	"github.com/escarp/escarp"
)

func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "script", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scripts in testdata/script")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			e, s, script := newScript(t, data)
			scripttest.Run(t, e, s, file, strings.NewReader(script))
		})
	}
}

// newScript writes the archive's files into a fresh working directory
// (also the process's: escarp reads relative paths) and returns the
// engine, the state and the script text.
func newScript(t *testing.T, data []byte) (*script.Engine, *script.State, string) {
	t.Helper()
	work := t.TempDir()
	ar := txtar.Parse(data)
	for _, f := range ar.Files {
		p := filepath.Join(work, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(work)
	// Only what the script sets reaches escarp.
	env := []string{"WORK=" + work}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "ESCARP_") && k != "NO_COLOR" && k != "WORK" && k != "PWD" {
			env = append(env, kv)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	s, err := script.NewState(ctx, work, env)
	if err != nil {
		t.Fatal(err)
	}
	return newEngine(), s, string(ar.Comment)
}

// escarpRuns keeps, per script, the stdin for the next escarp and the
// exit code of the last one.
type escarpRuns struct {
	mu    sync.Mutex
	stdin map[*script.State][]byte
	code  map[*script.State]int
}

// newEngine is rsc.io/script's default commands and conditions plus
// escarp, stdin and exit.
func newEngine() *script.Engine {
	runs := &escarpRuns{stdin: map[*script.State][]byte{}, code: map[*script.State]int{}}
	cmds := scripttest.DefaultCmds()
	cmds["escarp"] = script.Command(script.CmdUsage{Summary: "run escarp in-process", Args: "args..."},
		func(s *script.State, args ...string) (script.WaitFunc, error) {
			runs.mu.Lock()
			stdin := runs.stdin[s]
			delete(runs.stdin, s)
			runs.mu.Unlock()
			stdout, stderr, code := runEscarp(s, args, stdin)
			runs.mu.Lock()
			runs.code[s] = code
			runs.mu.Unlock()
			return func(*script.State) (string, string, error) {
				if code != 0 {
					return stdout, stderr, fmt.Errorf("exit %d", code)
				}
				return stdout, stderr, nil
			}, nil
		})
	cmds["stdin"] = script.Command(script.CmdUsage{Summary: "the next escarp reads FILE on standard input", Args: "file"},
		func(s *script.State, args ...string) (script.WaitFunc, error) {
			if len(args) != 1 {
				return nil, script.ErrUsage
			}
			b, err := os.ReadFile(s.Path(args[0]))
			if err != nil {
				return nil, err
			}
			runs.mu.Lock()
			runs.stdin[s] = b
			runs.mu.Unlock()
			return nil, nil
		})
	cmds["exit"] = script.Command(script.CmdUsage{Summary: "the last escarp exited with code N", Args: "N"},
		func(s *script.State, args ...string) (script.WaitFunc, error) {
			if len(args) != 1 {
				return nil, script.ErrUsage
			}
			want, err := strconv.Atoi(args[0])
			if err != nil {
				return nil, script.ErrUsage
			}
			runs.mu.Lock()
			got, ok := runs.code[s]
			runs.mu.Unlock()
			if !ok {
				return nil, errors.New("exit N must follow an escarp command")
			}
			if got != want {
				return nil, fmt.Errorf("escarp exited with %d, want %d", got, want)
			}
			return nil, nil
		})
	return &script.Engine{Cmds: cmds, Conds: scripttest.DefaultConds()}
}

// runEscarp runs escarp in-process the way main does, with the script's
// environment and working directory.
func runEscarp(s *script.State, args []string, stdin []byte) (stdout, stderr string, code int) {
	ctx, cancel := context.WithTimeout(s.Context(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	a := &app{stdin: bytes.NewReader(stdin), stdout: &out, stderr: &errOut, getenv: s.LookupEnv, wd: s.Getwd()}
	err := a.run(ctx, args)
	if err != nil {
		fmt.Fprintln(&errOut, "escarp: "+err.Error())
	}
	return out.String(), errOut.String(), escarp.ExitCode(err)
}

// TestScriptRunnerFails checks that the runner reports what it should: a
// script that cannot fail tests nothing.
func TestScriptRunnerFails(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   string // substring of the error; "" for none
	}{
		{"passes", "escarp version\nstdout escarp\n", ""},
		{"unexpected exit", "escarp nosuch\n", "exit 2"},
		{"unexpected success", "! escarp version\n", "unexpected success"},
		{"wrong exit", "! escarp nosuch\nexit 3\n", "escarp exited with 2, want 3"},
		{"right exit", "! escarp nosuch\nexit 2\n", ""},
		{"missing text", "escarp version\nstdout 'no such text'\n", "no match for `(?m)no such text` in stdout"},
		{"unwanted text", "escarp version\n! stdout escarp\n", "stdout"},
		{"not empty", "escarp version\n! stdout '[\\s\\S]'\n", "stdout"},
		{"empty", "! escarp nosuch\nexit 2\n! stdout '[\\s\\S]'\n", ""},
		{"files are written", "escarp config validate c.yaml\n-- c.yaml --\nscan: {rate: x}\n", "exit 2"},
		{"env reaches escarp", "env ESCARP_CONFIG=c.yaml\nescarp config validate\nstdout 'c.yaml: valid'\n-- c.yaml --\ntarget: http://127.0.0.1:1\n", ""},
		{"stdin reaches escarp", "stdin c.yaml\nescarp config validate -\nstdout '<stdin>: valid'\n-- c.yaml --\ntarget: http://127.0.0.1:1\n", ""},
		{"unknown command", "frobnicate\n", "unknown command"},
		{"exit before escarp", "exit 0\n", "must follow an escarp command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, s, text := newScript(t, []byte(tt.script))
			var log strings.Builder
			err := e.Execute(s, "x.txt", bufioReader(text), &log)
			_ = s.CloseAndWait(&log)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("script failed with %v, want no failure\n%s", err, log.String())
			case tt.want != "" && err == nil:
				t.Errorf("script passed, want a failure containing %q\n%s", tt.want, log.String())
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("script failed with %q, want a failure containing %q", err, tt.want)
			}
		})
	}
}

// TestVersionFromLdflags checks that a version set with -ldflags -X wins
// over the build information, in both formats.
func TestVersionFromLdflags(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	version = "v1.2.3-test"
	for _, tt := range []struct{ args, want string }{
		{"version", "escarp v1.2.3-test (go"},
		{"version --format json", `"version": "v1.2.3-test"`},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), strings.Fields(tt.args), strings.NewReader(""), &stdout, &stderr)
		if err != nil || !strings.Contains(stdout.String(), tt.want) {
			t.Errorf("escarp %s = %q, %v; want output containing %q", tt.args, stdout.String(), err, tt.want)
		}
	}
	version = ""
	if b := currentBuild(); b.Version == "" || b.Go == "" || !strings.Contains(b.Platform, "/") {
		t.Errorf("currentBuild() without -X = %+v, want a fallback version, the Go version and GOOS/GOARCH", b)
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
