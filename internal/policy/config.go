package policy

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/escarp/escarp"
)

// Config is the policy section of escarp.yaml:
//
//	policy:
//	  dirs: [policy]            # the user's Rego (default policy/ when it exists)
//	  rego_v0: [policy/legacy]  # directories in Rego v0 syntax
//	  builtin: true             # run the built-in packs (default true)
//	  packs: [encryption, ownership]   # only these built-in packs (default all)
//	  disable: [ESC-POL-LIFE-002]
//	  params: {min_cert_days: 21}      # data.escarp.params overrides
//	  tls_probe: false          # gather TLS facts of the target
//	  http_origin: http://api.example.com   # checked for an HTTPS redirect
//	  fail_on: high             # exit 1 from `policy eval` at this severity
//	  audit: true               # run the user's rules in `escarp audit` too
type Config struct {
	Dirs       []string       `yaml:"dirs,omitempty" json:"dirs,omitempty"`
	RegoV0     []string       `yaml:"rego_v0,omitempty" json:"rego_v0,omitempty"`
	Builtin    *bool          `yaml:"builtin,omitempty" json:"builtin,omitempty"`
	Packs      []string       `yaml:"packs,omitempty" json:"packs,omitempty"`
	Disable    []string       `yaml:"disable,omitempty" json:"disable,omitempty"`
	Params     map[string]any `yaml:"params,omitempty" json:"params,omitempty"`
	TLSProbe   bool           `yaml:"tls_probe,omitempty" json:"tls_probe,omitempty"`
	HTTPOrigin string         `yaml:"http_origin,omitempty" json:"http_origin,omitempty"`
	FailOn     string         `yaml:"fail_on,omitempty" json:"fail_on,omitempty"`
	Audit      bool           `yaml:"audit,omitempty" json:"audit,omitempty"`
}

// Options resolves the section into load options; relative directories
// are taken against dir (the config file's directory). Without dirs, a
// policy/ directory under dir is used when it exists.
func (c Config) Options(dir string) (Options, error) {
	o := Options{Packs: c.Packs, Disable: c.Disable, Params: c.Params, NoBuiltin: c.Builtin != nil && !*c.Builtin}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	for _, d := range c.Dirs {
		o.Dirs = append(o.Dirs, abs(d))
	}
	if len(c.Dirs) == 0 {
		if st, err := os.Stat(filepath.Join(dir, "policy")); err == nil && st.IsDir() {
			o.Dirs = []string{filepath.Join(dir, "policy")}
		}
	}
	for _, d := range c.RegoV0 {
		o.RegoV0 = append(o.RegoV0, abs(d))
	}
	known := map[string]bool{}
	for _, p := range Packs() {
		known[p] = true
	}
	for _, p := range c.Packs {
		if !known[p] {
			return o, &escarp.Error{Op: "policy", Kind: escarp.Invalid, Message: fmt.Sprintf("policy.packs: no built-in pack %q (want one of %v)", p, Packs())}
		}
	}
	if c.FailOn != "" {
		if _, err := escarp.ParseSeverity(c.FailOn); err != nil {
			return o, &escarp.Error{Op: "policy", Kind: escarp.Invalid, Message: "policy.fail_on: " + err.Error()}
		}
	}
	return o, nil
}
