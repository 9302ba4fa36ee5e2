package secrets

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/logging"

	"github.com/escarp/escarp"
)

// rulePrefix prefixes every gitleaks rule id in escarp reports.
const rulePrefix = "gitleaks:"

// SpecRuleID is escarp's own rule for credential-like values in the
// examples of an API description.
const SpecRuleID = "ESC-SECRET-SPEC-001"

const cwe = "CWE-798"

// References shared by every secret rule.
var references = []string{
	"https://cwe.mitre.org/data/definitions/798.html",
	"https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html",
	"https://github.com/gitleaks/gitleaks",
}

const remediation = "Treat the secret as compromised: **revoke or rotate it** at its issuer first; " +
	"removing it from the code does not make it secret again.\n\n" +
	"Then load it at run time from the environment or a secret manager instead of the source:\n\n" +
	"```go\n" +
	"key := os.Getenv(\"PAYMENTS_API_KEY\")\n" +
	"if key == \"\" {\n" +
	"\treturn errors.New(\"PAYMENTS_API_KEY is not set\")\n" +
	"}\n" +
	"```\n\n" +
	"A secret that was ever committed stays in the git history: after rotating it, rewrite the " +
	"history (`git filter-repo --replace-text`) only if the repository is shared beyond the people " +
	"who could already read the secret. Keep real values in `.env` files that are listed in " +
	"`.gitignore`, and commit a `.env.example` with placeholders.\n\n" +
	"A finding that is a test fixture or a public value can be silenced with a `gitleaks:allow` " +
	"comment on its line or a `file:rule:line` entry in `.gitleaksignore`."

const specRemediation = "Replace the value with an obvious placeholder (`<api-key>`, `YOUR_API_KEY`, " +
	"`${API_KEY}`) and, if it was ever a real credential, **revoke or rotate it**: API descriptions " +
	"are published in portals, SDKs and mock servers, so an example is as public as the spec.\n\n" +
	"```yaml\n" +
	"components:\n" +
	"  securitySchemes:\n" +
	"    apiKey:\n" +
	"      type: apiKey\n" +
	"      in: header\n" +
	"      name: X-API-Key\n" +
	"  parameters:\n" +
	"    ApiKey:\n" +
	"      name: X-API-Key\n" +
	"      in: header\n" +
	"      schema: {type: string}\n" +
	"      example: <your-api-key>\n" +
	"```"

// gitleaksConfig is gitleaks' default configuration, parsed once. It is
// read-only after parsing, so concurrent scans share it.
var gitleaksConfig = sync.OnceValues(func() (config.Config, error) {
	quietGitleaks()
	// A private viper instance: gitleaks' NewDetectorDefaultConfig uses the
	// global one, which is not safe for concurrent use.
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(config.DefaultConfig)); err != nil {
		return config.Config{}, fmt.Errorf("read gitleaks default config: %w", err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return config.Config{}, fmt.Errorf("decode gitleaks default config: %w", err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		return config.Config{}, fmt.Errorf("compile gitleaks default config: %w", err)
	}
	return cfg, nil
})

var quietOnce sync.Once

// quietGitleaks silences gitleaks' logger, which writes to stderr by default
// and would log every finding's secret at debug level.
func quietGitleaks() {
	quietOnce.Do(func() { logging.Logger = zerolog.Nop() })
}

// Severity mapping for gitleaks rules (documented in docs and Rules):
//   - critical: private keys and key files, and cloud provider credentials
//     (AWS, Google Cloud, Azure, Alibaba), which open whole accounts;
//   - low: client ids and publishable keys, identifiers meant to be public
//     that are reported so they can be checked;
//   - medium: generic-api-key, which matches any high-entropy value assigned
//     to a key-like name and so has more false positives;
//   - high: every other rule.
func ruleSeverity(id string) (escarp.Severity, escarp.Confidence) {
	switch {
	case id == "private-key" || id == "age-secret-key" || id == "pkcs12-file" ||
		strings.HasPrefix(id, "aws-") || strings.HasPrefix(id, "gcp-") ||
		strings.HasPrefix(id, "azure-") || strings.HasPrefix(id, "alibaba-"):
		return escarp.SeverityCritical, escarp.ConfidenceHigh
	case strings.HasSuffix(id, "-client-id") || strings.Contains(id, "pub-") ||
		strings.Contains(id, "public-key"):
		return escarp.SeverityLow, escarp.ConfidenceMedium
	case id == "generic-api-key":
		return escarp.SeverityMedium, escarp.ConfidenceMedium
	default:
		return escarp.SeverityHigh, escarp.ConfidenceHigh
	}
}

// ruleTitle is the title of a gitleaks rule in escarp reports.
func ruleTitle(id string) string {
	return "Hard-coded secret: " + id
}

// specRule describes ESC-SECRET-SPEC-001.
var specRule = escarp.RuleInfo{
	ID:    SpecRuleID,
	Title: "Credential-like value in an API description example",
	Description: "An `example`, `examples` or `default` value of a security-relevant field " +
		"(an API key, token, password, secret or Authorization header, or the parameter of an " +
		"`apiKey` security scheme) looks like a real credential: it has a known token prefix, or " +
		"is long and random enough to be one, rather than a placeholder. API descriptions are " +
		"published in developer portals, generated SDKs and mock servers, so a real credential " +
		"there is public.\n\n" +
		"A value counts when it has the shape of a well-known token (AWS, GitHub, GitLab, Slack, " +
		"Stripe, OpenAI, Google, SendGrid, npm, JWT, PEM private key), or has at least 16 characters " +
		"of two or more classes with at least 3.5 bits of entropy per character (a password field: " +
		"12 characters, three classes, 3.0 bits). Placeholders stay silent: `<token>`, `${VAR}`, " +
		"`{{var}}`, `string`, `xxx`, `your-api-key`, values that say example, sample, dummy or " +
		"changeme, values of one repeated character, UUIDs, URLs, paths and word-like identifiers.",
	Remediation: specRemediation,
	Severity:    escarp.SeverityMedium,
	OWASP:       "API8:2023",
	CWE:         []string{cwe},
	HelpURI:     "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
	Tags:        []string{"security", "secret", "API8:2023", cwe},
}

// Rules returns every rule Scan can report: each gitleaks default rule as
// "gitleaks:<id>", sorted by id, then escarp's own [SpecRuleID].
func Rules() []escarp.RuleInfo {
	cfg, err := gitleaksConfig()
	var out []escarp.RuleInfo
	if err == nil {
		ids := make([]string, 0, len(cfg.Rules))
		for id := range cfg.Rules {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			sev, _ := ruleSeverity(id)
			out = append(out, escarp.RuleInfo{
				ID:          rulePrefix + id,
				Title:       ruleTitle(id),
				Description: cfg.Rules[id].Description,
				Remediation: remediation,
				Severity:    sev,
				CWE:         []string{cwe},
				HelpURI:     "https://github.com/gitleaks/gitleaks/blob/v8.30.1/config/gitleaks.toml",
				Tags:        []string{"security", "secret", cwe},
			})
		}
	}
	return append(out, specRule)
}
