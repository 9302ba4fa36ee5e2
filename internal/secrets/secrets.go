// Package secrets finds hard-coded secrets in a source tree, in its git
// history and in the examples of its API descriptions.
//
// Detection is gitleaks' (github.com/zricethezav/gitleaks/v8) default rule set,
// reported as "gitleaks:<rule id>". Each finding points at the exact line and
// column of the secret, not of the text around it, and the secret itself never
// leaves this package: snippets are masked (at most four leading characters
// kept) and [escarp.Finding.Hash] is a SHA-256 of the secret, so the
// fingerprint is rule, file and secret hash.
//
// Escarp adds one rule of its own, [SpecRuleID]: credential-like values in the
// example, examples and default values of security-relevant fields of an API
// description.
//
// Findings are silenced as gitleaks silences them: a "gitleaks:allow" comment
// on the line, or a "file:rule:line" (or "commit:file:rule:line") entry in a
// .gitleaksignore file at the root.
//
// A secret still in the working tree is reported there, with
// Properties["commit"] naming the commit that introduced it when history was
// scanned; one found only in the history is reported at its file and line in
// the commit that introduced it, with Properties["commit"] and
// Properties["history"] = "true".
//
// Scan finds what gitleaks' own detector finds, faster: its catch-all rule
// generic-api-key, which costs most of a scan when run over whole files, is
// run only over the lines around its keywords (see generic.go; a test holds
// the two to the same results).
package secrets

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/report"
	"github.com/zricethezav/gitleaks/v8/sources"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/pathglob"
	"github.com/escarp/escarp/internal/redact"
)

// DefaultMaxFileSize is the size above which a working-tree file is skipped
// (with a note) when [Options.MaxFileSize] is zero.
const DefaultMaxFileSize = 2 << 20

// DefaultMaxCommits bounds the history scan when [Options.MaxCommits] is zero.
const DefaultMaxCommits = 10000

// maxNotes bounds the per-file notes of one run; the rest are counted.
const maxNotes = 50

// Options configures [Scan].
type Options struct {
	// History also scans the commits reachable from HEAD.
	History bool
	// Specs are API description files (relative to root or absolute) whose
	// examples get escarp's own scrutiny ([SpecRuleID]).
	Specs []string
	// Exclude holds slash-separated path globs relative to root. A glob
	// without a slash matches a file or directory name at any depth
	// ("testdata"); one with a slash is anchored at root, and "**" matches
	// any number of directories ("internal/**/testdata/*.env").
	Exclude []string
	// MaxCommits bounds the history depth; 0 means [DefaultMaxCommits].
	MaxCommits int
	// MaxFileSize is the largest file scanned, in bytes; 0 means
	// [DefaultMaxFileSize].
	MaxFileSize int64
}

// skipDirs are never descended into.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "vendor": true}

// hit is one secret before it becomes a finding. Only this package sees the
// secret.
type hit struct {
	rule      string // gitleaks rule id, without prefix
	file      string // slash-separated, relative to root
	line, col int    // of the secret, 1-based
	endLine   int
	endCol    int    // exclusive, as SARIF wants it
	lineText  string // the whole source line holding the start of the secret
	secret    string
	commit    string // full SHA for history hits
	glLine    int    // gitleaks' StartLine, for .gitleaksignore
}

// run collects what one Scan produces.
type run struct {
	root    string
	opt     Options
	cfg     config.Config
	mu      sync.Mutex
	hits    []hit
	notes   []string
	dropped int // notes beyond maxNotes
	stats   map[string]int64
	order   map[string]int // commit SHA → position in history (0 = HEAD)
	// allowed holds the (rule, secret) pairs the working tree accepts with
	// an inline gitleaks:allow: their history hits are accepted too, since
	// the same value is in the tree.
	allowed map[[2]string]bool
}

func (r *run) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.notes) >= maxNotes {
		r.dropped++
		return
	}
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *run) count(key string, n int64) {
	r.mu.Lock()
	r.stats[key] += n
	r.mu.Unlock()
}

// Scan looks for secrets in every file under root, in root's git history when
// opt.History is set, and in the examples of opt.Specs. A root that cannot be
// read is an [escarp.Invalid] error; a file that cannot be read is a note.
func Scan(ctx context.Context, root string, opt Options) (*escarp.Run, error) {
	started := time.Now().UTC()
	info, err := os.Stat(root)
	if err != nil {
		return nil, &escarp.Error{Op: "secrets.Scan", Kind: escarp.Invalid,
			Pos: escarp.Position{File: root}, Message: "cannot read the scan root", Err: err}
	}
	if !info.IsDir() {
		return nil, &escarp.Error{Op: "secrets.Scan", Kind: escarp.Invalid,
			Pos: escarp.Position{File: root}, Message: "the scan root is not a directory"}
	}
	cfg, err := gitleaksConfig()
	if err != nil {
		return nil, &escarp.Error{Op: "secrets.Scan", Kind: escarp.Internal, Message: "gitleaks configuration", Err: err}
	}
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = DefaultMaxFileSize
	}
	if opt.MaxCommits <= 0 {
		opt.MaxCommits = DefaultMaxCommits
	}
	for _, g := range opt.Exclude {
		if _, err := path.Match(strings.ReplaceAll(g, "**", "*"), ""); err != nil {
			return nil, &escarp.Error{Op: "secrets.Scan", Kind: escarp.Invalid,
				Message: fmt.Sprintf("bad exclude glob %q", g), Err: err}
		}
	}
	r := &run{root: root, opt: opt, cfg: cfg, stats: map[string]int64{}}

	ignore, err := loadIgnore(filepath.Join(root, ".gitleaksignore"))
	if err != nil {
		r.note(".gitleaksignore: %v", err)
	}

	if err := r.scanTree(ctx); err != nil {
		return nil, err
	}
	var history []hit
	if opt.History {
		history, err = r.scanHistory(ctx)
		if err != nil {
			return nil, err
		}
	}
	specHits, err := r.scanSpecs(ctx)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	tree := dropIdentifiers(ignore.filter(r.hits))
	history = dropIdentifiers(ignore.filter(history))
	if len(r.allowed) > 0 {
		kept := history[:0]
		for _, h := range history {
			if !r.allowed[[2]string{h.rule, h.secret}] {
				kept = append(kept, h)
			}
		}
		history = kept
	}
	findings := r.findings(tree, history)
	// Values gitleaks found, reported or silenced, are not reported again.
	findings = append(findings, specFindings(ignore.filterSpec(specHits), r.hits)...)
	escarp.SortFindings(findings)

	out := &escarp.Run{
		Engine:     escarp.EngineCode,
		Target:     root,
		StartedAt:  started,
		FinishedAt: time.Now().UTC(),
		Rules:      Rules(),
		Findings:   findings,
		Stats:      r.stats,
		Notes:      r.notes,
	}
	if r.dropped > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d more notes left out", r.dropped))
	}
	if out.Findings == nil {
		out.Findings = []escarp.Finding{}
	}
	return out, nil
}

// excluded reports whether rel (slash-separated, relative to root) matches
// one of the exclude globs.
func (r *run) excluded(rel string) bool {
	return pathglob.Set(r.opt.Exclude).Match(rel)
}

// skippedPath reports whether a path from git history lies in a directory
// that the working-tree walk skips, or is excluded.
func (r *run) skippedPath(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if skipDirs[seg] {
			return true
		}
	}
	return r.excluded(rel)
}

// scanTree runs gitleaks over every file under root.
func (r *run) scanTree(ctx context.Context) error {
	det := newDetector(ctx, r.cfg)
	// The tree's detector reports allowed values too, so scanFile can
	// remember them for the history.
	det.main.IgnoreGitleaksAllow = true
	if det.generic != nil {
		det.generic.IgnoreGitleaksAllow = true
	}
	paths := make(chan string)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := new(bytes.Buffer)
			for rel := range paths {
				if ctx.Err() != nil {
					continue
				}
				r.scanFile(ctx, det, rel, buf)
			}
		}()
	}
	// WalkDir does not follow a root that is a symbolic link.
	walkRoot := r.root
	if resolved, err := filepath.EvalSymlinks(r.root); err == nil {
		walkRoot = resolved
	}
	walkErr := filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, relErr := filepath.Rel(walkRoot, p)
		if relErr != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if err != nil {
			if rel == "." {
				return err
			}
			r.note("%s: skipped: %v", rel, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel != "." && (skipDirs[d.Name()] || r.excluded(rel)) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || r.excluded(rel) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			r.note("%s: skipped: %v", rel, err)
			return nil
		}
		if info.Size() == 0 {
			return nil
		}
		if info.Size() > r.opt.MaxFileSize {
			r.note("%s: skipped: %d bytes is over the %d-byte limit", rel, info.Size(), r.opt.MaxFileSize)
			r.count("skippedLarge", 1)
			return nil
		}
		select {
		case paths <- rel:
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	})
	close(paths)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if walkErr != nil {
		return &escarp.Error{Op: "secrets.Scan", Kind: escarp.Invalid,
			Pos: escarp.Position{File: r.root}, Message: "cannot walk the scan root", Err: walkErr}
	}
	return nil
}

// scanFile runs gitleaks over one working-tree file.
func (r *run) scanFile(ctx context.Context, det *detector, rel string, buf *bytes.Buffer) {
	f, err := os.Open(filepath.Join(r.root, filepath.FromSlash(rel)))
	if err != nil {
		r.note("%s: skipped: %v", rel, err)
		return
	}
	buf.Reset()
	_, err = buf.ReadFrom(bufio.NewReader(&limitedFile{f: f, n: r.opt.MaxFileSize + 1}))
	f.Close()
	if err != nil {
		r.note("%s: skipped: %v", rel, err)
		return
	}
	data := buf.Bytes()
	raw := string(data)
	if binary(data) {
		// Only the rules on file names (pkcs12-file) apply to binary files.
		r.count("skippedBinary", 1)
		raw = ""
	} else {
		r.count("files", 1)
		r.count("bytes", int64(len(data)))
	}
	fs := det.detect(ctx, sources.Fragment{Raw: raw, FilePath: rel, StartLine: 1})
	hits := make([]hit, 0, len(fs))
	var allowed [][2]string
	for _, f := range fs {
		if strings.Contains(f.Line, allowSignature) {
			allowed = append(allowed, [2]string{f.RuleID, f.Secret})
			continue
		}
		hits = append(hits, r.toHit(f, rel, ""))
	}
	if len(hits) > 0 || len(allowed) > 0 {
		r.mu.Lock()
		r.hits = append(r.hits, hits...)
		if len(allowed) > 0 && r.allowed == nil {
			r.allowed = map[[2]string]bool{}
		}
		for _, k := range allowed {
			r.allowed[k] = true
		}
		r.mu.Unlock()
	}
}

// limitedFile reads at most n bytes of f.
type limitedFile struct {
	f *os.File
	n int64
}

func (l *limitedFile) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("file grew past the size limit while being read")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.f.Read(p)
	l.n -= int64(n)
	return n, err
}

// binary reports whether data looks like a binary file: a NUL byte in its
// first 8000 bytes, git's own heuristic.
func binary(data []byte) bool {
	if len(data) > 8000 {
		data = data[:8000]
	}
	return bytes.IndexByte(data, 0) >= 0
}

// toHit turns a gitleaks finding into a hit positioned on the secret itself.
// gitleaks reports the line and column of the whole match (which for many
// rules starts at the variable name, and for the lines after the first of a
// fragment has its column one too far); Line holds the text of the match's
// lines, so the secret is located inside it.
func (r *run) toHit(f report.Finding, file, commit string) hit {
	h := hit{rule: f.RuleID, file: file, secret: f.Secret, commit: commit, glLine: f.StartLine,
		line: f.StartLine, col: 1}
	if h.secret == "" { // a path-only rule (pkcs12-file): the file is the secret
		h.secret = f.Match
		h.line, h.endLine, h.endCol = 1, 1, 1
		return h
	}
	text := f.Line
	lead := 0
	if strings.HasPrefix(text, "\n") {
		lead = 1
	}
	// Offset of the match inside text: gitleaks' column counts from the
	// newline that precedes the line, which is text's first byte when lead is 1.
	mOff := f.StartColumn - 1
	if mOff < lead || mOff > len(text) || !strings.HasPrefix(text[mOff:], f.Match) {
		// When the match is on the last line of a fragment that does not end
		// in a newline, gitleaks' Line is the whole fragment and its column
		// counts from the last newline: the match is then the last one.
		if strings.Count(text[lead:], "\n") > f.EndLine-f.StartLine {
			mOff = strings.LastIndex(text, f.Match)
		} else if mOff = strings.Index(text[lead:], f.Match); mOff >= 0 {
			mOff += lead
		}
	}
	sOff := -1
	if mOff >= 0 {
		if i := secretIndex(r.cfg, f); i >= 0 {
			sOff = mOff + i
		}
	}
	if sOff < 0 { // decoded or otherwise displaced: keep gitleaks' position
		h.line = f.StartLine
		h.col = max(1, f.StartColumn-lead)
		h.lineText, _, _ = strings.Cut(text[lead:], "\n")
		h.endLine, h.endCol = h.line, h.col+utf8.RuneCountInString(firstLine(h.secret))
		return h
	}
	// The match starts on StartLine; the secret may start lines below.
	h.line = f.StartLine + strings.Count(text[mOff:sOff], "\n")
	lineStart := strings.LastIndex(text[:sOff], "\n") + 1
	h.col = utf8.RuneCountInString(text[lineStart:sOff]) + 1
	lineEnd := strings.IndexByte(text[sOff:], '\n')
	if lineEnd < 0 {
		h.lineText = text[lineStart:]
	} else {
		h.lineText = text[lineStart : sOff+lineEnd]
	}
	h.lineText = strings.TrimSuffix(h.lineText, "\r")
	if n := strings.Count(h.secret, "\n"); n > 0 {
		h.endLine = h.line + n
		h.endCol = utf8.RuneCountInString(h.secret[strings.LastIndex(h.secret, "\n")+1:]) + 1
	} else {
		h.endLine = h.line
		h.endCol = h.col + utf8.RuneCountInString(h.secret)
	}
	return h
}

// secretIndex returns the offset of f.Secret inside f.Match, using the
// rule's capture groups the way gitleaks picks the secret: the secretGroup if
// set, else the first non-empty group, else the whole match.
func secretIndex(cfg config.Config, f report.Finding) int {
	rule, ok := cfg.Rules[f.RuleID]
	if ok && rule.Regex != nil {
		if m := rule.Regex.FindStringSubmatchIndex(f.Match); len(m) >= 4 {
			if rule.SecretGroup > 0 && 2*rule.SecretGroup+1 < len(m) {
				if s := m[2*rule.SecretGroup]; s >= 0 && f.Match[s:m[2*rule.SecretGroup+1]] == f.Secret {
					return s
				}
			}
			for g := 1; 2*g+1 < len(m); g++ {
				if s, e := m[2*g], m[2*g+1]; s >= 0 && e > s {
					if f.Match[s:e] == f.Secret {
						return s
					}
					break
				}
			}
		}
	}
	return strings.Index(f.Match, f.Secret)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// findings turns working-tree and history hits into findings: one per rule,
// file and secret; a secret still in the tree is reported there, with the
// commit that introduced it when history was scanned.
func (r *run) findings(tree, history []hit) []escarp.Finding {
	type key struct{ rule, file, secret string }
	// Every secret of each line, to mask all of them in the snippet.
	lineSecrets := map[string][]string{}
	lineKey := func(h hit) string { return fmt.Sprintf("%s\x00%s\x00%d", h.commit, h.file, h.line) }
	for _, hs := range [][]hit{tree, history} {
		for _, h := range hs {
			k := lineKey(h)
			lineSecrets[k] = append(lineSecrets[k], firstLine(h.secret))
		}
	}

	// The oldest commit that holds each (rule, secret), by history order.
	order := r.commitOrder()
	introduced := map[[2]string]hit{}
	for _, h := range history {
		k := [2]string{h.rule, h.secret}
		if old, ok := introduced[k]; !ok || order[h.commit] > order[old.commit] {
			introduced[k] = h
		}
	}

	var out []escarp.Finding
	seen := map[key]bool{}
	inTree := map[[2]string]bool{}
	for _, h := range tree {
		k := key{h.rule, h.file, h.secret}
		if seen[k] {
			continue
		}
		seen[k] = true
		inTree[[2]string{h.rule, h.secret}] = true
		f := r.finding(h, lineSecrets[lineKey(h)])
		f.Message = fmt.Sprintf("Secret found by gitleaks rule %s in %s: rotate it and load it from the environment or a secret manager",
			h.rule, h.file)
		if intro, ok := introduced[[2]string{h.rule, h.secret}]; ok {
			f.Properties["commit"] = short(intro.commit)
			f.Message += fmt.Sprintf("; committed in %s, so it is also in the git history", short(intro.commit))
		}
		f.SetFingerprint()
		out = append(out, f)
	}
	// History-only secrets, each reported once at the commit that introduced it.
	var hist []hit
	for k, h := range introduced {
		if !inTree[k] {
			hist = append(hist, h)
		}
	}
	for _, h := range hist {
		f := r.finding(h, lineSecrets[lineKey(h)])
		f.Properties["commit"] = short(h.commit)
		f.Properties["history"] = "true"
		f.Message = fmt.Sprintf("Secret found by gitleaks rule %s in %s is in the git history only: committed in %s, "+
			"removed since: rotate it; deleting the file does not remove it from history",
			h.rule, h.file, short(h.commit))
		f.SetFingerprint()
		out = append(out, f)
	}
	return out
}

// finding builds the parts of a finding shared by tree and history hits.
func (r *run) finding(h hit, sameLine []string) escarp.Finding {
	sev, conf := ruleSeverity(h.rule)
	return escarp.Finding{
		RuleID:     rulePrefix + h.rule,
		Title:      ruleTitle(h.rule),
		Kind:       escarp.KindSecret,
		Severity:   sev,
		Confidence: conf,
		CWE:        []string{cwe},
		Location: escarp.Location{
			File: h.file, Line: h.line, Column: h.col, EndLine: h.endLine, EndColumn: h.endCol,
			Snippet: snippet(h.lineText, h.col, sameLine),
		},
		Remediation: remediation,
		References:  references,
		Hash:        hashSecret(h.secret),
		Properties:  map[string]string{},
	}
}

// short abbreviates a commit SHA.
func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// hashSecret is the hex SHA-256 (first 16 bytes) of a secret: it identifies
// the secret without revealing it.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// mask hides s, keeping at most four leading characters (fewer for short
// values, none below eight characters).
func mask(s string) string {
	keep := min(4, utf8.RuneCountInString(s)/4)
	if utf8.RuneCountInString(s) < 8 {
		keep = 0
	}
	i := 0
	for range keep {
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return s[:i] + "****"
}

// maxSnippet bounds the runes of a snippet; longer lines (minified code) are
// cut around the secret.
const maxSnippet = 200

// snippet returns line with every secret in secrets masked, trimmed and cut
// to at most maxSnippet runes around column col. Masking comes first, so a
// cut never exposes part of a secret.
func snippet(line string, col int, secrets []string) string {
	sorted := append([]string(nil), secrets...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, s := range sorted {
		if s != "" {
			line = strings.ReplaceAll(line, s, mask(s))
		}
	}
	line = redact.String(line)
	runes := []rune(line)
	if len(runes) > maxSnippet {
		start := max(0, min(col-1-maxSnippet/4, len(runes)-maxSnippet))
		line = string(runes[start : start+maxSnippet])
		if start > 0 {
			line = "…" + line
		}
		if start+maxSnippet < len(runes) {
			line += "…"
		}
	}
	return strings.TrimSpace(line)
}
