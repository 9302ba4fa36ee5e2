package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escarp/escarp"
)

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestCheckout(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(repo, "openapi.yaml"), []byte("openapi: 3.1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "v1")
	git(t, repo, "tag", "v1")
	git(t, repo, "rm", "-q", "openapi.yaml")
	git(t, repo, "commit", "-q", "-m", "gone")

	r, ref, ok := Parse("git:" + repo + "#v1")
	if !ok || r != repo || ref != "v1" {
		t.Fatalf("Parse = %q %q %v", r, ref, ok)
	}
	dir, cleanup, err := Checkout(context.Background(), r, ref)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if _, err := os.Stat(filepath.Join(dir, "openapi.yaml")); err != nil {
		t.Errorf("the ref's file is missing: %v", err)
	}
	_, _, err = Checkout(context.Background(), filepath.Join(repo, "nope"), "")
	if escarp.ExitCode(err) != 2 {
		t.Errorf("missing repo: %v", err)
	}
	if _, _, ok := Parse("openapi.yaml"); ok {
		t.Error("a file parsed as a git source")
	}

	// Show reads a file at a ref; a file absent there is ErrNotAtRef; an
	// unknown ref is an input error quoting git.
	if b, err := Show(context.Background(), repo, "v1", "openapi.yaml"); err != nil || string(b) != "openapi: 3.1.0\n" {
		t.Errorf("Show(v1) = %q, %v", b, err)
	}
	if _, err := Show(context.Background(), repo, "HEAD", "openapi.yaml"); err != ErrNotAtRef {
		t.Errorf("Show(HEAD) of a removed file = %v, want ErrNotAtRef", err)
	}
	if _, err := Show(context.Background(), repo, "nosuchref", "openapi.yaml"); escarp.ExitCode(err) != 2 {
		t.Errorf("Show(nosuchref) = %v, want an input error", err)
	}
	if out, err := Run(context.Background(), repo, "rev-list", "--count", "HEAD"); err != nil || out != "2" {
		t.Errorf("Run(rev-list --count) = %q, %v; want 2", out, err)
	}
	if _, err := Run(context.Background(), repo, "rev-parse", "nosuchref"); err == nil || !strings.Contains(err.Error(), "git rev-parse nosuchref:") {
		t.Errorf("Run(bad ref) = %v, want git's message", err)
	}
}
