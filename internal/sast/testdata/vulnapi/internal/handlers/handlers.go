// Package handlers holds the fixture's HTTP handlers for every framework.
package handlers

import (
	"example.com/vulnapi/internal/fetch"
	"example.com/vulnapi/internal/files"
	"example.com/vulnapi/internal/store"
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
