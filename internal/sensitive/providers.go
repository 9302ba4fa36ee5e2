package sensitive

import (
	"regexp"
	"strings"
	"sync"
)

// Provider is one provider key pattern of the catalogue.
type Provider struct {
	// ID names the pattern: gitleaks' rule id ("github-pat",
	// "stripe-access-token") or escarp's ("escarp-aws-access-key-id").
	ID          string
	Description string
	// Regex is the pattern in Go syntax; SecretGroup is the group holding
	// the key (0: the first group that matched, else the whole match).
	Regex       string
	SecretGroup int
	// Keywords are lower-case words one of which a text must contain for
	// the pattern to match; none means the pattern is always tried.
	Keywords []string
}

// escarpProviders are escarp's own shapes, broader than gitleaks' rules so
// that redaction also hides test and example keys gitleaks leaves out.
var escarpProviders = []Provider{
	{ID: "escarp-aws-access-key-id", Description: "AWS access key id", Regex: `\bAKIA[0-9A-Z]{16}\b`, Keywords: []string{"akia"}},
	{ID: "escarp-github-token", Description: "GitHub token", Regex: `\bgh[pousr]_[A-Za-z0-9]{36,}\b`, Keywords: []string{"gh"}},
	{ID: "escarp-stripe-key", Description: "Stripe secret key", Regex: `\bsk_(?:live|test)_[A-Za-z0-9]{10,}\b`, Keywords: []string{"sk_"}},
	{ID: "escarp-slack-token", Description: "Slack token", Regex: `\bxox[abpors]-[A-Za-z0-9-]{10,}\b`, Keywords: []string{"xox"}},
	{ID: "escarp-google-api-key", Description: "Google API key", Regex: `\bAIza[0-9A-Za-z_-]{35}\b`, Keywords: []string{"aiza"}},
}

// Providers returns the provider key patterns: gitleaks' provider rules
// (those that recognize a key by its own shape, not by a nearby keyword)
// then escarp's own.
func Providers() []Provider {
	out := make([]Provider, 0, len(gitleaksProviders)+len(escarpProviders))
	out = append(out, gitleaksProviders...)
	return append(out, escarpProviders...)
}

type compiledProvider struct {
	Provider
	re *regexp.Regexp
}

// compiled holds the patterns, compiled on first use (about 200 of them).
var compiled = sync.OnceValue(func() []compiledProvider {
	ps := Providers()
	out := make([]compiledProvider, 0, len(ps))
	for _, p := range ps {
		re, err := regexp.Compile(p.Regex)
		if err != nil {
			continue // TestProvidersCompile keeps this from happening
		}
		out = append(out, compiledProvider{p, re})
	}
	return out
})

// candidates returns the patterns whose keywords s contains.
func candidates(s string) []compiledProvider {
	lower := strings.ToLower(s)
	var out []compiledProvider
	for _, p := range compiled() {
		if len(p.Keywords) == 0 {
			out = append(out, p)
			continue
		}
		for _, k := range p.Keywords {
			if strings.Contains(lower, k) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// ProviderKey returns the id of the first provider pattern that finds a
// key in s, or "".
func ProviderKey(s string) string {
	for _, p := range candidates(s) {
		if p.re.MatchString(s) {
			return p.ID
		}
	}
	return ""
}

// MaskProviderKeys returns s with every provider key replaced by mask
// (only the key: the text around it that a pattern matches stays).
func MaskProviderKeys(s, mask string) string {
	for _, p := range candidates(s) {
		locs := p.re.FindAllStringSubmatchIndex(s, -1)
		if locs == nil {
			continue
		}
		var b strings.Builder
		last := 0
		for _, loc := range locs {
			g := p.SecretGroup
			if g == 0 {
				// As gitleaks does: the first group that matched holds the
				// key; the rest is context (a closing quote, a space).
				for i := 1; 2*i+1 < len(loc); i++ {
					if loc[2*i] >= 0 {
						g = i
						break
					}
				}
			}
			if 2*g+1 >= len(loc) || loc[2*g] < 0 {
				g = 0
			}
			start, end := loc[2*g], loc[2*g+1]
			if start < last {
				continue
			}
			b.WriteString(s[last:start])
			b.WriteString(mask)
			last = end
		}
		b.WriteString(s[last:])
		s = b.String()
	}
	return s
}
