package sca

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/escarp/escarp"
)

// dbFormat changes whenever the layout of a prepared database changes, so an
// old cache entry is never read by newer code.
const dbFormat = "escarp-osv-v1"

// knownEcosystems are the OSV ecosystems osv-scalibr's local matcher may ask
// for. Each gets an all.zip, empty when the input has no record for it: the
// matcher aborts the whole enrichment when one ecosystem's archive is missing,
// which would silently drop the vulnerabilities of every later package.
var knownEcosystems = []string{
	"AlmaLinux", "Alpaquita", "Alpine", "Android", "Azure Linux",
	"BellSoft Hardened Containers", "Bioconductor", "Bitnami", "Chainguard",
	"CleanStart", "ConanCenter", "CRAN", "crates.io", "Debian",
	"Docker Hardened Images", "Echo", "FreeBSD", "GHC", "GIT", "GitHub Actions",
	"Go", "Hackage", "Hex", "Homebrew", "Julia", "Kubernetes", "Linux",
	"Mageia", "Maven", "MinimOS", "npm", "NuGet", "opam", "openEuler",
	"openSUSE", "OSS-Fuzz", "Packagist", "Photon OS", "Pub", "PyPI", "Red Hat",
	"Rocky Linux", "Root", "RubyGems", "SUSE", "SwiftURL", "TuxCare", "Ubuntu",
	"vcpkg", "VSCode", "Wolfi",
}

// offlineDB is a database prepared from a directory of OSV JSON files.
type offlineDB struct {
	// Dir is the LocalDBPath to give osv-scanner: it holds
	// osv-scalibr/{Ecosystem}/all.zip and the same under osv-scanner/.
	Dir string
	// Key identifies the listing of the input directory it was built from.
	Key string
	// Records counts the OSV records loaded.
	Records int
	// Notes are the problems met while reading the input (malformed files).
	Notes []string
}

// manifest is stored beside a prepared database so that a cached copy
// reports the same notes as a fresh one.
type manifest struct {
	Format  string   `json:"format"`
	Records int      `json:"records"`
	Notes   []string `json:"notes,omitempty"`
}

// osvHead is the part of an OSV record needed to file it by ecosystem.
type osvHead struct {
	ID       string `json:"id"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

// prepareOfflineDB turns src, a directory of OSV JSON files searched
// recursively, into the layout osv-scanner's local matcher reads. The result
// is cached under cacheRoot, keyed by a hash of the listing of src (paths,
// sizes and modification times), so an unchanged directory is prepared once.
func prepareOfflineDB(ctx context.Context, src, cacheRoot string) (*offlineDB, error) {
	files, key, err := listOSVDir(ctx, src)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cacheRoot, key)
	if db, ok := loadPrepared(dir); ok {
		now := time.Now()
		_ = os.Chtimes(filepath.Join(dir, "escarp.json"), now, now)
		db.Key = key
		return db, nil
	}
	if err := os.MkdirAll(cacheRoot, 0o750); err != nil {
		return nil, fmt.Errorf("create OSV cache %s: %w", cacheRoot, err)
	}
	tmp, err := os.MkdirTemp(cacheRoot, "build-")
	if err != nil {
		return nil, fmt.Errorf("create OSV cache entry: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	db, err := buildOfflineDB(ctx, src, files, tmp)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have prepared the same entry meanwhile.
		if cached, ok := loadPrepared(dir); ok {
			cached.Key = key
			return cached, nil
		}
		return nil, fmt.Errorf("store OSV cache entry: %w", err)
	}
	db.Dir, db.Key = dir, key
	pruneCache(cacheRoot, dir)
	return db, nil
}

// dir is the LocalDBPath of db, "" for none (online matching).
func (db *offlineDB) dir() string {
	if db == nil {
		return ""
	}
	return db.Dir
}

// preparedKey names a database prepared by this process.
type preparedKey struct{ src, cache string }

// prepared remembers, per input directory, the database this process last
// prepared, so that a repeated scan (a watch loop, a server, a benchmark)
// starts at once and checks the listing of the input in parallel.
var prepared sync.Map // preparedKey -> *offlineDB

// openOfflineDB returns the database for src. When this process prepared
// it before, it is returned at once with a channel that delivers the key of
// src's current listing ("" if it cannot be read), which the caller compares
// with the returned database's Key; otherwise it is prepared (or found in
// the cache) first and the channel is nil.
func openOfflineDB(ctx context.Context, src, cacheRoot string) (*offlineDB, <-chan string, error) {
	k := preparedKey{src, cacheRoot}
	if abs, err := filepath.Abs(src); err == nil {
		k.src = abs
	}
	if v, ok := prepared.Load(k); ok {
		db := v.(*offlineDB)
		if _, err := os.Stat(filepath.Join(db.Dir, "escarp.json")); err == nil {
			ch := make(chan string, 1)
			go func() {
				_, key, err := listOSVDir(ctx, k.src)
				if err != nil {
					key = ""
				}
				ch <- key
			}()
			return db, ch, nil
		}
	}
	db, err := prepareOfflineDB(ctx, k.src, cacheRoot)
	if err != nil {
		return nil, nil, err
	}
	prepared.Store(k, db)
	return db, nil, nil
}

// forgetPrepared drops what openOfflineDB remembers of src.
func forgetPrepared(src, cacheRoot string) {
	k := preparedKey{src, cacheRoot}
	if abs, err := filepath.Abs(src); err == nil {
		k.src = abs
	}
	prepared.Delete(k)
}

// pruneCache removes prepared databases not used for a month and builds
// abandoned for a day, keeping keep.
func pruneCache(root, keep string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	now := time.Now()
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		if !e.IsDir() || p == keep {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		marker := filepath.Join(p, "escarp.json")
		if mi, err := os.Stat(marker); err == nil {
			info = mi
		} else if !strings.HasPrefix(e.Name(), "build-") {
			continue // not ours
		}
		age := now.Sub(info.ModTime())
		if strings.HasPrefix(e.Name(), "build-") && age > 24*time.Hour || age > 30*24*time.Hour {
			_ = os.RemoveAll(p)
		}
	}
}

// listOSVDir returns the slash-separated relative paths of every .json file
// under src, sorted, and the cache key of that listing.
func listOSVDir(ctx context.Context, src string) ([]string, string, error) {
	info, err := os.Stat(src)
	if err != nil {
		return nil, "", &escarp.Error{Op: "sca.Scan", Kind: escarp.Invalid,
			Message: fmt.Sprintf("offline database %s", src), Err: err}
	}
	if !info.IsDir() {
		return nil, "", &escarp.Error{Op: "sca.Scan", Kind: escarp.Invalid,
			Message: fmt.Sprintf("offline database %s is not a directory of OSV JSON files", src)}
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", dbFormat)
	var files []string
	const maxFiles = 2_000_000
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".json") {
			return nil
		}
		if len(files) >= maxFiles {
			return fmt.Errorf("more than %d JSON files", maxFiles)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		files = append(files, rel)
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00", rel, fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		return nil, "", &escarp.Error{Op: "sca.Scan", Kind: escarp.Invalid,
			Message: fmt.Sprintf("read offline database %s", src), Err: err}
	}
	return files, hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// loadPrepared returns the database prepared earlier in dir, if complete.
func loadPrepared(dir string) (*offlineDB, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "escarp.json"))
	if err != nil {
		return nil, false
	}
	var m manifest
	if json.Unmarshal(b, &m) != nil || m.Format != dbFormat {
		return nil, false
	}
	return &offlineDB{Dir: dir, Records: m.Records, Notes: m.Notes}, true
}

// buildOfflineDB reads every file of files under src and writes the
// per-ecosystem archives into out.
func buildOfflineDB(ctx context.Context, src string, files []string, out string) (*offlineDB, error) {
	type entry struct {
		name string
		data []byte
	}
	byEco := map[string][]entry{}
	db := &offlineDB{}
	var notOSV []string
	for _, rel := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(rel)))
		if err != nil {
			db.Notes = append(db.Notes, fmt.Sprintf("offline database: %s: %v; skipped", rel, err))
			continue
		}
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) == 0 || trimmed[0] != '{' {
			if json.Valid(trimmed) {
				notOSV = append(notOSV, rel)
			} else {
				db.Notes = append(db.Notes, fmt.Sprintf("offline database: %s: malformed JSON; skipped", rel))
			}
			continue
		}
		var head osvHead
		if err := json.Unmarshal(trimmed, &head); err != nil {
			db.Notes = append(db.Notes, fmt.Sprintf("offline database: %s: malformed OSV JSON: %v; skipped", rel, err))
			continue
		}
		if head.ID == "" || len(head.Affected) == 0 {
			notOSV = append(notOSV, rel)
			continue
		}
		ecos := map[string]bool{}
		for _, a := range head.Affected {
			eco, _, _ := strings.Cut(a.Package.Ecosystem, ":")
			if eco != "" {
				ecos[eco] = true
			}
		}
		if len(ecos) == 0 {
			db.Notes = append(db.Notes, fmt.Sprintf("offline database: %s: OSV record %s names no ecosystem; skipped", rel, head.ID))
			continue
		}
		db.Records++
		for eco := range ecos {
			byEco[eco] = append(byEco[eco], entry{name: safeName(head.ID) + ".json", data: trimmed})
		}
	}
	if len(notOSV) > 0 {
		const show = 5
		list := strings.Join(notOSV[:min(show, len(notOSV))], ", ")
		if len(notOSV) > show {
			list += fmt.Sprintf(" and %d more", len(notOSV)-show)
		}
		db.Notes = append(db.Notes, fmt.Sprintf("offline database: %d JSON files are not OSV records (no id or affected); skipped: %s", len(notOSV), list))
	}
	ecos := slices.Clone(knownEcosystems)
	for eco := range byEco {
		if !slices.Contains(ecos, eco) {
			ecos = append(ecos, eco)
		}
	}
	for _, eco := range ecos {
		entries := byEco[eco]
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		seen := map[string]int{}
		for _, e := range entries {
			name := e.name
			if n := seen[name]; n > 0 {
				// Two files with the same id: keep both, as osv.dev would
				// keep the newest; the matcher de-duplicates by id.
				name = strings.TrimSuffix(name, ".json") + "~" + strconv.Itoa(n) + ".json"
			}
			seen[e.name]++
			w, err := zw.Create(name)
			if err != nil {
				return nil, fmt.Errorf("write %s archive: %w", eco, err)
			}
			if _, err := w.Write(e.data); err != nil {
				return nil, fmt.Errorf("write %s archive: %w", eco, err)
			}
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("write %s archive: %w", eco, err)
		}
		// osv-scanner v2.5.0 reads {dir}/osv-scalibr/{Ecosystem}/all.zip;
		// earlier releases read osv-scanner/: write both names.
		for _, layout := range []string{"osv-scalibr", "osv-scanner"} {
			d := filepath.Join(out, layout, eco)
			if err := os.MkdirAll(d, 0o750); err != nil {
				return nil, fmt.Errorf("write %s archive: %w", eco, err)
			}
			if err := os.WriteFile(filepath.Join(d, "all.zip"), buf.Bytes(), 0o640); err != nil {
				return nil, fmt.Errorf("write %s archive: %w", eco, err)
			}
		}
	}
	m, err := json.Marshal(manifest{Format: dbFormat, Records: db.Records, Notes: db.Notes})
	if err != nil {
		return nil, err
	}
	// The manifest is written last: its presence marks a complete entry.
	if err := os.WriteFile(filepath.Join(out, "escarp.json"), m, 0o640); err != nil {
		return nil, fmt.Errorf("write OSV cache manifest: %w", err)
	}
	db.Dir = out
	return db, nil
}

// safeName makes an advisory id usable as a file name.
func safeName(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, id)
}

// defaultCacheRoot is where prepared databases are kept between runs.
func defaultCacheRoot() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "escarp", "osv")
	}
	return filepath.Join(os.TempDir(), "escarp-osv")
}

var errNoOfflineDB = errors.New("offline mode needs an offline database directory")
