package main

// Temporary placeholders while the commands are written in parallel. Each
// command's own file replaces its placeholder here.

import (
	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
)

func notYet(name string) *cobra.Command {
	return &cobra.Command{Use: name, Short: "(not available yet)", Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return escarp.Errorf(escarp.Internal, "%s is not available in this build", name)
		}}
}

func (a *app) explainCmd() *cobra.Command { return notYet("explain") }
