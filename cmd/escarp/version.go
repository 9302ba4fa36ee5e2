package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
)

// version is set at build time:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/escarp
//
// Without it, the version comes from the module's build information.
var version string

// buildInfo is what "escarp version" prints.
type buildInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// currentBuild describes this binary: the -X version, else the module
// version, else the VCS revision, else "devel".
func currentBuild() buildInfo {
	b := buildInfo{Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if ok {
		var modified bool
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if b.Commit != "" && modified {
			b.Commit += "-dirty"
		}
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
	}
	if b.Version == "" && b.Commit != "" {
		b.Version = "devel-" + short(b.Commit)
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// short abbreviates a commit hash to 12 characters.
func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func (a *app) versionCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of escarp, the Go version and the platform",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := currentBuild()
			switch format {
			case "text":
				_, err := fmt.Fprintf(a.stdout, "escarp %s (%s, %s)\n", b.Version, b.Go, b.Platform)
				if err == nil && b.Commit != "" {
					_, err = fmt.Fprintf(a.stdout, "commit %s\n", b.Commit)
				}
				return err
			case "json":
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			return escarp.Errorf(escarp.Invalid, "unknown --format %q (want text or json)", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
