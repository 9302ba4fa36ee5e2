package check

import "errors"

// ErrNotPrepared is wrapped by [Session.Prepare] when it cannot build a
// valid request for an operation (no resource of that identity, a required
// value it cannot generate). Checks skip the operation.
var ErrNotPrepared = errors.New("no valid request could be prepared")

// ErrBudget is wrapped by [Session.Do] when the scan's request or time
// budget is exhausted. Checks stop.
var ErrBudget = errors.New("scan budget exhausted")

// ErrOutOfScope is wrapped by [Session.Do] when a request would leave the
// target's scope.
var ErrOutOfScope = errors.New("request out of scope")
