// Package routes reads the routes that `escarp code routes --format json`
// extracts from source code, as an inventory source.
//
// The contract is a JSON document {"routes": [...]} (or a bare array) of
// objects with method, path (a template in any framework's syntax:
// "/users/:id", "/users/{id}", "/files/*path"), and optionally handler,
// file, line, framework, service and auth (true when authentication
// middleware guards the route). Unknown fields are ignored so the producer
// may add more.
package routes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// Route is one route served by the code.
type Route struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Handler   string `json:"handler,omitempty"`
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Framework string `json:"framework,omitempty"`
	Service   string `json:"service,omitempty"`
	Auth      *bool  `json:"auth,omitempty"`
}

// Document is the JSON form of `escarp code routes --format json`.
type Document struct {
	Routes []Route `json:"routes"`
}

// Detect reports whether data looks like a routes document.
func Detect(data []byte) bool {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return false
	}
	rs, err := decode(data)
	return err == nil && len(rs) > 0 && rs[0].Method != "" && rs[0].Path != ""
}

func decode(data []byte) ([]Route, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var rs []Route
		err := json.Unmarshal(data, &rs)
		return rs, err
	}
	var d Document
	err := json.Unmarshal(data, &d)
	return d.Routes, err
}

// Parse returns one observation per route of the document called name.
func Parse(name string, data []byte, service string, at time.Time) ([]escarp.Observation, error) {
	rs, err := decode(data)
	if err != nil {
		line := 1
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line = 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		}
		return nil, escarp.InvalidAt(escarp.Position{File: name, Line: line}, "not a routes document: %w", err)
	}
	obs := make([]escarp.Observation, 0, len(rs))
	for i, r := range rs {
		if r.Method == "" || r.Path == "" {
			return nil, escarp.InvalidAt(escarp.Position{File: name}, "route %d: method and path are required", i)
		}
		o := escarp.Observation{Source: escarp.SourceCode, Service: firstNonEmpty(service, r.Service),
			Method: strings.ToUpper(r.Method), Path: r.Path, Template: r.Path, Time: at}
		if r.File != "" {
			o.Where = fmt.Sprintf("%s:%d", r.File, r.Line)
			if r.Handler != "" {
				o.Where += " " + r.Handler
			}
		}
		if r.Auth != nil && *r.Auth {
			o.Auth = []string{"middleware"}
		}
		obs = append(obs, o)
	}
	return obs, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
