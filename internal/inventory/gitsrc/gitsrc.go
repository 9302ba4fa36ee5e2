// Package gitsrc reads API descriptions from a git repository, as an
// inventory source: `escarp inventory import git:REPO[#REF]` clones REPO (a
// path or URL that the local git client can reach) at REF, shallowly, into
// a temporary directory, and the importer walks it for API descriptions.
package gitsrc

import (
	"bytes"
	"context"
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
	const op = "gitsrc.Checkout"
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
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, &escarp.Error{Op: op, Kind: escarp.Invalid,
			Message: fmt.Sprintf("cloning %s: %s", repo, strings.TrimSpace(stderr.String())), Err: err}
	}
	return dir, cleanup, nil
}
