// Package shell runs diagnostics for the fixture.
package shell

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
)

var errNotAllowed = errors.New("not allowed")

// Ping pings one of the known hosts once.
func Ping(ctx context.Context, host string) ([]byte, error) {
	var cmd *exec.Cmd
	switch host {
	case "db":
		cmd = exec.CommandContext(ctx, "ping", "-c", "1", "db.internal")
	case "cache":
		cmd = exec.CommandContext(ctx, "ping", "-c", "1", "cache.internal")
	default:
		return nil, errNotAllowed
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ping: %w", err)
	}
	return out, nil
}

// Log returns the history of one of the release branches.
func Log(ref string) ([]byte, error) {
	switch ref {
	case "main":
		return exec.Command("git", "log", "--oneline", "main").Output()
	case "release":
		return exec.Command("git", "log", "--oneline", "release").Output()
	}
	return nil, errNotAllowed
}
