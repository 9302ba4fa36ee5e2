// Package drift compares two versions of an OpenAPI description: which
// operations are new, removed or changed, and which changes break clients.
// Breaking changes come from libopenapi's what-changed; operations are
// compared on escarp's normalized model so that Swagger 2.0 and OpenAPI 3.x
// are listed alike.
package drift

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/what-changed/model"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/spec"
)

// Result is the drift between a previous and a current description.
type Result struct {
	// Previous names where the previous description came from
	// ("main:openapi.yaml" or a file).
	Previous string `json:"previous"`
	// New, Removed and Changed list operations as "METHOD /path", sorted.
	New     []string `json:"new,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Changed []string `json:"changed,omitempty"`
	// Breaking lists the changes that break existing clients.
	Breaking []Change `json:"breaking,omitempty"`
	// Total counts every change what-changed reported.
	Total int `json:"total"`
}

// Change is one breaking change.
type Change struct {
	// Operation is "METHOD /path" when the change is inside an operation
	// (or path item), else empty.
	Operation string `json:"operation,omitempty"`
	// What says what changed, for people.
	What string `json:"what"`
	// Line is the line in the current document (or, for a removal, in the
	// previous one); 0 when unknown.
	Line int `json:"line,omitempty"`
}

// String renders the change in one line.
func (c Change) String() string {
	if c.Operation != "" {
		return c.Operation + ": " + c.What
	}
	return c.What
}

// Compare compares the previous description (prevName, prev) with the
// current one (curName, cur). An unparseable document is an error of kind
// Invalid naming it.
func Compare(ctx context.Context, prevName string, prev []byte, curName string, cur []byte) (*Result, error) {
	oldAPI, _, err := spec.LoadBytes(ctx, prevName, prev, spec.Options{})
	if err != nil {
		return nil, err
	}
	newAPI, _, err := spec.LoadBytes(ctx, curName, cur, spec.Options{})
	if err != nil {
		return nil, err
	}
	r := &Result{Previous: prevName}
	oldOps, newOps := operations(oldAPI), operations(newAPI)
	for k := range newOps {
		if _, ok := oldOps[k]; !ok {
			r.New = append(r.New, k)
		}
	}
	for k := range oldOps {
		if _, ok := newOps[k]; !ok {
			r.Removed = append(r.Removed, k)
		}
	}

	changes, err := documentChanges(prev, cur)
	if err != nil {
		return nil, &escarp.Error{Op: "drift", Kind: escarp.Invalid, Message: fmt.Sprintf("comparing %s with %s", prevName, curName), Err: err}
	}
	changed := map[string]bool{}
	attributed := map[*model.Change]string{}
	if changes != nil && changes.PathsChanges != nil {
		for path, pc := range changes.PathsChanges.PathItemsChanges {
			if pc == nil {
				continue
			}
			for method, oc := range pathOperations(pc) {
				op := method + " " + path
				for _, c := range oc.GetAllChanges() {
					attributed[c] = op
				}
				if _, both := oldOps[op]; both {
					if _, ok := newOps[op]; ok && oc.TotalChanges() > 0 {
						changed[op] = true
					}
				}
			}
			// Path-level changes (parameters, servers) touch every
			// operation of the path.
			for _, c := range pc.GetAllChanges() {
				if _, ok := attributed[c]; ok {
					continue
				}
				if m := strings.ToUpper(c.Property); slices.Contains(methods, m) {
					// An operation added or removed: not a change of the others.
					attributed[c] = m + " " + path
					continue
				}
				attributed[c] = "* " + path
				for op := range newOps {
					if _, both := oldOps[op]; both && op[strings.Index(op, " ")+1:] == path {
						changed[op] = true
					}
				}
			}
		}
	}
	if changes != nil {
		all := changes.GetAllChanges()
		r.Total = len(all)
		for _, c := range all {
			if !c.Breaking {
				continue
			}
			r.Breaking = append(r.Breaking, Change{Operation: attributed[c], What: describe(c), Line: line(c)})
		}
	}
	for _, op := range r.Removed {
		if !slices.ContainsFunc(r.Breaking, func(c Change) bool { return c.Operation == op }) {
			r.Breaking = append(r.Breaking, Change{Operation: op, What: "operation removed"})
		}
	}
	for op := range changed {
		r.Changed = append(r.Changed, op)
	}
	slices.Sort(r.New)
	slices.Sort(r.Removed)
	slices.Sort(r.Changed)
	slices.SortStableFunc(r.Breaking, func(a, b Change) int {
		if c := strings.Compare(a.Operation, b.Operation); c != 0 {
			return c
		}
		return strings.Compare(a.What, b.What)
	})
	r.Breaking = slices.Compact(r.Breaking)
	return r, nil
}

// methods are the HTTP methods a path item holds operations for.
var methods = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY"}

// operations indexes the operations of api by "METHOD /path".
func operations(api *escarp.API) map[string]*escarp.Operation {
	m := make(map[string]*escarp.Operation)
	for _, op := range api.Operations {
		m[op.Method+" "+op.Path] = op
	}
	return m
}

// pathOperations returns the operation changes of a path item by method.
func pathOperations(pc *model.PathItemChanges) map[string]*model.OperationChanges {
	m := map[string]*model.OperationChanges{}
	add := func(method string, oc *model.OperationChanges) {
		if oc != nil {
			m[method] = oc
		}
	}
	add("GET", pc.GetChanges)
	add("PUT", pc.PutChanges)
	add("POST", pc.PostChanges)
	add("DELETE", pc.DeleteChanges)
	add("OPTIONS", pc.OptionsChanges)
	add("HEAD", pc.HeadChanges)
	add("PATCH", pc.PatchChanges)
	add("TRACE", pc.TraceChanges)
	add("QUERY", pc.QueryChanges)
	for k, oc := range pc.AdditionalOperationChanges {
		add(strings.ToUpper(k), oc)
	}
	return m
}

// documentChanges runs what-changed over the two documents. Documents it
// cannot model (Postman, HAR) give no changes.
func documentChanges(prev, cur []byte) (*model.DocumentChanges, error) {
	cfg := &datamodel.DocumentConfiguration{Logger: slog.New(slog.DiscardHandler)}
	left, err := libopenapi.NewDocumentWithConfiguration(prev, cfg)
	if err != nil {
		return nil, nil
	}
	right, err := libopenapi.NewDocumentWithConfiguration(cur, cfg)
	if err != nil {
		return nil, nil
	}
	if left.GetSpecInfo().SpecType != right.GetSpecInfo().SpecType {
		return nil, nil
	}
	dc, err := libopenapi.CompareDocuments(left, right)
	if dc == nil && err != nil {
		return nil, err
	}
	return dc, nil
}

func describe(c *model.Change) string {
	prop := c.Property
	if slices.Contains(methods, strings.ToUpper(prop)) {
		switch c.ChangeType {
		case model.PropertyRemoved, model.ObjectRemoved:
			return "operation removed"
		case model.PropertyAdded, model.ObjectAdded:
			return "operation added"
		}
	}
	switch c.ChangeType {
	case model.PropertyRemoved, model.ObjectRemoved:
		if c.Original != "" && c.Original != prop {
			return fmt.Sprintf("%s %q removed", prop, c.Original)
		}
		return prop + " removed"
	case model.PropertyAdded, model.ObjectAdded:
		if c.New != "" && c.New != prop {
			return fmt.Sprintf("%s %q added", prop, c.New)
		}
		return prop + " added"
	default:
		return fmt.Sprintf("%s changed from %q to %q", prop, c.Original, c.New)
	}
}

func line(c *model.Change) int {
	if c.Context == nil {
		return 0
	}
	if c.Context.NewLine != nil {
		return *c.Context.NewLine
	}
	if c.Context.OriginalLine != nil {
		return *c.Context.OriginalLine
	}
	return 0
}
