package scan

import (
	"fmt"
	"io"
	"time"

	"github.com/escarp/escarp"
)

// Defaults of the scan controls.
const (
	DefaultRate        = 150 // requests per second, as Nuclei's default
	DefaultConcurrency = 4
	DefaultMaxRequests = 20000
	DefaultMaxDuration = 10 * time.Minute
	DefaultTimeout     = 10 * time.Second
	DefaultMaxBody     = 1 << 20
	// maxRetryAfter bounds how long a 429's Retry-After is honoured.
	maxRetryAfter = 10 * time.Second
)

// Config is what a scan is allowed to do. The zero value gets the defaults
// above (see [Config.withDefaults]).
type Config struct {
	// Rate is the maximum number of requests per second; a negative value
	// means unthrottled.
	Rate float64
	// Concurrency is the number of requests in flight at most.
	Concurrency int
	// MaxRequests is the request budget (a negative value: unlimited).
	MaxRequests int
	// MaxDuration is the time budget of the whole scan.
	MaxDuration time.Duration
	// Timeout bounds each request, body included.
	Timeout time.Duration
	// MaxBody bounds the response body read (bytes); the rest is discarded
	// and Response.Truncated set.
	MaxBody int64
	// Checks and SkipChecks select checks by id ("ESC-DAST-BOLA-001"), id
	// prefix ("ESC-DAST-BOLA") or OWASP category ("API1").
	Checks, SkipChecks []string
	// AllowDestructive lets destructive checks run and lets DELETE reach
	// resources escarp did not create.
	AllowDestructive bool
	// CallbackAddr is where the callback listener binds (default a random
	// loopback port); CallbackURL is the URL the target must use to reach
	// it, for remote targets. NoCallback disables the listener.
	CallbackAddr string
	CallbackURL  string
	NoCallback   bool
	// Operations, when not empty, limits per-operation checks to these
	// operations, named by "METHOD /path" or operationId. Every operation
	// still serves to create resources.
	Operations []string
	// Identities are the configured identities, in order.
	Identities []Identity
	// Progress receives one status line per phase; nil discards.
	Progress io.Writer
	// Detail receives per-check detail (the slowest checks' timings);
	// nil discards. The CLI sets it with --verbose.
	Detail io.Writer
	// Bar, when set, receives a progress bar with an estimate of the time
	// left over the check runs; the CLI sets it only on a terminal.
	Bar io.Writer
}

// FileConfig is the `scan` section of escarp.yaml.
type FileConfig struct {
	Rate             *float64 `yaml:"rate"`
	Concurrency      *int     `yaml:"concurrency"`
	MaxRequests      *int     `yaml:"max_requests"`
	MaxDuration      string   `yaml:"max_duration"`
	Timeout          string   `yaml:"timeout"`
	Checks           []string `yaml:"checks"`
	SkipChecks       []string `yaml:"skip_checks"`
	AllowDestructive *bool    `yaml:"allow_destructive"`
	CallbackAddr     string   `yaml:"callback_addr"`
	CallbackURL      string   `yaml:"callback_url"`
	// JWTWordlist is a file of candidate JWT HMAC keys, one a line, that
	// the weak-key check tries after its built-in list (the caller loads
	// it and hands it to the check).
	JWTWordlist string `yaml:"jwt_wordlist"`
}

// Apply copies the settings present in f onto c.
func (f FileConfig) Apply(c *Config) error {
	if f.Rate != nil {
		c.Rate = *f.Rate
	}
	if f.Concurrency != nil {
		c.Concurrency = *f.Concurrency
	}
	if f.MaxRequests != nil {
		c.MaxRequests = *f.MaxRequests
	}
	if f.MaxDuration != "" {
		d, err := time.ParseDuration(f.MaxDuration)
		if err != nil {
			return fmt.Errorf("scan.max_duration: %w", err)
		}
		c.MaxDuration = d
	}
	if f.Timeout != "" {
		d, err := time.ParseDuration(f.Timeout)
		if err != nil {
			return fmt.Errorf("scan.timeout: %w", err)
		}
		c.Timeout = d
	}
	if f.Checks != nil {
		c.Checks = f.Checks
	}
	if f.SkipChecks != nil {
		c.SkipChecks = f.SkipChecks
	}
	if f.AllowDestructive != nil {
		c.AllowDestructive = *f.AllowDestructive
	}
	if f.CallbackAddr != "" {
		c.CallbackAddr = f.CallbackAddr
	}
	if f.CallbackURL != "" {
		c.CallbackURL = f.CallbackURL
	}
	return nil
}

// withDefaults returns c with zero values replaced by defaults, or an
// error naming an impossible setting.
func (c Config) withDefaults() (Config, error) {
	if c.Rate == 0 {
		c.Rate = DefaultRate
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Concurrency < 0 || c.Concurrency > 256 {
		return c, escarp.Errorf(escarp.Invalid, "concurrency %d: must be between 1 and 256", c.Concurrency)
	}
	if c.MaxRequests == 0 {
		c.MaxRequests = DefaultMaxRequests
	}
	if c.MaxDuration == 0 {
		c.MaxDuration = DefaultMaxDuration
	}
	if c.MaxDuration < 0 {
		return c, escarp.Errorf(escarp.Invalid, "max duration %s: must be positive", c.MaxDuration)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Timeout < 0 {
		return c, escarp.Errorf(escarp.Invalid, "timeout %s: must be positive", c.Timeout)
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.Detail == nil {
		c.Detail = io.Discard
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	seen := map[string]bool{}
	for i, id := range c.Identities {
		if id.Name == "" {
			return c, escarp.Errorf(escarp.Invalid, "identity %d has no name", i+1)
		}
		if seen[id.Name] {
			return c, escarp.Errorf(escarp.Invalid, "identity %q is defined twice", id.Name)
		}
		seen[id.Name] = true
	}
	return c, nil
}
