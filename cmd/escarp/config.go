package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/config"
)

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check escarp.yaml or print its JSON Schema",
		Long: `Check escarp.yaml against its JSON Schema, or print the schema.

See docs/config.md for every setting.`,
		// A RunE makes cobra check Args, so "escarp config nosuch" is a
		// usage error (exit 2) instead of help and exit 0.
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.configValidateCmd(), a.configSchemaCmd())
	return cmd
}

func (a *app) configValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check a config file against the schema (default ./escarp.yaml)",
		Long: `Check a config file (default: --config, else ESCARP_CONFIG, else ./escarp.yaml):
its YAML syntax, every ${VAR} reference (an unset variable is an error
naming it; $${ is a literal ${), and the JSON Schema that
"escarp config schema" prints. Each problem is reported on stderr as
file:line:col: field: message. Exit code 2 when there is any.
FILE "-" reads standard input.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := a.configPath
			if len(args) == 1 {
				name = args[0]
			}
			if name == "" {
				if p, ok := a.getenv("ESCARP_CONFIG"); ok && p != "" {
					name = p
				}
			}
			if name == "" {
				name = config.DefaultName
			}
			var errs []error
			if name == "-" {
				name = "<stdin>"
				data, err := io.ReadAll(a.stdin)
				if err != nil {
					return &escarp.Error{Op: "config validate", Kind: escarp.Invalid, Message: "reading standard input", Err: err}
				}
				errs = config.ValidateData(name, data, a.getenv)
			} else {
				path := name
				if !filepath.IsAbs(path) {
					path = filepath.Join(a.wd, path)
				}
				errs = config.ValidateFile(path, name, a.getenv)
			}
			if len(errs) == 0 {
				_, err := fmt.Fprintf(a.stdout, "%s: valid\n", name)
				return err
			}
			return a.configProblems("config validate", name, errs)
		},
	}
}

func (a *app) configSchemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema (draft 2020-12) of escarp.yaml",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := a.stdout.Write(escarp.ConfigSchema)
			return err
		},
	}
}
