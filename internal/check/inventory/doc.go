// Package inventory holds escarp's improper inventory management checks
// (OWASP API9:2023): undocumented endpoints that answer
// (ESC-DAST-INV-001), deprecated operations still served (INV-002) and
// undocumented sibling versions (INV-003).
//
// INV-001 probes the curated wordlist `escarp discover` uses too
// (internal/discovery), plus an optional user wordlist. Before probing, it
// learns how the server answers random paths with discovery's soft-404
// model, so a server that answers 200 to everything yields nothing.
package inventory
