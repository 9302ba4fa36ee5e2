// Package inflect is escarp's one singularizer: resource names in paths
// ("/orders" → "order"), schema members and templates are reduced to the
// singular noun with github.com/gertd/go-pluralize, so that the scan
// engine, the value generator and the inventory agree on what a resource
// is called.
package inflect

import (
	"sync"

	"github.com/gertd/go-pluralize"
)

// maxMemo bounds the memoized words; beyond it Singular still works,
// without memoizing.
const maxMemo = 4096

var (
	mu     sync.Mutex
	client *pluralize.Client // built on first use: its rules are regexps
	memo   = map[string]string{}
)

// Singular returns the singular form of an English noun: "orders" →
// "order", "categories" → "category", "addresses" → "address", "people"
// → "person"; words already singular ("status", "order") are unchanged.
// The case of word is kept. Safe for concurrent use.
func Singular(word string) string {
	if word == "" {
		return ""
	}
	mu.Lock()
	defer mu.Unlock()
	if s, ok := memo[word]; ok {
		return s
	}
	if client == nil {
		client = pluralize.NewClient()
	}
	s := client.Singular(word)
	if len(memo) < maxMemo {
		memo[word] = s
	}
	return s
}
