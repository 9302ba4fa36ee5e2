package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/audit"
)

// typeOf returns the JSON type of a decoded value ("string", "integer",
// "number", "boolean", "array", "object", "null"), or "" when unknown.
func typeOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "integer"
	case float32:
		return typeOf(float64(v))
	case float64:
		if v == math.Trunc(v) && !math.IsInf(v, 0) {
			return "integer"
		}
		return "number"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any, map[any]any:
		return "object"
	}
	return ""
}

// fits reports whether value v fits the declared types of s (an integer
// fits "number"; null fits a nullable schema).
func fits(s *escarp.Schema, v any) bool {
	t := typeOf(v)
	if t == "" || len(s.Type) == 0 {
		return true
	}
	if t == "null" && s.Nullable {
		return true
	}
	for _, want := range s.Type {
		if want == t || (want == "number" && t == "integer") {
			return true
		}
	}
	return false
}

func short(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// valueProblems lists how the enum, default and examples of s disagree
// with its type.
func valueProblems(s *escarp.Schema) []string {
	var out []string
	seen := make(map[string]bool)
	for _, v := range s.Enum {
		if !fits(s, v) {
			out = append(out, fmt.Sprintf("enum value %s is not of type %s", short(v), strings.Join(s.Type, "|")))
			break
		}
	}
	for _, v := range s.Enum {
		k := short(v) + "\x00" + typeOf(v)
		if seen[k] {
			out = append(out, fmt.Sprintf("enum value %s appears twice", short(v)))
			break
		}
		seen[k] = true
	}
	if s.Default != nil {
		if !fits(s, s.Default) {
			out = append(out, fmt.Sprintf("default %s is not of type %s", short(s.Default), strings.Join(s.Type, "|")))
		} else if len(s.Enum) > 0 && !inEnum(s.Enum, s.Default) {
			out = append(out, fmt.Sprintf("default %s is not one of the enum values", short(s.Default)))
		}
	}
	examples := s.Examples
	if s.Example != nil {
		examples = append([]any{s.Example}, examples...)
	}
	for _, v := range examples {
		if !fits(s, v) {
			out = append(out, fmt.Sprintf("example %s is not of type %s", short(v), strings.Join(s.Type, "|")))
			break
		}
	}
	return out
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if reflect.DeepEqual(e, v) || (typeOf(e) == typeOf(v) && short(e) == short(v)) {
			return true
		}
	}
	return false
}

// ValueTypeMismatch reports enum, default and example values that do not
// fit their schema.
var ValueTypeMismatch = &audit.Rule{
	ID:       "ESC-INPUT-009",
	Title:    "Enum, default or example inconsistent with the type",
	Severity: escarp.SeverityLow,
	OWASP:    "API8:2023",
	CWE:      []string{"CWE-1287"},
	Theme:    audit.ThemeInput,
	Aliases:  []string{"typed-enum", "duplicated-entry-in-enum", "oas3-valid-schema-example"},
	Doc: `An enum value, default or example does not match the schema's type, an
enum lists a value twice, or a default is not one of the enum values.
Validators and generated code disagree about such schemas: one side
accepts what the other rejects, and that gap is where validation bypasses
live.

How to fix: make the values agree with the type.

Before:

    status:
      type: integer
      enum: [active, disabled]

After:

    status:
      type: string
      enum: [active, disabled]`,
	Run: func(p *audit.Pass) error {
		for _, u := range p.Index.Schemas {
			if probs := valueProblems(u.Schema); len(probs) > 0 {
				p.Reportf(audit.SchemaAt(u), "%s", strings.Join(probs, "; "))
			}
		}
		return nil
	},
}
