// Package treesitter finds injection and command-execution flaws, and the
// HTTP routes served, in JavaScript/TypeScript (Express) and Python (Flask,
// FastAPI) source code, parsing it with tree-sitter.
//
// The analysis needs cgo: tree-sitter and its grammars are C libraries. A
// build without cgo (CGO_ENABLED=0) or with the notreesitter build tag keeps
// the same API, with [Available] false: [Scan] and [Routes] then return no
// results and a note saying why.
//
// The taint analysis is intraprocedural: request data (Express req.query,
// req.params, req.body, ...; Flask request.args, ... and view arguments;
// FastAPI handler parameters) flowing through local variables, string
// concatenation, template literals, f-strings, % and .format into a SQL
// query or a shell command is reported, with the flow from source to sink.
package treesitter

// Options configures [Scan].
type Options struct {
	// Exclude lists path globs, slash-separated and relative to the root
	// (path.Match syntax; a pattern without a slash also matches any base
	// name, and "dir/**" matches everything under dir), of files and
	// directories to skip.
	Exclude []string
}
