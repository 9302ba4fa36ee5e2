package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCredentialLike(t *testing.T) {
	s := fakeSecrets()
	tests := []struct {
		value    string
		password bool
		want     bool
	}{
		{s["API_KEY"], false, true},
		{"Bearer " + s["API_KEY"], false, true},
		{s["GH_TOKEN"], false, true},
		{s["AWS_KEY_ID"], false, true},
		{"tE2DajzSJwnsSbc1", false, true},
		{"hunter2", true, false},
		{"Zq8#vL2!mK9&", true, true},   // 12 characters, four classes
		{"Zq8#vL2!mK9&", false, false}, // too short for a key
		// Placeholders stay silent.
		{"<token>", false, false},
		{"<your-api-key>", false, false},
		{"string", false, false},
		{"xxx", false, false},
		{"xxxxxxxxxxxxxxxxxxxxxxxx", false, false},
		{"your-api-key", false, false},
		{"YOUR_API_KEY_HERE_1234567", false, false},
		{"${API_KEY}", false, false},
		{"{{apiKey}}", false, false},
		{"$API_KEY", false, false},
		{"aaaaaaaaaaaaaaaaaaaa", false, false},
		{"0000000000000000", false, false},
		{"example-token-value", false, false},
		{s["AWS_KEY_ID_EXAMPLE"], false, false},
		{"sk_test_" + strings.Repeat("ab12", 6), false, false},
		{"3fa85f64-5717-4562-b3fc-2c963f66afa6", false, false},
		{"https://auth.example.com/token", false, false},
		{"temp/site/uploads/default/12345/67890.jpg", false, false},
		{"Box__Security__Classification__Key", false, false},
		{"MyApplicationAccessKey", false, false},
		{"1234567890abcdef1234", false, false},
		{"a sentence with spaces in it of some length", false, false},
		// jwt.io's sample token, in pieces so that scanners do not flag this file.
		{"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + "." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0" + "." + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", false, false},
		{"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", false, false},
	}
	for _, tt := range tests {
		_, got := credentialLike(tt.value, tt.password)
		if got != tt.want {
			t.Errorf("credentialLike(%q, %v) = %v, want %v", tt.value, tt.password, got, tt.want)
		}
	}
}

func TestCredentialName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"apiKey", true}, {"api_key", true}, {"X-API-Key", true}, {"token", true},
		{"access_token", true}, {"password", true}, {"client_secret", true},
		{"Authorization", true}, {"key", true}, {"refreshToken", true}, {"pwd", true},
		{"username", false}, {"token_type", false}, {"tokenUrl", false}, {"expires_in", false},
		{"passwordPolicy", false}, {"secretName", false}, {"accessKeyId", false}, {"description", false},
		{"keyword", false}, {"", false},
	}
	for _, tt := range tests {
		if got := credentialName(tt.name); got != tt.want {
			t.Errorf("credentialName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// specPos is what the spec tests compare.
type specPos struct {
	Line, Col int
	Name      string
}

func TestSpecExamples(t *testing.T) {
	s := fakeSecrets()
	key, tok := s["API_KEY"], s["GH_TOKEN"]
	tests := []struct {
		name string
		spec string
		want []specPos
	}{
		{
			name: "swagger 2 apiKey in query",
			spec: "swagger: '2.0'\n" +
				"securityDefinitions:\n" +
				"  k:\n" +
				"    type: apiKey\n" +
				"    in: query\n" +
				"    name: sig\n" +
				"paths:\n" +
				"  /a:\n" +
				"    get:\n" +
				"      parameters:\n" +
				"        - name: sig\n" +
				"          in: query\n" +
				"          type: string\n" +
				"          x-example: " + key + "\n" +
				"        - name: page\n" +
				"          in: query\n" +
				"          type: string\n" +
				"          default: " + key + "\n",
			want: []specPos{{14, 22, "sig"}},
		},
		{
			name: "json with tabs, examples map and schema examples list",
			spec: "{\n" +
				"\t\"components\": {\"schemas\": {\"T\": {\"properties\": {\n" +
				"\t\t\"client_secret\": {\"type\": \"string\", \"examples\": [\"<secret>\", \"" + key + "\"]},\n" +
				"\t\t\"name\": {\"type\": \"string\", \"example\": \"" + key + "\"}\n" +
				"\t}}},\n" +
				"\t\"examples\": {\"login\": {\"value\": {\"user\": \"bob\", \"password\": \"Zq8#vL2!mK9&\"}}}}\n" +
				"}\n",
			want: []specPos{{3, 65, "client_secret"}, {6, 63, "password"}},
		},
		{
			name: "media-type example object and header",
			spec: "paths:\n" +
				"  /a:\n" +
				"    post:\n" +
				"      responses:\n" +
				"        '200':\n" +
				"          headers:\n" +
				"            X-Session-Token:\n" +
				"              schema: {type: string}\n" +
				"              example: '" + key + "'\n" +
				"          content:\n" +
				"            application/json:\n" +
				"              example:\n" +
				"                data:\n" +
				"                  - refresh_token: " + tok + "\n" +
				"                    token_type: " + key + "\n",
			want: []specPos{{9, 25, "X-Session-Token"}, {14, 36, "refresh_token"}},
		},
		{
			name: "HAR header name/value pairs",
			spec: "{\"log\": {\"entries\": [{\"request\": {\"headers\": [\n" +
				"  {\"name\": \"Authorization\", \"value\": \"Bearer " + key + "\"},\n" +
				"  {\"name\": \"Accept\", \"value\": \"" + key + "\"}\n" +
				"]}}]}}\n",
			want: []specPos{{2, 39, "Authorization"}},
		},
		{
			name: "placeholders only",
			spec: "components:\n" +
				"  schemas:\n" +
				"    Login:\n" +
				"      properties:\n" +
				"        password: {type: string, example: string}\n" +
				"        apiKey: {type: string, example: <api-key>}\n" +
				"        token: {type: string, default: '${TOKEN}'}\n",
		},
		{
			name: "aliases are not followed",
			spec: "x-keys: &k\n" +
				"  apiKey: " + key + "\n" +
				"components:\n" +
				"  schemas:\n" +
				"    A:\n" +
				"      example: *k\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := specExamples("spec", []byte(tt.spec))
			if err != nil {
				t.Fatal(err)
			}
			var got []specPos
			for _, h := range hits {
				got = append(got, specPos{h.line, h.col, h.name})
				// The position is the value's: the line holds it there.
				line := strings.Split(tt.spec, "\n")[h.line-1]
				r := []rune(line)
				if h.col < 1 || h.col > len(r) || !strings.HasPrefix(string(r[h.col-1:]), h.value) {
					t.Errorf("%d:%d does not start %q in %q", h.line, h.col, h.value, line)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("hits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSpecSilenced(t *testing.T) {
	s := fakeSecrets()
	dir := t.TempDir()
	spec := "components:\n" +
		"  schemas:\n" +
		"    A:\n" +
		"      properties:\n" +
		"        apiKey: {type: string, example: " + s["API_KEY"] + "}\n" +
		"        token: {type: string, example: " + s["API_KEY"][1:] + "} # gitleaks:allow\n" +
		"        secret: {type: string, example: " + s["API_KEY"][2:] + "}\n"
	if err := os.WriteFile(filepath.Join(dir, "api.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitleaksignore"), []byte("api.yaml:"+SpecRuleID+":7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Scan(t.Context(), dir, Options{Specs: []string{"api.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []result{{Rule: SpecRuleID, File: "api.yaml", Line: 5, Column: 41}}
	if diff := cmp.Diff(want, results(run)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	assertNoSecret(t, run, s)
}

// FuzzSpecExamples checks that the spec scanner never panics and that every
// value it reports is non-empty and sits on the line it names.
func FuzzSpecExamples(f *testing.F) {
	s := fakeSecrets()
	f.Add([]byte("components:\n  schemas:\n    A:\n      properties:\n        token: {type: string, example: " + s["API_KEY"] + "}\n"))
	f.Add([]byte(`{"paths": {"/a": {"get": {"parameters": [{"name": "api_key", "in": "query", "example": "` + s["API_KEY"] + `"}]}}}}`))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("\t{\"a\": \"\\ud83d\\ude00\"}"))
	if b, err := os.ReadFile(filepath.Join("testdata", "leaky", "2", "openapi.yaml")); err == nil {
		f.Add([]byte(expand(string(b), s)))
	}
	for _, name := range []string{"oai-petstore.v30.yaml", "oai-api-with-examples.v30.yaml", "oai-petstore-minimal.v2.json", "vampi.v30.yaml"} {
		if b, err := os.ReadFile(filepath.Join(corpusDir(), "openapi", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		hits, err := specExamples("f", data)
		if err != nil {
			return
		}
		for _, h := range hits {
			if h.value == "" || h.line < 1 || h.col < 1 || h.endCol <= h.col {
				t.Fatalf("bad hit %+v", h)
			}
		}
	})
}

// corpusDir is ../shared/corpus relative to the repository root (found by
// walking up to go.mod), or "" when absent.
func corpusDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for range 10 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "..", "shared", "corpus")
			if _, err := os.Stat(c); err == nil {
				return c
			}
			return ""
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

func TestSpecCorpus(t *testing.T) {
	dir := corpusDir()
	if dir == "" {
		t.Skip("../shared/corpus is absent: corpus specs not checked")
	}
	// Published specs of real APIs: their examples are samples, but a few
	// carry values that look like real credentials (Slack and JWT samples,
	// random-looking client secrets). A bound on the count keeps the
	// thresholds from drifting into noise.
	files, _ := filepath.Glob(filepath.Join(dir, "openapi", "*.*"))
	total := 0
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() || strings.HasSuffix(f, ".md") || strings.HasSuffix(f, ".tsv") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		hits, err := specExamples(filepath.Base(f), b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		total += len(hits)
	}
	t.Logf("%d credential-like examples across %d corpus specs", total, len(files))
	if total == 0 || total > 40 {
		t.Errorf("%d credential-like examples across the corpus, want a few (1..40)", total)
	}
}
