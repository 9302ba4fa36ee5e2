package sca

import (
	"regexp"
	"strings"

	"github.com/escarp/escarp/internal/redact"
	"github.com/google/osv-scanner/v2/pkg/models"
	"github.com/package-url/packageurl-go"
)

// findPackageLine returns the 1-based line of lines where the package name
// at version is declared, and that line trimmed; 0 and "" when the name does
// not appear. It prefers a line naming both (go.mod, Gemfile.lock,
// requirements.txt, gradle.lockfile), then a line naming the package
// followed within a few lines by its version (package-lock.json,
// Cargo.lock, poetry.lock, composer.lock, pom.xml), then the first line
// naming it at all.
func findPackageLine(lines []string, eco, name, version string) (int, string) {
	names := []string{name}
	if eco == "Maven" {
		// pom.xml names the artifact in <artifactId>; gradle.lockfile
		// writes group:artifact:version.
		if _, artifact, ok := strings.Cut(name, ":"); ok {
			names = append(names, artifact)
		}
	}
	if eco == "PyPI" {
		names = append(names, strings.ReplaceAll(name, "-", "_"))
	}
	versions := []string{version}
	if version != "" && !strings.HasPrefix(version, "v") {
		versions = append(versions, "v"+version)
	}
	const window = 6
	if eco == "npm" {
		// package-lock.json v2/v3 keys each installed copy by its path:
		// "node_modules/a/node_modules/ws": { "version": "6.2.2", ... }.
		for i, l := range lines {
			t := strings.TrimSpace(l)
			if !strings.HasSuffix(t, "node_modules/"+name+"\": {") && t != "\""+name+"\": {" {
				continue
			}
			for j := i + 1; j < len(lines) && j <= i+window; j++ {
				if strings.Contains(lines[j], "\"version\"") {
					if hasVersion(lines[j], versions) {
						return i + 1, t
					}
					break
				}
			}
		}
	}
	first, near := 0, 0
	for _, n := range names {
		for i, l := range lines {
			if !containsToken(l, n) {
				continue
			}
			if first == 0 {
				first = i + 1
			}
			if hasVersion(l, versions) {
				return i + 1, strings.TrimSpace(l)
			}
			if near == 0 {
				for j := i + 1; j < len(lines) && j <= i+window; j++ {
					if hasVersion(lines[j], versions) {
						near = i + 1
						break
					}
					// The next package's block starts: stop looking.
					if strings.Contains(lines[j], "name") && j > i+1 {
						break
					}
				}
			}
		}
		if near != 0 || first != 0 {
			break
		}
	}
	switch {
	case near != 0:
		return near, strings.TrimSpace(lines[near-1])
	case first != 0:
		return first, strings.TrimSpace(lines[first-1])
	}
	return 0, ""
}

// hasVersion reports whether l holds one of versions as a whole token that
// is not a version requirement ("^3.0.2", ">= 2.2.3", "~> 1.0"): "==" and
// "=" pins count.
func hasVersion(l string, versions []string) bool {
	for _, v := range versions {
		if v == "" {
			continue
		}
		for _, i := range tokenIndexes(l, v) {
			before := strings.TrimRight(l[:i], " \t\"'(")
			switch {
			case strings.HasSuffix(before, "=="):
			case strings.HasSuffix(before, ">="), strings.HasSuffix(before, "<="),
				strings.HasSuffix(before, "~="), strings.HasSuffix(before, "!="),
				strings.HasSuffix(before, "~>"), strings.HasSuffix(before, "~"),
				strings.HasSuffix(before, "^"), strings.HasSuffix(before, ">"),
				strings.HasSuffix(before, "<"):
				continue
			}
			return true
		}
	}
	return false
}

// containsToken reports whether tok occurs in l, case-insensitively, not
// preceded or followed by a character that would make it part of a longer
// name or version.
func containsToken(l, tok string) bool {
	return len(tokenIndexes(l, tok)) > 0
}

// tokenIndexes returns the offsets in l where tok occurs as a whole token.
func tokenIndexes(l, tok string) []int {
	ll, lt := strings.ToLower(l), strings.ToLower(tok)
	var out []int
	for off := 0; off < len(ll) && lt != ""; {
		i := strings.Index(ll[off:], lt)
		if i < 0 {
			break
		}
		i += off
		end := i + len(lt)
		if (i == 0 || !nameChar(ll[i-1])) && (end == len(ll) || !nameChar(ll[end])) {
			out = append(out, i)
		}
		off = i + 1
	}
	return out
}

func nameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '+'
}

// purl returns the package URL osv-scalibr's extractor gives the package,
// or a generic one when the scan result carries no extractor package.
func purl(info models.PackageInfo) string {
	if info.Inventory != nil {
		if u := info.Inventory.PURL(); u != nil {
			return u.String()
		}
	}
	return packageurl.NewPackageURL("generic", "", info.Name, info.Version, nil, "").ToString()
}

// urlCredentials matches the password of a URL's userinfo
// ("git+https://user:token@host/...", a private registry in a lockfile).
var urlCredentials = regexp.MustCompile(`(://[^/\s:@]*:)[^@\s/]+@`)

// redactSnippet masks credentials in a lockfile line before it is reported.
func redactSnippet(s string) string {
	s = urlCredentials.ReplaceAllString(s, "${1}"+redact.Mask+"@")
	return redact.String(s)
}
