package escarp

import _ "embed"

// ConfigSchema is the JSON Schema (draft 2020-12) of escarp.yaml, embedded
// from docs/escarp.schema.json. "escarp config validate" checks files
// against it and "escarp config schema" prints it.
//
//go:embed docs/escarp.schema.json
var ConfigSchema []byte
