// Package git is escarp's one way to the git client: every command runs
// non-interactively (GIT_TERMINAL_PROMPT=0), bounded by its context, with
// errors that quote git's own first line. [Run] runs a command in a work
// tree, [Show] reads a file at a ref (spec drift in `escarp ci`),
// [Checkout] clones a repository for `escarp inventory import
// git:REPO[#REF]`; the secrets scanner's history walk uses [Run] too.
package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// Prefix marks a git source on the command line.
const Prefix = "git:"

// Parse splits "git:REPO#REF" into the repository and the ref ("" for the
// default branch). ok is false when s is not a git source.
func Parse(s string) (repo, ref string, ok bool) {
	if !strings.HasPrefix(s, Prefix) {
		return "", "", false
	}
	repo = strings.TrimPrefix(s, Prefix)
	if i := strings.LastIndexByte(repo, '#'); i >= 0 {
		repo, ref = repo[:i], repo[i+1:]
	}
	return repo, ref, repo != ""
}

// Checkout clones repo at ref into a new temporary directory and returns
// it with a function that removes it.
func Checkout(ctx context.Context, repo, ref string) (string, func(), error) {
	const op = "git.Checkout"
	if strings.HasPrefix(repo, "-") || strings.HasPrefix(ref, "-") {
		return "", nil, &escarp.Error{Op: op, Kind: escarp.Invalid, Message: fmt.Sprintf("bad git source %q", repo)}
	}
	dir, err := os.MkdirTemp("", "escarp-git-")
	if err != nil {
		return "", nil, &escarp.Error{Op: op, Err: err}
	}
	cleanup := func() { os.RemoveAll(dir) }
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	args := []string{"clone", "--quiet", "--depth", "1", "--no-tags"}
	if ref != "" {
		args = append(args, "--branch", ref)
	}
	args = append(args, "--", repo, dir)
	cmd := command(ctx, "", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, &escarp.Error{Op: op, Kind: escarp.Invalid,
			Message: fmt.Sprintf("cloning %s: %s", repo, strings.TrimSpace(stderr.String())), Err: err}
	}
	return dir, cleanup, nil
}

// Available reports whether the git client is installed.
func Available() bool {
	_, err := exec.LookPath("git")
	return err == nil
}

// command is git with args, run in dir ("" for the current directory),
// never prompting.
func command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	return cmd
}

// Run runs git args in dir and returns its trimmed standard output; an
// error quotes the first line of git's standard error.
func Run(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := command(ctx, dir, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		if msg == "" {
			return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
		return "", fmt.Errorf("git %s: %s: %w", strings.Join(args, " "), msg, err)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// ErrNotAtRef is returned by [Show] for a file absent at the ref.
var ErrNotAtRef = errors.New("not at ref")

// Show returns the content of file (relative to dir) at ref, by `git show
// REF:./file`. A file absent at ref gives [ErrNotAtRef]; an unknown ref or
// no repository is an input error quoting git.
func Show(ctx context.Context, dir, ref, file string) ([]byte, error) {
	if strings.HasPrefix(ref, "-") {
		return nil, &escarp.Error{Op: "git.Show", Kind: escarp.Invalid, Message: fmt.Sprintf("bad ref %q", ref)}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := command(ctx, dir, "show", ref+":./"+file)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err == nil {
		return out, nil
	}
	msg := strings.TrimSpace(stderr.String())
	if strings.Contains(msg, "does not exist in") || strings.Contains(msg, "exists on disk, but not in") {
		return nil, ErrNotAtRef
	}
	return nil, &escarp.Error{Op: "git.Show", Kind: escarp.Invalid, Message: fmt.Sprintf("git show %s:%s: %s", ref, file, msg), Err: err}
}
