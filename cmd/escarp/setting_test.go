package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestSettingPrecedence checks flag > ESCARP_<KEY> > config file > default
// through a throwaway command shaped like the real ones.
func TestSettingPrecedence(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		config  string // escarp.yaml in the working directory; "" for none
		want    string
		wantMax string
	}{
		{name: "default", want: "http://default", wantMax: "100"},
		{name: "config", config: "target: http://from-config\n", want: "http://from-config", wantMax: "100"},
		{name: "env over config", config: "target: http://from-config\n",
			env:  map[string]string{"ESCARP_TARGET": "http://from-env", "ESCARP_MAX_REQUESTS": "7"},
			want: "http://from-env", wantMax: "7"},
		{name: "flag over env and config", config: "target: http://from-config\n",
			env:  map[string]string{"ESCARP_TARGET": "http://from-env", "ESCARP_MAX_REQUESTS": "7"},
			args: []string{"--target", "http://from-flag", "--max-requests", "9"},
			want: "http://from-flag", wantMax: "9"},
		{name: "flag equal to its default still wins", config: "target: http://from-config\n",
			args: []string{"--target=http://default"}, want: "http://default", wantMax: "100"},
		{name: "empty env is unset", config: "target: http://from-config\n",
			env: map[string]string{"ESCARP_TARGET": ""}, want: "http://from-config", wantMax: "100"},
		{name: "config through ESCARP_CONFIG",
			env:  map[string]string{"ESCARP_CONFIG": "other.yaml"},
			want: "http://from-other", wantMax: "100"},
		{name: "config through --config", config: "target: http://from-config\n",
			args: []string{"--config", "other.yaml"}, want: "http://from-other", wantMax: "100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.config != "" {
				if err := os.WriteFile(filepath.Join(dir, "escarp.yaml"), []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "other.yaml"), []byte("target: http://from-other\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, wd: dir,
				getenv: func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }}
			var target, maxRequests string
			probe := &cobra.Command{
				Use: "probe",
				RunE: func(cmd *cobra.Command, _ []string) error {
					cfg, err := a.config()
					if err != nil {
						return err
					}
					target = a.setting(cmd, "target", "target", cfg.Target)
					maxRequests = a.setting(cmd, "max-requests", "max-requests", "")
					return nil
				},
			}
			probe.Flags().String("target", "http://default", "base URL")
			probe.Flags().Int("max-requests", 100, "request budget")
			root := &cobra.Command{Use: "escarp", SilenceUsage: true, SilenceErrors: true}
			root.PersistentFlags().StringVar(&a.configPath, "config", "", "config file")
			root.AddCommand(probe)
			root.SetArgs(append([]string{"probe"}, tt.args...))
			if err := root.ExecuteContext(context.Background()); err != nil {
				t.Fatal(err)
			}
			if target != tt.want || maxRequests != tt.wantMax {
				t.Errorf("setting(target, max-requests) = %q, %q, want %q, %q", target, maxRequests, tt.want, tt.wantMax)
			}
		})
	}
}
