package secrets

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/fatih/semgroup"
	"github.com/zricethezav/gitleaks/v8/cmd/scm"
	"github.com/zricethezav/gitleaks/v8/sources"

	"github.com/escarp/escarp/internal/git"
)

// commitOrder maps each scanned commit to its position in the history, 0
// for HEAD: a larger number is an older commit.
func (r *run) commitOrder() map[string]int {
	return r.order
}

// scanHistory runs gitleaks over the patches of the commits reachable from
// HEAD (at most MaxCommits of them), through gitleaks' git source: `git log
// -p -U0` parsed into the lines each commit added. Paths are relative to
// root (`--relative`), so a root below the top of its repository sees only
// its own part of the history. A root outside any git work tree, or without
// commits, gives a note.
func (r *run) scanHistory(ctx context.Context) ([]hit, error) {
	if !git.Available() {
		r.note("git history not scanned: the git binary is not installed")
		return nil, nil
	}
	if inside, err := git.Run(ctx, r.root, "rev-parse", "--is-inside-work-tree"); err != nil || inside != "true" {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.note("git history not scanned: %s is not in a git work tree", r.root)
		return nil, nil
	}
	revs, err := git.Run(ctx, r.root, "rev-list", fmt.Sprintf("--max-count=%d", r.opt.MaxCommits), "HEAD")
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r.note("git history not scanned: %v", err)
		return nil, nil
	}
	r.order = map[string]int{}
	for i, sha := range strings.Fields(revs) {
		r.order[sha] = i
	}
	r.count("commits", int64(len(r.order)))
	if len(r.order) == r.opt.MaxCommits {
		r.note("git history: only the latest %d commits were scanned", r.opt.MaxCommits)
	}

	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	logOpts := fmt.Sprintf("--relative --no-color --no-ext-diff --no-textconv --diff-filter=tuxdb --max-count=%d HEAD",
		r.opt.MaxCommits)
	cmd, err := sources.NewGitLogCmdContext(hctx, r.root, logOpts)
	if err != nil {
		r.note("git history not scanned: %v", err)
		return nil, nil
	}
	sema := semgroup.NewGroup(hctx, int64(runtime.GOMAXPROCS(0)))
	src := &sources.Git{
		Cmd:    cmd,
		Config: &r.cfg,
		// Without a remote, gitleaks would dereference a nil one to build links.
		Remote: &sources.RemoteInfo{Platform: scm.NoPlatform},
		Sema:   sema,
	}
	det := newDetector(hctx, r.cfg)
	var (
		mu      sync.Mutex
		hits    []hit
		scanned int64
	)
	err = src.Fragments(hctx, func(fr sources.Fragment, err error) error {
		if err != nil {
			// git wrote to stderr: gitleaks stops reading; stop git too so
			// that nothing blocks on a full pipe.
			r.note("git history scan incomplete: %v", err)
			cancel()
			return nil
		}
		if fr.FilePath == "" || r.skippedPath(fr.FilePath) {
			return nil
		}
		found := det.detect(hctx, fr)
		mu.Lock()
		defer mu.Unlock()
		scanned += int64(len(fr.Raw))
		for _, f := range found {
			hits = append(hits, r.toHit(f, fr.FilePath, fr.CommitSHA))
		}
		return nil
	})
	_ = sema.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil && hctx.Err() == nil {
		r.note("git history scan incomplete: %v", err)
	}
	r.count("historyBytes", scanned)
	return hits, nil
}
