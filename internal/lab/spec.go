package lab

import (
	"bytes"
	_ "embed"
	"sync"
	"text/template"
)

// specTemplate is the OpenAPI 3.1 description of both modes: one template,
// so the twin's spec cannot drift from the lab's.
//
//go:embed spec.yaml.tmpl
var specTemplate string

var (
	specs    [2][]byte
	specInit sync.Once
)

// Spec returns the OpenAPI 3.1 description (YAML) of the vulnerable lab,
// or of the secure twin when secure is set. The twin's description also
// fixes the description-level flaws: bounds on every string and page
// size, credentials out of the URL, a default error response everywhere,
// no deprecated operation left behind.
func Spec(secure bool) []byte {
	specInit.Do(func() {
		t := template.Must(template.New("spec").Delims("[[", "]]").Parse(specTemplate))
		for i, sec := range []bool{false, true} {
			data := struct {
				Secure  bool
				Default string
			}{Secure: sec}
			if sec {
				data.Default = "\n        default: {$ref: '#/components/responses/Default'}"
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, data); err != nil {
				panic("lab: spec template: " + err.Error())
			}
			specs[i] = buf.Bytes()
		}
	})
	if secure {
		return bytes.Clone(specs[1])
	}
	return bytes.Clone(specs[0])
}
