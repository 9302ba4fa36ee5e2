// Package shell runs diagnostics for the fixture.
package shell

import (
	"context"
	"fmt"
	"os/exec"
)

// Ping pings host once.
func Ping(ctx context.Context, host string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, "sh", "-c", "ping -c 1 "+host).Output()
	if err != nil {
		return nil, fmt.Errorf("ping: %w", err)
	}
	return out, nil
}

// Log returns the history of a git ref.
func Log(ref string) ([]byte, error) {
	cmd := exec.Command("git", "log", "--oneline", ref)
	return cmd.Output()
}
