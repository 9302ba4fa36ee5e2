// Package openapi loads OpenAPI 3.0, 3.1 and 3.2 and Swagger (OpenAPI 2.0)
// documents, in JSON or YAML, into the normalized [escarp.API] model.
//
// Documents are parsed with libopenapi (github.com/pb33f/libopenapi), which
// keeps the YAML node tree of every document with lines and columns. The
// loader walks that tree itself, so that every element it produces carries
// both a source [escarp.Position] and a JSON pointer, and resolves $ref
// itself, local and relative-file (and, through [Options.Fetch], remote),
// following chains of references.
//
// # Positions and pointers
//
// Every element (server, operation, parameter, request body, media type,
// response, schema, security scheme) has a Pos and a Pointer that designate
// the same node: where its definition is. For an element written inline that
// is where it is used ("/paths/~1pets~1{petId}/get/parameters/0"); for an
// element reached through a $ref it is the referenced definition
// ("/components/parameters/limit"), and when the $ref points into another
// file, Pos.File is that file and Pointer is a pointer into it. Map entries
// (operations, responses, media types, named schemas) are positioned at their
// key; sequence items at the item.
//
// # Errors and warnings
//
// A document that cannot be parsed, that is not an OpenAPI or Swagger
// document, or that holds a $ref that cannot be resolved (outside x-
// extensions) is an [escarp.Error] of kind Invalid positioned at the file and
// line of the problem. A $ref inside an x- extension that cannot be resolved
// is an [escarp.Warning]. A document that parses but breaks the OpenAPI
// schema (a missing info, a wrong type) still loads: [SchemaErrors] lists the
// violations for the audit to report.
//
// # For the audit
//
// [Parse] returns a [Document]: the model, the warnings, the raw bytes and
// the root YAML node of the root document, and [Document.Lookup] finds the
// node and position for a JSON pointer. [SchemaErrors] validates the document
// against the official OpenAPI JSON Schema of its version (with
// libopenapi-validator) and returns each violation as a [SchemaError] with a
// pointer into the document, the position of the offending node and a
// message.
package openapi
