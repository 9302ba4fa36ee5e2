package sca

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// buildGoProxy lays out testdata/goproxy-src (directories named
// module@version) as a GOPROXY=file:// module proxy under a temporary
// directory and returns its URL. The fixture modules then build fully
// offline, as ordinary required modules: govulncheck matches advisories by
// the module path and version in the build list, which a local
// `replace ... => ./dir` directive would hide (it reports the directory and
// no version).
func buildGoProxy(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("testdata", "goproxy-src"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	versions := map[string][]string{}
	err = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || !strings.Contains(d.Name(), "@") {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		path, version, _ := strings.Cut(filepath.ToSlash(rel), "@")
		mv := module.Version{Path: path, Version: version}
		dir := filepath.Join(out, filepath.FromSlash(path), "@v")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(dir, version+".zip"))
		if err != nil {
			return err
		}
		if err := zip.CreateFromDir(f, mv, p); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		gomod, err := os.ReadFile(filepath.Join(p, "go.mod"))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, version+".mod"), gomod, 0o644); err != nil {
			return err
		}
		info, _ := json.Marshal(map[string]string{"Version": version, "Time": "2026-01-01T00:00:00Z"})
		if err := os.WriteFile(filepath.Join(dir, version+".info"), info, 0o644); err != nil {
			return err
		}
		versions[dir] = append(versions[dir], version)
		return filepath.SkipDir
	})
	if err != nil {
		t.Fatalf("build module proxy: %v", err)
	}
	for dir, vs := range versions {
		sort.Strings(vs)
		if err := os.WriteFile(filepath.Join(dir, "list"), []byte(strings.Join(vs, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return "file://" + filepath.ToSlash(out)
}

// goModuleEnv points the go command at an empty module cache filled from
// the fixture proxy, downloads the requirements of the module in dir there,
// and leaves GOPROXY=off so the scan itself runs offline.
func goModuleEnv(t *testing.T, dirs ...string) {
	t.Helper()
	proxy := buildGoProxy(t)
	cache := t.TempDir()
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("GOFLAGS", "-modcacherw")
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GONOSUMDB", "example.com")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOWORK", "off")
	t.Setenv("GOPROXY", proxy)
	for _, dir := range dirs {
		cmd := exec.Command("go", "mod", "download")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go mod download in %s: %v\n%s", dir, err, out)
		}
	}
	t.Setenv("GOPROXY", "off")
}
