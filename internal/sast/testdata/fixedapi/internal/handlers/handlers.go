// Package handlers holds the fixture's HTTP handlers for every framework.
package handlers

import (
	"example.com/fixedapi/internal/fetch"
	"example.com/fixedapi/internal/files"
	"example.com/fixedapi/internal/store"
)

// API holds the dependencies of the handlers.
type API struct {
	Store *store.Store
	Files files.Dir
	Hooks *fetch.Client
}

// lookup is the query a handler received.
type lookup struct {
	Name string
}
