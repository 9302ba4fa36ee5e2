package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/escarp/escarp"
)

// hostileBomb is the 418-byte "billion laughs" that took `escarp audit` to
// 24 GB: 9^9 strings once its aliases are expanded.
const hostileBomb = `openapi: 3.0.0
info: {title: t, version: "1"}
paths: {}
x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
x-e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
x-f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
x-g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
x-h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
x-i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

// hostileDeep is a 20 KB spec with a 10,000-deep x- extension (883 MB in
// `escarp audit` before the limits).
var hostileDeep = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-deep: " +
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "\n"

// TestHostileSpecsMemory runs spec, audit, scan and ci on the alias bomb
// and the deep extension, each in a child process whose address space is
// capped at 3 GB, and checks that each exits 2 naming the file and the
// limit with a peak resident size under 1 GB.
func TestHostileSpecsMemory(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to cap the child's memory")
	}
	dir := t.TempDir()
	for name, doc := range map[string]string{"bomb.yaml": hostileBomb, "deep.yaml": hostileDeep} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, file := range []string{"bomb.yaml", "deep.yaml"} {
		for _, args := range [][]string{
			{"spec", file},
			{"audit", file},
			{"scan", "--spec", file, "--target", "http://127.0.0.1:9"},
			{"ci", "--spec", file, "--target", "http://127.0.0.1:9"},
		} {
			t.Run(file+"/"+args[0], func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, "sh", "-c", `ulimit -v 3000000 && exec "$0" "$@"`,
					os.Args[0], "-test.run=^TestHostileChild$", "-test.v")
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "ESCARP_HOSTILE_CHILD="+strings.Join(args, "\x1f"))
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				_ = cmd.Run()
				var rss int64
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					rss = ru.Maxrss << 10 // kilobytes on Linux
				}
				t.Logf("escarp %s: peak RSS %d MB", strings.Join(args, " "), rss>>20)
				text := out.String()
				if !strings.Contains(text, "CHILD-EXIT 2\n") {
					t.Fatalf("escarp %s: want exit 2; output:\n%s", strings.Join(args, " "), tail(text, 2000))
				}
				if !strings.Contains(text, file+":") || !strings.Contains(text, "the limit") {
					t.Errorf("escarp %s: the error does not name %s and the limit:\n%s", strings.Join(args, " "), file, tail(text, 2000))
				}
				if rss > 1<<30 {
					t.Errorf("escarp %s: peak RSS %d MB, want under 1 GB", strings.Join(args, " "), rss>>20)
				}
			})
		}
	}
}

// TestHostileChild is the child of [TestHostileSpecsMemory]: it runs
// escarp in-process on the arguments in ESCARP_HOSTILE_CHILD and prints the
// exit code.
func TestHostileChild(t *testing.T) {
	args := os.Getenv("ESCARP_HOSTILE_CHILD")
	if args == "" {
		t.Skip("run by TestHostileSpecsMemory")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, strings.Split(args, "\x1f"), strings.NewReader(""), &stdout, &stderr)
	fmt.Printf("%s\nescarp: %v\nCHILD-EXIT %s\n", stderr.String(), err, strconv.Itoa(escarp.ExitCode(err)))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
