package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zricethezav/gitleaks/v8/sources"
	"go.yaml.in/yaml/v3"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/yamllimit"
)

// specHit is a credential-like example value in an API description.
type specHit struct {
	file      string
	line, col int
	endCol    int
	name      string // the field, parameter or header it is an example of
	value     string // the scalar as parsed
	lineText  string
	reason    string
}

// maxSpecDepth bounds the recursion into a spec's node tree.
const maxSpecDepth = 256

// scanSpecs checks the examples of every spec in r.opt.Specs. A spec that is
// not part of the working-tree scan (outside root, excluded, too large) also
// gets the generic gitleaks scan here. A spec that cannot be read or parsed
// is an [escarp.Invalid] error: the user named it.
func (r *run) scanSpecs(ctx context.Context) ([]specHit, error) {
	var out []specHit
	for _, spec := range r.opt.Specs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := spec
		if !filepath.IsAbs(p) {
			p = filepath.Join(r.root, p)
		}
		rel, err := filepath.Rel(r.root, p)
		inTree := err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
		if inTree {
			rel = filepath.ToSlash(rel)
		} else {
			rel = filepath.ToSlash(p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, &escarp.Error{Op: "secrets.Scan", Kind: escarp.Invalid,
				Pos: escarp.Position{File: spec}, Message: "cannot read the API description", Err: err}
		}
		if !inTree || r.skippedPath(rel) || int64(len(data)) > r.opt.MaxFileSize {
			det := newDetector(ctx, r.cfg)
			for _, f := range det.detect(ctx, sources.Fragment{Raw: string(data), FilePath: rel, StartLine: 1}) {
				r.hits = append(r.hits, r.toHit(f, rel, ""))
			}
		}
		hits, err := specExamples(rel, data)
		if err != nil {
			if !json.Valid(data) {
				return nil, err
			}
			// Valid JSON that YAML cannot read: a limit of the parser, not
			// of the input.
			r.note("%s: examples not checked: %v", rel, err)
			continue
		}
		r.count("specs", 1)
		out = append(out, hits...)
	}
	return out, nil
}

// specExamples parses an API description (YAML or JSON) and returns the
// credential-like values among the examples of its security-relevant fields.
func specExamples(file string, data []byte) (hits []specHit, err error) {
	defer func() {
		if p := recover(); p != nil {
			hits, err = nil, escarp.InvalidAt(escarp.Position{File: file}, "cannot parse the API description: %v", p)
		}
	}()
	if t := bytes.TrimLeft(data, " \r\n\t\ufeff"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		data = yamlSafeJSON(data)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, escarp.InvalidAt(escarp.Position{File: file, Line: yamlErrLine(err)},
			"cannot parse the API description: %w", err)
	}
	if err := yamllimit.Check(file, &doc); err != nil {
		return nil, err
	}
	w := &specWalker{file: file, lines: strings.Split(string(data), "\n"), schemeNames: map[string]bool{}}
	w.collectSchemes(&doc, 0)
	w.walk(&doc, "", 0)
	return w.hits, nil
}

// surrogateEscape matches a JSON \u escape of a UTF-16 surrogate, which
// JSON allows in pairs and YAML refuses.
var surrogateEscape = regexp.MustCompile(`\\u[dD][89a-fA-F][0-9a-fA-F]{2}`)

// yamlSafeJSON rewrites what JSON accepts and YAML refuses, keeping every
// line and every column (YAML counts columns in characters): tabs become
// spaces (raw tabs cannot occur inside JSON strings), characters outside
// YAML's printable set become '?', surrogate escapes become \u003f. Only
// the text of such strings changes, never a credential-like value.
func yamlSafeJSON(data []byte) []byte {
	data = surrogateEscape.ReplaceAll(data, []byte(`\u003f`))
	var b bytes.Buffer
	b.Grow(len(data))
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) || r == 0x85 ||
			(r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd && r != utf8.RuneError) || r >= 0x10000:
			b.Write(data[:n])
		case r == utf8.RuneError && n == 3:
			b.Write(data[:n]) // a literal U+FFFD
		default:
			b.WriteByte('?')
		}
		data = data[n:]
	}
	return b.Bytes()
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlErrLine extracts the line number from a YAML error message, or 0.
func yamlErrLine(err error) int {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n := 0
	for _, c := range m[1] {
		n = n*10 + int(c-'0')
		if n > 1<<30 {
			return 0
		}
	}
	return n
}

type specWalker struct {
	file        string
	lines       []string
	schemeNames map[string]bool // lower-cased names of apiKey security schemes
	hits        []specHit
}

// mapGet returns the value of key in mapping node n, or nil.
func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// collectSchemes records the parameter names of apiKey security schemes
// (OpenAPI 3 components.securitySchemes, Swagger 2 securityDefinitions).
func (w *specWalker) collectSchemes(n *yaml.Node, depth int) {
	if n == nil || depth > maxSpecDepth {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			w.collectSchemes(c, depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if (k.Value == "securitySchemes" || k.Value == "securityDefinitions") && v.Kind == yaml.MappingNode {
				for j := 1; j < len(v.Content); j += 2 {
					s := v.Content[j]
					if t := mapGet(s, "type"); t != nil && strings.EqualFold(t.Value, "apiKey") {
						if name := mapGet(s, "name"); name != nil && name.Kind == yaml.ScalarNode {
							w.schemeNames[strings.ToLower(name.Value)] = true
						}
					}
				}
				continue
			}
			w.collectSchemes(v, depth+1)
		}
	}
}

// walk visits the description; name is the field, parameter or header whose
// schema n belongs to, if any.
func (w *specWalker) walk(n *yaml.Node, name string, depth int) {
	if n == nil || depth > maxSpecDepth {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			w.walk(c, name, depth+1)
		}
	case yaml.MappingNode:
		// A parameter or header object names what its examples are for.
		if nm := mapGet(n, "name"); nm != nil && nm.Kind == yaml.ScalarNode && mapGet(n, "in") != nil {
			name = nm.Value
		}
		// Name/value pairs: HAR headers, Postman key/value lists.
		for _, label := range []string{"name", "key"} {
			if nm, v := mapGet(n, label), mapGet(n, "value"); nm != nil && nm.Kind == yaml.ScalarNode &&
				v != nil && mapGet(n, "in") == nil && w.sensitive(nm.Value) {
				w.check(v, nm.Value)
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch k.Value {
			case "example", "default", "x-example", "const":
				w.data(v, name, w.sensitive(name), depth+1)
			case "examples":
				w.examples(v, name, depth+1)
			case "properties", "headers", "patternProperties":
				if v.Kind == yaml.MappingNode {
					for j := 0; j+1 < len(v.Content); j += 2 {
						w.walk(v.Content[j+1], v.Content[j].Value, depth+1)
					}
				} else {
					w.walk(v, name, depth+1)
				}
			default:
				w.walk(v, name, depth+1)
			}
		}
	}
}

// examples handles an "examples" value: a list of values (JSON Schema), a
// map of Example objects with a "value" (OpenAPI 3), or a map from media
// type to example (Swagger 2 responses).
func (w *specWalker) examples(v *yaml.Node, name string, depth int) {
	if depth > maxSpecDepth {
		return
	}
	sens := w.sensitive(name)
	switch v.Kind {
	case yaml.SequenceNode:
		for _, c := range v.Content {
			w.data(c, name, sens, depth+1)
		}
	case yaml.MappingNode:
		for j := 0; j+1 < len(v.Content); j += 2 {
			e := v.Content[j+1]
			if val := mapGet(e, "value"); val != nil {
				w.data(val, name, sens, depth+1)
			} else if mapGet(e, "$ref") == nil && mapGet(e, "externalValue") == nil {
				w.data(e, name, sens, depth+1)
			}
		}
	}
}

// data visits example data: a scalar is checked when the field it is an
// example of is sensitive; in objects, the keys name the fields.
func (w *specWalker) data(n *yaml.Node, name string, sens bool, depth int) {
	if n == nil || depth > maxSpecDepth {
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if sens {
			w.check(n, name)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			w.data(c, name, sens, depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			w.data(n.Content[i+1], k, w.sensitive(k), depth+1)
		}
	}
}

// check records n when it is a string that looks like a real credential.
func (w *specWalker) check(n *yaml.Node, name string) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "") || n.Line < 1 {
		return
	}
	reason, ok := credentialLike(n.Value, passwordName(name))
	if !ok {
		return
	}
	h := specHit{file: w.file, line: n.Line, col: n.Column, name: name, value: n.Value, reason: reason}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		h.col++
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		h.line++ // a block scalar starts on the line after its indicator
		h.col = 1
		if h.line-1 < len(w.lines) {
			l := w.lines[h.line-1]
			h.col = len(l) - len(strings.TrimLeft(l, " ")) + 1
		}
	}
	if h.line-1 < len(w.lines) {
		h.lineText = strings.TrimSuffix(w.lines[h.line-1], "\r")
	}
	h.endCol = h.col + utf8.RuneCountInString(firstLine(h.value))
	w.hits = append(w.hits, h)
}

// sensitive reports whether a field, parameter or header name holds
// credentials.
func (w *specWalker) sensitive(name string) bool {
	if name == "" {
		return false
	}
	if w.schemeNames[strings.ToLower(name)] {
		return true
	}
	return credentialName(name)
}

// credentialParts are substrings of a flattened name (lower case, without
// '-', '_', '.' and spaces) that mark a credential field.
var credentialParts = []string{"apikey", "token", "password", "passwd", "passphrase", "secret",
	"authorization", "accesskey", "privatekey", "credential", "bearer", "clientsecret"}

// credentialWords are whole flattened names that mark a credential field.
var credentialWords = map[string]bool{"key": true, "pwd": true, "pass": true, "auth": true}

// notCredentialSuffixes end flattened names that describe a credential
// rather than hold one ("tokenUrl", "token_type", "passwordPolicy").
var notCredentialSuffixes = []string{"url", "uri", "type", "types", "expiry", "expiresin", "expiresat",
	"expiration", "length", "name", "hint", "policy", "count", "endpoint", "id", "ids", "format",
	"required", "enabled", "location", "scheme", "schemes", "scope", "scopes"}

func flatten(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r != '-' && r != '_' && r != '.' && r != ' ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// credentialName reports whether name (a field, parameter or header) holds
// a credential: apiKey, token, password, secret, Authorization,
// client_secret, X-API-Key and the like.
func credentialName(name string) bool {
	f := flatten(name)
	if credentialWords[f] {
		return true
	}
	hit := false
	for _, p := range credentialParts {
		if strings.Contains(f, p) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	for _, s := range notCredentialSuffixes {
		if strings.HasSuffix(f, s) {
			return false
		}
	}
	return true
}

// passwordName reports whether name holds a password, which gets a lower
// length threshold than keys and tokens.
func passwordName(name string) bool {
	f := flatten(name)
	return strings.Contains(f, "password") || strings.Contains(f, "passwd") ||
		strings.Contains(f, "passphrase") || f == "pwd" || f == "pass"
}

// knownTokens are the shapes of well-known credentials: a match is
// credential-like whatever its entropy.
var knownTokens = []struct {
	name string
	re   *regexp.Regexp
}{
	{"AWS access key id", regexp.MustCompile(`^(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}$`)},
	{"GitHub token", regexp.MustCompile(`^(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})$`)},
	{"GitLab token", regexp.MustCompile(`^glpat-[A-Za-z0-9_-]{20,}$`)},
	{"Slack token", regexp.MustCompile(`^xox[abposr]-[A-Za-z0-9-]{10,}$`)},
	{"Stripe secret key", regexp.MustCompile(`^[sr]k_live_[A-Za-z0-9]{16,}$`)},
	{"OpenAI key", regexp.MustCompile(`^sk-(?:proj-)?[A-Za-z0-9_-]{20,}$`)},
	{"Google API key", regexp.MustCompile(`^AIza[A-Za-z0-9_-]{35}$`)},
	{"SendGrid key", regexp.MustCompile(`^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$`)},
	{"npm token", regexp.MustCompile(`^npm_[A-Za-z0-9]{36}$`)},
	{"JSON Web Token", regexp.MustCompile(`^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}$`)},
	{"private key", regexp.MustCompile(`-----BEGIN[ A-Z]*PRIVATE KEY-----`)},
}

// knownSamples are published sample credentials (jwt.io's example token, RFC
// 7617's Aladdin): documentation, not leaks.
var knownSamples = []string{
	"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
	"QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
	"YWxhZGRpbjpvcGVuc2VzYW1l",
}

// placeholderWords in a value mark it as a placeholder.
var placeholderWords = []string{"example", "your", "placeholder", "changeme", "change-me", "change_me",
	"redacted", "dummy", "sample", "fake", "xxx", "***", "insert", "replace", "todo", "secret",
	"password", "token", "apikey", "api-key", "api_key", "lorem", "123456", "abcdef", "qwerty"}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// authSchemes are stripped from Authorization-style values before checking.
var authSchemes = []string{"bearer ", "basic ", "token ", "apikey ", "api-key ", "digest ", "sso-key "}

// Thresholds of credentialLike, documented in Rules: keys and tokens need
// 16 characters and 3.5 bits of entropy per character; passwords 12
// characters, 3.0 bits and three character classes.
const (
	minKeyLen      = 16
	minKeyEntropy  = 3.5
	minPassLen     = 12
	minPassEntropy = 3.0
)

// credentialLike reports whether an example value looks like a real
// credential rather than a placeholder, and why.
func credentialLike(value string, password bool) (string, bool) {
	v := strings.TrimSpace(value)
	lower := strings.ToLower(v)
	for _, s := range authSchemes {
		if strings.HasPrefix(lower, s) {
			v = strings.TrimSpace(v[len(s):])
			lower = strings.ToLower(v)
			break
		}
	}
	for _, k := range knownSamples {
		if strings.Contains(v, k) {
			return "", false
		}
	}
	if strings.Contains(v, "PRIVATE KEY-----") && !strings.ContainsAny(lower, "<>") &&
		!strings.Contains(lower, "example") && !strings.Contains(lower, "...") {
		return "a PEM private key", true
	}
	if len(v) < 8 || len(v) > 4096 || strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		return "", false
	}
	if strings.ContainsAny(v, "<>{}*…") || strings.HasPrefix(v, "$") || strings.HasPrefix(v, "%") ||
		strings.Contains(v, "...") || strings.Contains(v, "://") || strings.Contains(v, "@") ||
		uuidRE.MatchString(v) {
		return "", false
	}
	for _, w := range placeholderWords {
		if strings.Contains(lower, w) {
			return "", false
		}
	}
	if distinct(v) <= 3 || pathLike(v) || wordsLike(v) {
		return "", false
	}
	for _, t := range knownTokens {
		if t.re.MatchString(v) {
			return "the shape of a " + t.name, true
		}
	}
	n := utf8.RuneCountInString(v)
	e := entropy(v)
	classes := charClasses(v)
	if n >= minKeyLen && e >= minKeyEntropy && classes >= 2 {
		return fmt.Sprintf("%d random-looking characters, %.1f bits of entropy each", n, e), true
	}
	if password && n >= minPassLen && e >= minPassEntropy && classes >= 3 {
		return fmt.Sprintf("a %d-character password with %.1f bits of entropy per character", n, e), true
	}
	return "", false
}

var fileExt = regexp.MustCompile(`\.[A-Za-z0-9]{1,5}$`)

// pathLike reports whether v is a file path or URL path rather than a
// secret: slashes, and a file extension or no segment that mixes cases
// (base64 values mix them).
func pathLike(v string) bool {
	if !strings.Contains(v, "/") {
		return false
	}
	if fileExt.MatchString(v) {
		return true
	}
	for _, seg := range strings.Split(v, "/") {
		if strings.IndexFunc(seg, unicode.IsUpper) >= 0 && strings.IndexFunc(seg, unicode.IsLower) >= 0 {
			return false
		}
	}
	return true
}

// wordsLike reports whether v is made of words ("Box__Security__Key",
// "MyApplicationAccessKey"): no digits, and every part between separators
// and case changes at least two letters long. Random tokens have digits or
// short runs.
func wordsLike(v string) bool {
	if strings.IndexFunc(v, unicode.IsDigit) >= 0 {
		return false
	}
	words, n := 0, 0
	prevLower := false
	for _, r := range v + "_" {
		switch {
		case unicode.IsUpper(r):
			if prevLower || n == 0 {
				if n > 0 {
					if n < 2 {
						return false
					}
					words++
				}
				n = 0
			}
			n++
			prevLower = false
		case unicode.IsLower(r):
			n++
			prevLower = true
		default:
			if n > 0 {
				if n < 2 {
					return false
				}
				words++
			}
			n = 0
			prevLower = false
		}
	}
	return words >= 2
}

// distinct counts the distinct runes of s that are letters or digits.
func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			seen[unicode.ToLower(r)] = true
		}
	}
	return len(seen)
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	if n == 0 {
		return 0
	}
	var e float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		e -= p * math.Log2(p)
	}
	return e
}

// charClasses counts which of lower case, upper case, digits and other
// characters s uses.
func charClasses(s string) int {
	var lower, upper, digit, other int
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}

// specFindings turns spec hits into ESC-SECRET-SPEC-001 findings, leaving
// out the values gitleaks already reported on the same line.
func specFindings(hits []specHit, tree []hit) []escarp.Finding {
	type lk struct {
		file string
		line int
	}
	byLine := map[lk][]string{}
	for _, h := range tree {
		byLine[lk{h.file, h.line}] = append(byLine[lk{h.file, h.line}], h.secret)
	}
	var out []escarp.Finding
	seen := map[string]bool{}
	for _, h := range hits {
		dup := false
		for _, s := range byLine[lk{h.file, h.line}] {
			if s != "" && (strings.Contains(h.value, s) || strings.Contains(s, h.value)) {
				dup = true
				break
			}
		}
		key := fmt.Sprintf("%s\x00%d\x00%d", h.file, h.line, h.col)
		if dup || seen[key] {
			continue
		}
		seen[key] = true
		f := escarp.Finding{
			RuleID:     SpecRuleID,
			Title:      specRule.Title,
			Kind:       escarp.KindSecret,
			Severity:   specRule.Severity,
			Confidence: escarp.ConfidenceMedium,
			OWASP:      specRule.OWASP,
			CWE:        specRule.CWE,
			Message: fmt.Sprintf("The example of %q in %s looks like a real credential (%s): "+
				"replace it with a placeholder, and rotate it if it was ever real", h.name, h.file, h.reason),
			Location: escarp.Location{
				File: h.file, Line: h.line, Column: h.col, EndLine: h.line, EndColumn: h.endCol,
				Snippet: snippet(maskSpan(h.lineText, h.col, h.endCol), h.col, []string{firstLine(h.value)}),
			},
			Remediation: specRule.Remediation,
			References:  references,
			Hash:        hashSecret(h.value),
			Properties:  map[string]string{"field": h.name},
		}
		f.SetFingerprint()
		out = append(out, f)
	}
	return out
}

// maskSpan masks the runes of line from column col up to (not including)
// endCol, so that a value written with escapes is hidden too.
func maskSpan(line string, col, endCol int) string {
	r := []rune(line)
	if col < 1 || col > len(r) || endCol <= col {
		return line
	}
	end := min(endCol-1, len(r))
	return string(r[:col-1]) + mask(string(r[col-1:end])) + string(r[end:])
}
