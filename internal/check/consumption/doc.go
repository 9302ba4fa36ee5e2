// Package consumption holds escarp's unsafe consumption check (OWASP
// API10:2023), ESC-DAST-CONS-001: where the API fetches a URL escarp
// controls, escarp's callback listener plays a hostile third-party API
// (redirects, injected data, malformed JSON, an oversized answer) and the
// check reports the mishandling it can observe from outside.
package consumption
