package scan

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inflect"
)

// plan is the operation dependency graph: which operations produce a kind
// of resource (POST on a collection), which list it (GET on a collection)
// and which delete it. Resources are named by a noun derived from the path
// ("/users/{userId}/orders" produces "order"), so that a producer's id
// feeds every consumer of that noun: "/orders/{orderId}", "/orders/{id}",
// a query parameter orderId or a body field order_id.
type plan struct {
	producers map[string][]*escarp.Operation
	lists     map[string][]*escarp.Operation
	deleters  map[string]*escarp.Operation // producer path → DELETE path/{x}
	byID      map[string]*escarp.Operation
	// items maps a collection path to the parameter that names its items
	// ("/things" → "thing_title" for "/things/{thing_title}"), so that a
	// creation whose answer carries no id is linked to the item by the
	// value its body chose (body-to-path inference).
	items map[string]string
}

func newPlan(api *escarp.API) *plan {
	p := &plan{
		producers: map[string][]*escarp.Operation{},
		lists:     map[string][]*escarp.Operation{},
		deleters:  map[string]*escarp.Operation{},
		byID:      map[string]*escarp.Operation{},
		items:     map[string]string{},
	}
	if api == nil {
		return p
	}
	for _, op := range api.Operations {
		if op.ID != "" {
			p.byID[op.ID] = op
		}
		noun := collectionNoun(op.Path)
		switch {
		case noun == "":
		case op.Method == "POST":
			p.producers[noun] = append(p.producers[noun], op)
		case op.Method == "GET":
			p.lists[noun] = append(p.lists[noun], op)
		}
		if t := escarp.ParsePathTemplate(op.Path); t.Last().Param != "" {
			parent := t.Parent().String()
			if op.Method == "DELETE" {
				p.deleters[parent] = op
			}
			if _, ok := p.items[parent]; !ok {
				p.items[parent] = t.Last().Param
			}
		}
	}
	for _, ops := range []map[string][]*escarp.Operation{p.producers, p.lists} {
		for _, list := range ops {
			sort.SliceStable(list, func(i, j int) bool {
				return strings.Count(list[i].Path, "{") < strings.Count(list[j].Path, "{")
			})
		}
	}
	return p
}

// order returns the operations in the order checks run on them: producers
// first, then reads, updates, and deletions last, so that deleting checks
// do not remove what the others need.
func order(ops []*escarp.Operation) []*escarp.Operation {
	rank := map[string]int{"POST": 0, "GET": 1, "HEAD": 1, "OPTIONS": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}
	out := append([]*escarp.Operation(nil), ops...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, ok := rank[out[i].Method]
		if !ok {
			ri = 2
		}
		rj, ok := rank[out[j].Method]
		if !ok {
			rj = 2
		}
		return ri < rj
	})
	return out
}

func splitLast(path string) (parent, last string) {
	path = strings.TrimRight(path, "/")
	i := strings.LastIndex(path, "/")
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// collectionNoun returns the singular noun of a path ending in a literal
// segment ("/users/{id}/orders" → "order"), or "".
func collectionNoun(path string) string {
	last := escarp.ParsePathTemplate(path).Last().Text
	if last == "" || strings.ContainsAny(last, "{.:") {
		return ""
	}
	return inflect.Singular(norm(last))
}

// pathNoun returns the noun of path parameter name in template path: the
// literal segment before it ("/orders/{id}" → "order"), else the name
// without its id suffix ("orderId" → "order").
func pathNoun(path, name string) string {
	segs := escarp.ParsePathTemplate(path).Segments()
	for i, s := range segs {
		if s.Param == name && i > 0 && !strings.Contains(segs[i-1].Text, "{") {
			return inflect.Singular(norm(segs[i-1].Text))
		}
	}
	return nameNoun(name)
}

// nameNoun returns the noun of an id-like field name ("order_id" →
// "order"), or "" when the name is not id-like.
func nameNoun(name string) string {
	n := norm(name)
	for _, suf := range []string{"uuid", "id"} {
		if strings.HasSuffix(n, suf) && len(n) > len(suf) {
			return inflect.Singular(strings.TrimSuffix(n, suf))
		}
	}
	return ""
}

// idLike reports whether a parameter or field name names an identifier.
func idLike(name string) bool {
	n := norm(name)
	return n == "id" || n == "uuid" || strings.HasSuffix(n, "id") || strings.HasSuffix(n, "uuid")
}

func norm(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(s))
}

// userNouns are resource nouns that an identity's own user id answers.
var userNouns = map[string]bool{"user": true, "account": true, "profile": true, "member": true,
	"customer": true, "owner": true, "me": true, "person": true, "people": true, "handle": true,
	"username": true, "login": true}

// pool holds the ids of real resources: created by escarp (owned by the
// identity that created them) and seen in list responses.
type pool struct {
	mu      sync.Mutex
	owned   map[string]map[string][]string // identity → noun → ids
	listed  map[string]map[string][]string
	created []created
	// createdKeys holds "noun:id" of every resource escarp created, for
	// the DELETE guard.
	createdKeys map[string]bool
	// creating serialises creation per identity and noun.
	creating map[string]*sync.Mutex
}

// created is a resource escarp created and deletes at the end.
type created struct {
	identity, noun, id string
	deletePath         string
}

func newPool() *pool {
	return &pool{owned: map[string]map[string][]string{}, listed: map[string]map[string][]string{},
		createdKeys: map[string]bool{}, creating: map[string]*sync.Mutex{}}
}

// lock returns the creation lock of identity and noun.
func (p *pool) lock(identity, noun string) *sync.Mutex {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := identity + "\x00" + noun
	m := p.creating[k]
	if m == nil {
		m = &sync.Mutex{}
		p.creating[k] = m
	}
	return m
}

func (p *pool) ownedID(identity, noun string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := p.owned[identity][noun]
	if len(ids) == 0 {
		return ""
	}
	// The oldest is the one the engine created with plain valid data;
	// later ones come from checks' own (possibly odd) creations.
	return ids[0]
}

func (p *pool) listedID(identity, noun string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := p.listed[identity][noun]
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

func (p *pool) addOwned(identity, noun, id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.owned[identity] == nil {
		p.owned[identity] = map[string][]string{}
	}
	for _, x := range p.owned[identity][noun] {
		if x == id {
			return
		}
	}
	p.owned[identity][noun] = append(p.owned[identity][noun], id)
}

func (p *pool) addListed(identity, noun string, ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.listed[identity] == nil {
		p.listed[identity] = map[string][]string{}
	}
	have := map[string]bool{}
	for _, x := range p.listed[identity][noun] {
		have[x] = true
	}
	for _, id := range ids {
		if !have[id] && len(p.listed[identity][noun]) < 50 {
			p.listed[identity][noun] = append(p.listed[identity][noun], id)
			have[id] = true
		}
	}
}

func (p *pool) addCreated(c created) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := c.noun + ":" + c.id
	if p.createdKeys[k] {
		return
	}
	p.createdKeys[k] = true
	p.created = append(p.created, c)
}

// createdPath reports whether the resource a concrete path names (its last
// segment under the collection before it) was created by escarp.
func (p *pool) createdPath(path string) bool {
	noun, id := resourceOf(path)
	p.mu.Lock()
	defer p.mu.Unlock()
	return id != "" && p.createdKeys[noun+":"+id]
}

// forget removes a deleted resource from the pool.
func (p *pool) forget(path string) {
	noun, id := resourceOf(path)
	if id == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range []map[string]map[string][]string{p.owned, p.listed} {
		for _, nouns := range m {
			ids := nouns[noun]
			out := ids[:0]
			for _, x := range ids {
				if x != id {
					out = append(out, x)
				}
			}
			nouns[noun] = out
		}
	}
}

// resourceOf returns the noun and id a concrete path names:
// "/api/orders/42" → ("order", "42").
func resourceOf(path string) (noun, id string) {
	parent, last := splitLast(path)
	if last == "" {
		return "", ""
	}
	if u, err := url.PathUnescape(last); err == nil {
		last = u
	}
	_, coll := splitLast(parent)
	return inflect.Singular(norm(coll)), last
}

// idString formats a JSON id value as a path segment.
func idString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

// objectID returns the id of a JSON object describing a noun: its "id",
// "<noun>Id", "<noun>_id", "uuid" or "key" member, looking one level into
// wrappers ("data", "result", "<noun>").
func objectID(v any, noun string) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	want := []string{"id", noun + "id", "uuid", noun + "uuid", "key", "slug"}
	for _, w := range want {
		for k, x := range m {
			if norm(k) == w {
				if s := idString(x); s != "" {
					return s
				}
			}
		}
	}
	for k, x := range m {
		nk := norm(k)
		if nk == "data" || nk == "result" || nk == noun || nk == "item" {
			if s := objectID(x, noun); s != "" {
				return s
			}
		}
	}
	return ""
}

// listIDs returns the ids of the objects in a list response: a top-level
// array, or the first array member of an envelope ("items", "data").
func listIDs(doc any, noun string) []string {
	var arr []any
	switch x := doc.(type) {
	case []any:
		arr = x
	case map[string]any:
		for _, k := range []string{"items", "data", "results", "content", "records", noun + "s", "list"} {
			for kk, v := range x {
				if strings.EqualFold(kk, k) {
					if a, ok := v.([]any); ok && arr == nil {
						arr = a
					}
				}
			}
		}
		if arr == nil {
			for _, k := range sortedKeys(x) {
				if a, ok := x[k].([]any); ok {
					arr = a
					break
				}
			}
		}
	}
	var ids []string
	for _, e := range arr {
		if id := objectID(e, noun); id != "" {
			ids = append(ids, id)
		}
		if len(ids) >= 50 {
			break
		}
	}
	return ids
}
