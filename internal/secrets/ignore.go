package secrets

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// ignoreList holds the fingerprints of a .gitleaksignore file, in gitleaks'
// two forms: "file:rule:line" (anywhere) and "commit:file:rule:line" (one
// commit of the history). Lines are gitleaks' own: the line where the match
// starts.
type ignoreList map[string]bool

// loadIgnore reads a .gitleaksignore file; a missing file is an empty list.
func loadIgnore(name string) (ignoreList, error) {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l := ignoreList{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ":")
		switch len(parts) {
		case 3:
			parts[0] = strings.ReplaceAll(parts[0], `\`, "/")
		case 4:
			parts[1] = strings.ReplaceAll(parts[1], `\`, "/")
		default:
			return l, fmt.Errorf("line %d: want file:rule:line or commit:file:rule:line", n)
		}
		l[strings.Join(parts, ":")] = true
	}
	return l, sc.Err()
}

// filter drops the hits that l silences.
func (l ignoreList) filter(hits []hit) []hit {
	if len(l) == 0 {
		return hits
	}
	out := hits[:0:0]
	for _, h := range hits {
		global := fmt.Sprintf("%s:%s:%d", h.file, h.rule, h.glLine)
		if l[global] || (h.commit != "" && l[h.commit+":"+global]) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// filterSpec drops the spec hits that l silences ("file:ESC-SECRET-SPEC-001:line")
// or that carry a "gitleaks:allow" comment on their line.
func (l ignoreList) filterSpec(hits []specHit) []specHit {
	out := hits[:0:0]
	for _, h := range hits {
		if l[fmt.Sprintf("%s:%s:%d", h.file, SpecRuleID, h.line)] || strings.Contains(h.lineText, allowSignature) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// allowSignature is gitleaks' inline marker for an accepted value.
const allowSignature = "gitleaks:allow"
