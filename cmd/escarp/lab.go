package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/lab"
)

// labCmd runs the deliberately vulnerable Quayside Marina API (or its
// secure twin) on loopback, and writes its spec and a scan config.
func (a *app) labCmd() *cobra.Command {
	var (
		addr   string
		secure bool
	)
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run the deliberately vulnerable API (or its secure twin) on loopback",
		Long: `escarp lab runs "Quayside Marina", a deliberately vulnerable API with more
than thirty planted flaws covering the whole OWASP API Security Top 10 2023,
until interrupted. --secure runs the hardened twin: the same API with every
flaw fixed. The lab binds to loopback only: it has real command injection
and SSRF.

  escarp lab                       # http://127.0.0.1:8888
  escarp lab spec -o quayside.yaml # its OpenAPI 3.1 description
  escarp lab config > escarp.yaml  # a scan config with alice, bob and admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr = a.setting(cmd, "addr", "lab_addr", "")
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			var state string
			err := lab.Serve(ctx, addr, lab.Options{Secure: secure}, func(base string) {
				a.printLabBanner(base, secure)
				var werr error
				if state, werr = writeLabState(a.wd, base); werr != nil {
					fmt.Fprintf(a.status(), "warning: %v\n", werr)
				}
			})
			if state != "" {
				_ = os.Remove(state)
			}
			if errors.Is(err, syscall.EADDRINUSE) {
				port := addr
				if _, p, serr := net.SplitHostPort(addr); serr == nil {
					port = p
				}
				return &escarp.Error{Op: "lab", Kind: escarp.Unavailable,
					Message: fmt.Sprintf("port %s is in use; try --addr 127.0.0.1:0", port), Err: err}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8888", "listen address (loopback only)")
	cmd.Flags().BoolVar(&secure, "secure", false, "run the hardened twin instead of the vulnerable lab")
	cmd.AddCommand(a.labSpecCmd(), a.labConfigCmd())
	return cmd
}

func (a *app) printLabBanner(base string, secure bool) {
	w := a.stdout
	mode := "vulnerable lab — do not expose it"
	if secure {
		mode = "secure twin"
	}
	fmt.Fprintf(w, "Quayside Marina (%s) listening on %s\n\n", mode, base)
	fmt.Fprintf(w, "  lessons and hints  %s/\n  OpenAPI 3.1        %s/openapi.yaml\n\n", base, base)
	fmt.Fprintln(w, "Members:")
	for _, u := range lab.Users() {
		fmt.Fprintf(w, "  %-6s %-18s %s\n", u.Username, u.Password, u.Role)
	}
	sec := ""
	if secure {
		sec = " --secure"
	}
	fmt.Fprintf(w, "\nWrite the spec with `escarp lab spec%s -o quayside.yaml` and a scan config with\n", sec)
	fmt.Fprintf(w, "`escarp lab config%s --url %s > escarp.yaml`, then run `escarp scan`.\nPress Ctrl-C to stop.\n", sec, base)
}

func (a *app) labSpecCmd() *cobra.Command {
	var (
		secure bool
		out    string
	)
	cmd := &cobra.Command{
		Use:   "spec",
		Short: "Write the lab's OpenAPI 3.1 description (YAML)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.writeLabFile(out, lab.Spec(secure))
		},
	}
	cmd.Flags().BoolVar(&secure, "secure", false, "the secure twin's description")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

func (a *app) labConfigCmd() *cobra.Command {
	var (
		secure bool
		force  bool
		url    string
		out    string
	)
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Write an escarp.yaml that scans the lab with alice, bob and admin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("url") {
				if running := readLabState(a.wd); running != "" {
					url = running
				}
			}
			if out != "" && !force {
				p := out
				if !filepath.IsAbs(p) {
					p = filepath.Join(a.wd, p)
				}
				if _, err := os.Stat(p); err == nil {
					return &escarp.Error{Op: "lab config", Kind: escarp.Invalid,
						Message: fmt.Sprintf("%s exists; pass --force to overwrite it", out)}
				}
			}
			return a.writeLabFile(out, lab.ScanConfig(url, secure))
		},
	}
	cmd.Flags().BoolVar(&secure, "secure", false, "for the secure twin")
	cmd.Flags().StringVar(&url, "url", "http://127.0.0.1:8888", "base URL of the running lab (default: the lab running here, from .escarp/lab.json)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite the -o file when it exists")
	return cmd
}

func (a *app) writeLabFile(path string, data []byte) error {
	if path == "" {
		_, err := a.stdout.Write(data)
		return err
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(a.wd, path)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return &escarp.Error{Op: "lab", Kind: escarp.Invalid, Message: fmt.Sprintf("write %s", path), Err: err}
	}
	fmt.Fprintf(a.status(), "wrote %s\n", a.rel(path))
	return nil
}

// labStateFile is where a running lab writes its address, relative to the
// working directory: {"url": "http://127.0.0.1:PORT"}. `escarp lab config`
// and `escarp learn` read its "url".
const labStateFile = ".escarp/lab.json"

// writeLabState records the running lab's address in .escarp/lab.json,
// git-ignored through .escarp/.gitignore, and returns the file's path.
func writeLabState(wd, base string) (string, error) {
	dir := filepath.Join(wd, ".escarp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("record the lab's address: %w", err)
	}
	ignore := filepath.Join(dir, ".gitignore")
	old, _ := os.ReadFile(ignore)
	if !slices.Contains(strings.Split(string(old), "\n"), "lab.json") {
		if len(old) > 0 && !strings.HasSuffix(string(old), "\n") {
			old = append(old, '\n')
		}
		if err := os.WriteFile(ignore, append(old, "lab.json\n"...), 0o644); err != nil { // #nosec G703 G306 -- .escarp/.gitignore under the config directory
			return "", fmt.Errorf("record the lab's address: %w", err)
		}
	}
	data, _ := json.Marshal(map[string]string{"url": base})
	path := filepath.Join(wd, labStateFile)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("record the lab's address: %w", err)
	}
	return path, nil
}

// readLabState returns the url a running lab recorded in .escarp/lab.json,
// or "".
func readLabState(wd string) string {
	data, err := os.ReadFile(filepath.Join(wd, labStateFile))
	if err != nil {
		return ""
	}
	var st struct {
		URL string `json:"url"`
	}
	if json.Unmarshal(data, &st) != nil {
		return ""
	}
	return st.URL
}
