package main

// CLI script tests. Each testdata/script/*.txt runs escarp in-process
// through run(...), with a fresh temporary directory as the working
// directory, and checks exit codes and output.
//
// A script is txtar-shaped: commands first, then files written into the
// working directory before the commands run:
//
//	# Comments start with #; blank lines are ignored.
//	env NAME=VALUE          set an environment variable for later commands
//	stdin FILE              the next escarp reads FILE on standard input
//	escarp ARGS...          run escarp; $WORK is the working directory
//	exit N                  the last escarp exited with N (without an exit
//	                        line, a run must exit 0)
//	stdout TEXT             stdout of the last run contains TEXT
//	! stdout TEXT           ... does not contain TEXT
//	stdout -re REGEXP       ... matches REGEXP
//	stdout -empty           ... is empty (stderr works the same way)
//	-- escarp.yaml --
//	target: http://127.0.0.1:8080
//
// Arguments are separated by spaces; 'single quotes' group words (two
// single quotes make a quote inside them). stderr holds what main would
// print too: "escarp: " and the returned error.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

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
			runScript(t, file, data)
		})
	}
}

// scriptFile is one "-- name --" section.
type scriptFile struct {
	name string
	data []byte
}

// parseScript splits a script into its command section and its files.
func parseScript(data []byte) (commands string, files []scriptFile) {
	marker := regexp.MustCompile(`(?m)^-- (\S+) --\n?`)
	locs := marker.FindAllSubmatchIndex(data, -1)
	if len(locs) == 0 {
		return string(data), nil
	}
	commands = string(data[:locs[0][0]])
	for i, loc := range locs {
		end := len(data)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		files = append(files, scriptFile{name: string(data[loc[2]:loc[3]]), data: data[loc[1]:end]})
	}
	return commands, files
}

// splitArgs splits a command line into words; 'single quotes' group words.
func splitArgs(line string) ([]string, error) {
	var (
		args   []string
		cur    strings.Builder
		inWord bool
		quoted bool
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\'' && i+1 < len(line) && line[i+1] == '\'':
			cur.WriteByte('\'')
			i++
		case c == '\'':
			quoted = !quoted
			inWord = true
		case !quoted && (c == ' ' || c == '\t'):
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unterminated quote in %q", line)
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}

// scriptRun is the outcome of the last escarp command.
type scriptRun struct {
	line           int
	args           []string
	code           int
	stdout, stderr string
	exitChecked    bool
}

// scriptT is the part of *testing.T a script uses; a recorder stands in
// for it when the runner itself is tested.
type scriptT interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
	TempDir() string
	Chdir(dir string)
	Setenv(key, value string)
}

func runScript(t scriptT, file string, data []byte) {
	work := t.TempDir()
	commands, files := parseScript(data)
	for _, f := range files {
		p := filepath.Join(work, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(work)
	// Only what the script sets reaches escarp.
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "ESCARP_") || k == "NO_COLOR" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}

	var last *scriptRun
	var stdin []byte
	checkExit := func() {
		if last != nil && !last.exitChecked && last.code != 0 {
			t.Errorf("%s:%d: escarp %s: exit %d, want 0\nstdout:\n%s\nstderr:\n%s",
				file, last.line, strings.Join(last.args, " "), last.code, last.stdout, last.stderr)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(commands))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", file, n)
		neg := false
		if rest, ok := strings.CutPrefix(line, "! "); ok {
			neg, line = true, strings.TrimSpace(rest)
		}
		words, err := splitArgs(line)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		for i := range words {
			words[i] = strings.ReplaceAll(words[i], "$WORK", work)
		}
		switch cmd, args := words[0], words[1:]; cmd {
		case "env":
			for _, kv := range args {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("%s: env wants NAME=VALUE, got %q", where, kv)
				}
				t.Setenv(k, v)
			}
		case "stdin":
			if len(args) != 1 {
				t.Fatalf("%s: stdin takes one file name", where)
			}
			b, err := os.ReadFile(filepath.Join(work, args[0]))
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			stdin = b
		case "escarp":
			if neg {
				t.Fatalf("%s: use \"exit N\" after the command instead of \"! escarp\"", where)
			}
			checkExit()
			last = runEscarp(n, args, stdin)
			stdin = nil
		case "exit":
			if last == nil || len(args) != 1 {
				t.Fatalf("%s: exit N must follow an escarp command", where)
			}
			want, err := strconv.Atoi(args[0])
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			last.exitChecked = true
			if last.code != want {
				t.Errorf("%s: escarp %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s",
					where, strings.Join(last.args, " "), last.code, want, last.stdout, last.stderr)
			}
		case "stdout", "stderr":
			if last == nil || len(args) == 0 {
				t.Fatalf("%s: %s TEXT must follow an escarp command", where, cmd)
			}
			out := last.stdout
			if cmd == "stderr" {
				out = last.stderr
			}
			var ok bool
			var what string
			switch {
			case args[0] == "-empty" && len(args) == 1:
				ok, what = out == "", "be empty"
			case args[0] == "-re" && len(args) == 2:
				re, err := regexp.Compile(args[1])
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				ok, what = re.MatchString(out), fmt.Sprintf("match %q", args[1])
			case len(args) == 1:
				ok, what = strings.Contains(out, args[0]), fmt.Sprintf("contain %q", args[0])
			default:
				t.Fatalf("%s: %s takes one argument (quote it)", where, cmd)
			}
			if ok == neg {
				should := "should"
				if neg {
					should = "should not"
				}
				t.Errorf("%s: %s of escarp %s %s %s; it is:\n%s", where, cmd,
					strings.Join(last.args, " "), should, what, out)
			}
		default:
			t.Fatalf("%s: unknown command %q", where, cmd)
		}
	}
	checkExit()
}

// runEscarp runs escarp in-process the way main does.
func runEscarp(line int, args []string, stdin []byte) *scriptRun {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, bytes.NewReader(stdin), &stdout, &stderr)
	if err != nil {
		fmt.Fprintln(&stderr, "escarp: "+err.Error())
	}
	return &scriptRun{line: line, args: args, code: escarp.ExitCode(err),
		stdout: stdout.String(), stderr: stderr.String()}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a b  c", []string{"a", "b", "c"}},
		{"'a b' c", []string{"a b", "c"}},
		{"x'y z'", []string{"xy z"}},
		{"'it''s'", []string{"it's"}},
		{"''", []string{""}},
	}
	for _, tt := range tests {
		got, err := splitArgs(tt.in)
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("splitArgs(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := splitArgs("'open"); err == nil {
		t.Error("splitArgs(\"'open\") = nil error, want unterminated quote")
	}
}

// recorder is a scriptT that records failures instead of failing.
type recorder struct {
	*testing.T
	errors []string
}

// errFatal stops a script after a recorded Fatalf.
var errFatal = fmt.Errorf("fatal")

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(errFatal)
}

func (r *recorder) Fatal(args ...any) {
	r.errors = append(r.errors, fmt.Sprint(args...))
	panic(errFatal)
}

// TestScriptRunnerFails checks that the runner reports what it should: a
// script that cannot fail tests nothing.
func TestScriptRunnerFails(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   string // substring of the first recorded failure; "" for none
	}{
		{"passes", "escarp version\nstdout escarp\n", ""},
		{"unexpected exit", "escarp nosuch\n", "exit 2, want 0"},
		{"wrong exit", "escarp version\nexit 2\n", "exit 0, want 2"},
		{"missing text", "escarp version\nstdout 'no such text'\n", `should contain "no such text"`},
		{"unwanted text", "escarp version\n! stdout escarp\n", `should not contain "escarp"`},
		{"not empty", "escarp version\nstdout -empty\n", "should be empty"},
		{"regexp", "escarp version\nstdout -re '^nope'\n", `should match "^nope"`},
		{"files are written", "escarp config validate c.yaml\n-- c.yaml --\nscan: {rate: x}\n", "exit 2, want 0"},
		{"env reaches escarp", "env ESCARP_CONFIG=c.yaml\nescarp config validate\nstdout 'c.yaml: valid'\n-- c.yaml --\ntarget: http://127.0.0.1:1\n", ""},
		{"unknown command", "frobnicate\n", `unknown command "frobnicate"`},
		{"stdout before escarp", "stdout x\n", "must follow an escarp command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{T: t}
			func() {
				defer func() {
					if v := recover(); v != nil && v != errFatal {
						panic(v)
					}
				}()
				runScript(r, "x.txt", []byte(tt.script))
			}()
			switch {
			case tt.want == "" && len(r.errors) > 0:
				t.Errorf("runScript reported %q, want no failure", r.errors)
			case tt.want != "" && len(r.errors) == 0:
				t.Errorf("runScript reported nothing, want a failure containing %q", tt.want)
			case tt.want != "" && !strings.Contains(r.errors[0], tt.want):
				t.Errorf("runScript reported %q, want a failure containing %q", r.errors[0], tt.want)
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
