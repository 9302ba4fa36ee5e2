// Package jobs holds the runners of escarp serve's job kinds: each wraps
// an engine (audit, scan) the way its command does, reading the project's
// identities by reference when the job runs. cmd/escarp hands the engines'
// explicit plugin lists in, so this package imports no plugin.
package jobs

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
	"github.com/escarp/escarp/internal/audit/specload"
	"github.com/escarp/escarp/internal/check"
	"github.com/escarp/escarp/internal/config"
	"github.com/escarp/escarp/internal/scan"
	"github.com/escarp/escarp/internal/server"
	"github.com/escarp/escarp/internal/spec"
)

// Options are what every runner shares.
type Options struct {
	// Dir resolves relative spec and identities paths.
	Dir string
	// Getenv reads the environment (identities by env: reference and
	// ${VAR} in identities files); default os.LookupEnv.
	Getenv func(string) (string, bool)
	// Scan is the base scan configuration (budgets, rate); identities come
	// from the project.
	Scan scan.Config
}

func (o Options) getenv() func(string) (string, bool) {
	if o.Getenv != nil {
		return o.Getenv
	}
	return os.LookupEnv
}

func (o Options) path(p string) string {
	if p == "" || strings.Contains(p, "://") || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(o.Dir, p)
}

// Runners returns the runners of the kinds this build can run.
func Runners(o Options, rules []*audit.Rule, checks []check.Check) map[string]server.Runner {
	return map[string]server.Runner{
		"audit": Audit(o, rules),
		"scan":  Scan(o, checks),
	}
}

func invalid(p *escarp.Project, msg string) error {
	return &escarp.Error{Op: "jobs", Kind: escarp.Invalid, Message: "project " + p.Name + ": " + msg}
}

// Audit runs escarp audit on the project's API description.
func Audit(o Options, rules []*audit.Rule) server.Runner {
	return server.RunnerFunc(func(ctx context.Context, p *escarp.Project) (*escarp.Run, error) {
		if p.Spec == "" {
			return nil, invalid(p, "no API description (spec) to audit")
		}
		in, warns, err := specload.Load(ctx, o.path(p.Spec))
		if err != nil {
			return nil, err
		}
		in.Spec = p.Spec
		run, err := audit.RunInput(ctx, in, rules, audit.Config{})
		if run != nil {
			for _, w := range warns {
				run.Notes = append(run.Notes, w.String())
			}
		}
		return run, err
	})
}

// Scan runs escarp scan against the project's target with its identities.
func Scan(o Options, checks []check.Check) server.Runner {
	return server.RunnerFunc(func(ctx context.Context, p *escarp.Project) (*escarp.Run, error) {
		if p.Target == "" || p.Spec == "" {
			return nil, invalid(p, "a scan needs a target and an API description (spec)")
		}
		cfg := o.Scan
		ids, err := Identities(p.Identities, o)
		if err != nil {
			return nil, err
		}
		cfg.Identities = ids
		api, _, err := spec.Load(ctx, o.path(p.Spec), spec.Options{})
		if err != nil {
			return nil, err
		}
		run, err := scan.Run(ctx, api, p.Target, cfg, checks)
		if run != nil {
			run.Spec = p.Spec
		}
		return run, err
	})
}

// Identities reads the identities file a project references: "env:VAR"
// (the variable holds the YAML) or "file:PATH". The YAML is an
// identities: list or a bare list, as for --identity-file; ${VAR} in it
// is expanded.
func Identities(ref string, o Options) ([]scan.Identity, error) {
	if ref == "" {
		return nil, nil
	}
	var name string
	var data []byte
	switch {
	case strings.HasPrefix(ref, "env:"):
		v, ok := o.getenv()(strings.TrimPrefix(ref, "env:"))
		if !ok {
			return nil, &escarp.Error{Op: "jobs.Identities", Kind: escarp.Invalid, Message: "identities " + ref + ": the variable is not set"}
		}
		name, data = ref, []byte(v)
	case strings.HasPrefix(ref, "file:"):
		name = o.path(strings.TrimPrefix(ref, "file:"))
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, &escarp.Error{Op: "jobs.Identities", Kind: escarp.Invalid, Message: "identities " + ref, Err: err}
		}
		data = b
	default:
		return nil, &escarp.Error{Op: "jobs.Identities", Kind: escarp.Invalid, Message: "identities: want env:VAR or file:PATH"}
	}
	f, err := config.Parse(name, data, o.getenv())
	if err != nil {
		return nil, err
	}
	var ids []scan.Identity
	if err := f.Section("identities", &ids); err != nil {
		return nil, err
	}
	return ids, nil
}
