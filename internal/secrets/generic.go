package secrets

import (
	"context"
	"regexp"
	"strings"

	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/report"
	"github.com/zricethezav/gitleaks/v8/sources"
)

// genericRuleID is gitleaks' catch-all rule: a high-entropy value assigned
// to a key-like name. Its regular expression costs about 70% of a scan of
// ordinary code when run over whole files (escarp's own tree: 1.9 s with it,
// 0.57 s without), because one keyword anywhere in a file ("key", "token",
// "api", "auth", ...) makes gitleaks run it over the whole file.
const genericRuleID = "generic-api-key"

// genericSpan is how many lines after the line of its keyword a
// generic-api-key match can reach. Its pattern is
//
//	[\w.-]{0,50}? KEYWORD [ \t\w.-]{0,20} [\s'"]{0,3} SEPARATOR [\x60'"\s=]{0,5} VALUE TERMINATOR
//
// where only [\s'"]{0,3}, [\x60'"\s=]{0,5} and the terminator can hold
// newlines: a match starts on its keyword's line and ends at most 9 lines
// below. The margin covers that with room to spare.
const genericSpan = 12

// windowedShare is the share of a file's lines above which the windows are
// not worth it and the rule runs over the whole file.
const windowedShare = 0.6

// detector runs gitleaks' rules over a fragment: every rule but
// generic-api-key over the whole fragment, as gitleaks does, and
// generic-api-key only over windows of lines around its keywords, which
// finds the same matches (see genericSpan) at a fraction of the cost. The
// equivalence is tested against the plain gitleaks detector.
type detector struct {
	main     *detect.Detector
	generic  *detect.Detector // nil when the configuration has no generic rule
	keywords []string         // lower case
}

// newDetector splits cfg into the two detectors.
func newDetector(ctx context.Context, cfg config.Config) *detector {
	rule, ok := cfg.Rules[genericRuleID]
	if !ok || len(rule.Keywords) == 0 {
		return &detector{main: detect.NewDetectorContext(ctx, cfg)}
	}
	main := cfg
	main.Rules = make(map[string]config.Rule, len(cfg.Rules))
	main.Keywords = map[string]struct{}{}
	main.OrderedRules = nil
	for _, id := range cfg.OrderedRules {
		if id == genericRuleID {
			continue
		}
		if r, ok := cfg.Rules[id]; ok {
			main.Rules[id] = r
			main.OrderedRules = append(main.OrderedRules, id)
			for _, k := range r.Keywords {
				main.Keywords[strings.ToLower(k)] = struct{}{}
			}
		}
	}
	gen := cfg
	gen.Rules = map[string]config.Rule{genericRuleID: rule}
	gen.OrderedRules = []string{genericRuleID}
	gen.Keywords = map[string]struct{}{}
	kws := make([]string, 0, len(rule.Keywords))
	for _, k := range rule.Keywords {
		gen.Keywords[strings.ToLower(k)] = struct{}{}
		kws = append(kws, strings.ToLower(k))
	}
	return &detector{
		main:     detect.NewDetectorContext(ctx, main),
		generic:  detect.NewDetectorContext(ctx, gen),
		keywords: kws,
	}
}

// detectIn runs d over fr. gitleaks v8 marks detect.Fragment deprecated in
// favour of sources.Fragment "in v9", but DetectContext takes nothing else
// (DetectSource accumulates findings in the detector across calls), so the
// conversion lives here, once.
func detectIn(ctx context.Context, d *detect.Detector, fr sources.Fragment) []report.Finding {
	//lint:ignore SA1019 the only fragment type DetectContext accepts in gitleaks v8
	return d.DetectContext(ctx, detect.Fragment(fr))
}

// detect returns the findings of every rule in fr.
func (d *detector) detect(ctx context.Context, fr sources.Fragment) []report.Finding {
	found := detectIn(ctx, d.main, fr)
	if d.generic == nil || fr.Raw == "" {
		return found
	}
	var generic []report.Finding
	windows, whole := d.windows(fr.Raw)
	if whole {
		generic = detectIn(ctx, d.generic, fr)
	}
	for _, w := range windows {
		sub := fr
		sub.Raw = fr.Raw[w.start:w.end]
		sub.Bytes = nil
		sub.StartLine = fr.StartLine + w.line
		generic = append(generic, detectIn(ctx, d.generic, sub)...)
	}
	return append(found, precedence(generic, found)...)
}

// precedence drops the generic findings that a specific rule also made on
// the same line, as gitleaks' detector does within one fragment: a GitHub
// token in `token = "..."` is a github-pat, not also a generic-api-key.
func precedence(generic, specific []report.Finding) []report.Finding {
	out := generic[:0]
	for _, g := range generic {
		keep := true
		for _, s := range specific {
			if s.StartLine == g.StartLine && s.Commit == g.Commit && strings.Contains(s.Secret, g.Secret) &&
				!strings.Contains(strings.ToLower(s.RuleID), "generic") {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, g)
		}
	}
	return out
}

// window is a run of whole lines of a fragment: bytes [start, end), the
// first being line index line (0-based).
type window struct {
	start, end int
	line       int
}

// windows returns the runs of lines from each line holding a keyword of the
// generic rule to genericSpan lines below it, merged where they touch; whole
// is true when they would cover most of the text anyway.
func (d *detector) windows(raw string) (ws []window, whole bool) {
	var (
		lineStarts []int
		hot        []int // indexes of lines with a keyword
	)
	for start, i := 0, 0; start <= len(raw); i++ {
		end := strings.IndexByte(raw[start:], '\n')
		if end < 0 {
			end = len(raw)
		} else {
			end += start
		}
		lineStarts = append(lineStarts, start)
		if d.hasKeyword(raw[start:end]) {
			hot = append(hot, i)
		}
		if end == len(raw) {
			break
		}
		start = end + 1
	}
	if len(hot) == 0 {
		return nil, false
	}
	n := len(lineStarts)
	offset := func(line int) int {
		if line >= n {
			return len(raw)
		}
		return lineStarts[line]
	}
	covered := 0
	for i := 0; i < len(hot); {
		first, last := hot[i], hot[i]+genericSpan
		i++
		for i < len(hot) && hot[i] <= last+1 {
			last = hot[i] + genericSpan
			i++
		}
		last = min(last, n-1)
		covered += last - first + 1
		ws = append(ws, window{start: offset(first), end: offset(last + 1), line: first})
	}
	if float64(covered) > windowedShare*float64(n) {
		return nil, true
	}
	return ws, false
}

// hasKeyword reports whether line holds a keyword of the generic rule, case
// folded as gitleaks' prefilter folds it.
func (d *detector) hasKeyword(line string) bool {
	if line == "" {
		return false
	}
	lower := strings.ToLower(line)
	for _, k := range d.keywords {
		if strings.Contains(lower, k) {
			return true
		}
	}
	return false
}

// identifierWords matches values made of words joined by hyphens or
// underscores, optionally after a number: "2023-no-additionalProperties",
// "max-connection-pool-size". They are identifiers (rule names, settings,
// slugs), not keys.
var identifierWords = regexp.MustCompile(`^[0-9]{0,8}([-_][A-Za-z]{2,}){2,}$|^[A-Za-z]{2,}([-_][A-Za-z]{2,}){2,}$`)

// dropIdentifiers drops generic-api-key hits whose value reads as an
// identifier rather than a key: gitleaks' generic rule matches any
// high-entropy enough value after a word like "api", and rule aliases
// such as "owasp:api3:2023-no-additionalProperties" are long enough.
// Specific rules are never dropped.
func dropIdentifiers(hs []hit) []hit {
	out := hs[:0]
	for _, h := range hs {
		if h.rule == genericRuleID && identifierWords.MatchString(h.secret) {
			continue
		}
		out = append(out, h)
	}
	return out
}
