package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLabPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	_, _, err = runScanCLI(t, t.TempDir(), nil, "lab", "--addr", ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "port "+port+" is in use; try --addr 127.0.0.1:0") {
		t.Fatalf("lab on a taken port: %v", err)
	}
}

// TestLabRecordsItsAddress runs the lab on a free port: it writes
// .escarp/lab.json with its url (git-ignored), `lab config` points at it,
// and the file is gone when the lab stops.
func TestLabRecordsItsAddress(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, wd: dir,
		getenv: func(string) (string, bool) { return "", false }}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, []string{"lab", "--addr", "127.0.0.1:0"}) }()
	state := filepath.Join(dir, ".escarp", "lab.json")
	var data []byte
	for i := 0; i < 300; i++ {
		if d, err := os.ReadFile(state); err == nil && len(d) > 0 {
			data = d
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var st map[string]string
	if err := json.Unmarshal(data, &st); err != nil || !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(st["url"]) {
		t.Fatalf(".escarp/lab.json = %q (%v)", data, err)
	}
	ignore, _ := os.ReadFile(filepath.Join(dir, ".escarp", ".gitignore"))
	if !strings.Contains(string(ignore), "lab.json") {
		t.Errorf(".escarp/.gitignore does not ignore lab.json: %q", ignore)
	}
	cfg, _, err := runScanCLI(t, dir, nil, "lab", "config")
	if err != nil || !strings.Contains(cfg, st["url"]) {
		t.Errorf("lab config does not point at the running lab %s: %v\n%s", st["url"], err, cfg)
	}
	cfg, _, _ = runScanCLI(t, dir, nil, "lab", "config", "--url", "http://127.0.0.1:9")
	if !strings.Contains(cfg, "http://127.0.0.1:9") {
		t.Error("--url does not win over .escarp/lab.json")
	}
	cancel()
	if err := <-done; err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf(".escarp/lab.json is left behind after the lab stopped: %v", err)
	}
}

func TestLabConfigRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "escarp.yaml")
	if err := os.WriteFile(path, []byte("mine: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := runScanCLI(t, dir, nil, "lab", "config", "-o", "escarp.yaml")
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("lab config over an existing file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "mine: true\n" {
		t.Fatal("the existing file was overwritten")
	}
	_, stderr, err := runScanCLI(t, dir, nil, "lab", "config", "-o", "escarp.yaml", "--force")
	if data, _ := os.ReadFile(path); err != nil || !strings.Contains(string(data), "target:") || !strings.Contains(stderr, "wrote escarp.yaml") {
		t.Fatalf("--force: %v, stderr %q, file %q", err, stderr, data)
	}
}

// TestReadmeQuickStartPathsExist checks that the paths the quick start's
// code step names are in a fresh clone.
func TestReadmeQuickStartPathsExist(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(data), "# 5. ")
	if i < 0 {
		t.Fatal("README has no quick-start step 5")
	}
	step := string(data[i:])
	for strings.HasPrefix(strings.TrimSpace(step), "#") { // the step's comment lines
		step = step[strings.Index(step, "\n")+1:]
	}
	step = step[:strings.Index(step, "\n")]
	checked := 0
	for _, f := range strings.Fields(step) {
		if strings.HasPrefix(f, "-") || f == "./escarp" || f == "code" || strings.Contains(f, ":") || strings.HasPrefix(f, "#") {
			continue
		}
		if strings.HasSuffix(f, ".sarif") || strings.HasSuffix(f, ".json") {
			continue // outputs
		}
		checked++
		if _, err := os.Stat(filepath.Join("../..", f)); err != nil {
			t.Errorf("quick-start step 5 names %s, which a fresh clone does not have", f)
		}
	}
	if checked == 0 {
		t.Errorf("step 5 names no input path: %q", step)
	}
}
