package secrets

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/sources"
)

// TestDetectorMatchesGitleaks checks that running generic-api-key over
// windows around its keywords finds exactly what gitleaks' own detector
// finds over whole files: on this repository's sources and docs, and on
// texts built to stress the windows (values lines below their keyword,
// keywords on the last line, sparse and dense keywords).
func TestDetectorMatchesGitleaks(t *testing.T) {
	cfg, err := gitleaksConfig()
	if err != nil {
		t.Fatal(err)
	}
	s := fakeSecrets()
	key := s["API_KEY"]
	filler := strings.Repeat("fmt.Println(\"nothing to see on this line\")\n", 40)
	texts := map[string]string{
		"multiline.py":   "x = 1\napi_key =\n\n   '" + key + "'\n" + filler,
		"far.py":         "api_key =\n" + strings.Repeat("\n", 14) + "'" + key + "'\n" + filler,
		"last.env":       filler + "SECRET=" + key,
		"sparse.go":      filler + "var apiToken = \"" + key + "\"\n" + filler + filler + "password := \"" + s["AWS_SECRET"] + "\"\n" + filler,
		"dense.go":       strings.Repeat("token := \""+key+"\"\nkey := token\n", 30),
		"edge.go":        "secret = \"" + key + "\"\n" + filler + "auth:\n  " + key + "\n",
		"specific.env":   filler + "GITHUB_TOKEN=" + s["GH_TOKEN"] + "\n" + filler,
		"crlf.ini":       filler + "access_key = " + key + "\r\n" + filler,
		"nonewline.conf": "client_secret: " + key,
	}
	// This repository's own files, up to a budget.
	budget := 1 << 20
	root := filepath.Join("..", "..")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || budget <= 0 {
			return fs.SkipDir
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "node_modules" {
				return fs.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".go", ".md", ".yaml", ".json", ".har":
		default:
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) > 200<<10 {
			return nil
		}
		budget -= len(b)
		rel, _ := filepath.Rel(root, p)
		texts[filepath.ToSlash(rel)] = string(b)
		return nil
	})

	plain := detect.NewDetector(cfg)
	ours := newDetector(context.Background(), cfg)
	r := &run{cfg: cfg}
	windowed := 0
	for name, text := range texts {
		fr := sources.Fragment{Raw: text, FilePath: name, StartLine: 1}
		var want, got []hit
		for _, f := range detectIn(context.Background(), plain, fr) {
			want = append(want, r.toHit(f, name, ""))
		}
		for _, f := range ours.detect(context.Background(), fr) {
			got = append(got, r.toHit(f, name, ""))
		}
		sortHits(want)
		sortHits(got)
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(hit{})); diff != "" {
			t.Errorf("%s: windowed detection differs from gitleaks (-gitleaks +windowed):\n%s", name, diff)
		}
		if ws, whole := ours.windows(text); !whole && len(ws) > 0 {
			windowed++
		}
	}
	if windowed < 5 {
		t.Errorf("only %d texts took the windowed path; the test does not exercise it", windowed)
	}
}

func sortHits(hs []hit) {
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].line != hs[j].line {
			return hs[i].line < hs[j].line
		}
		if hs[i].col != hs[j].col {
			return hs[i].col < hs[j].col
		}
		return hs[i].rule < hs[j].rule
	})
}

func TestDropIdentifiers(t *testing.T) {
	s := fakeSecrets()
	in := []hit{
		{rule: genericRuleID, secret: "2023-no-additionalProperties"},
		{rule: genericRuleID, secret: "max_connection_pool"},
		{rule: genericRuleID, secret: "constrained-additional-properties"},
		{rule: genericRuleID, secret: s["API_KEY"]},
		{rule: genericRuleID, secret: "k3y-" + s["API_KEY"][:12] + "-live"},
		{rule: genericRuleID, secret: "no-additional"}, // two words: too little to call it an identifier
		{rule: "github-pat", secret: "ghp-like-words-here"},
	}
	var kept []string
	for _, h := range dropIdentifiers(in) {
		kept = append(kept, h.secret)
	}
	want := []string{s["API_KEY"], "k3y-" + s["API_KEY"][:12] + "-live", "no-additional", "ghp-like-words-here"}
	if diff := cmp.Diff(want, kept); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
}
