package escarp

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorKind classifies an [Error]. The command line turns it into an exit
// code and the server into an HTTP status, each in one place.
type ErrorKind uint8

// The error kinds.
const (
	// Internal is an unexpected failure (exit 3, HTTP 500). The zero value.
	Internal ErrorKind = iota
	// Invalid is bad input: usage, configuration, an unparseable file (exit 2, HTTP 400).
	Invalid
	// NotFound is a missing object (exit 2, HTTP 404).
	NotFound
	// Conflict is a state clash, such as a duplicate (exit 2, HTTP 409).
	Conflict
	// Unauthorized is missing or wrong credentials (exit 3, HTTP 401).
	Unauthorized
	// Unavailable means the run could not complete: target unreachable,
	// every identity failed, budget exhausted (exit 3, HTTP 503).
	Unavailable
	// Threshold means the run completed and findings reached the failure
	// threshold (exit 1).
	Threshold
)

var kindNames = [...]string{"internal", "invalid", "not found", "conflict", "unauthorized", "unavailable", "threshold"}

// String returns a short name for k.
func (k ErrorKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is escarp's application error. Message is safe to show users; Err is
// the cause, which may hold internal detail. Pos, when set, says where in an
// input file the problem is.
type Error struct {
	Op      string // the operation, as "package.Func" or "load spec"
	Kind    ErrorKind
	Pos     Position
	Message string
	Err     error
}

// Error formats the error as "file:line:col: message: cause".
func (e *Error) Error() string {
	var s string
	if p := e.Pos.String(); p != "" {
		s = p + ": "
	}
	switch {
	case e.Message != "" && e.Err != nil && !strings.HasSuffix(e.Message, e.Err.Error()):
		s += e.Message + ": " + e.Err.Error()
	case e.Message != "":
		s += e.Message
	case e.Err != nil:
		s += e.Err.Error()
	default:
		s += e.Kind.String()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an [Error] of kind k whose message is formatted. A %w verb
// in format wraps its argument as the cause.
func Errorf(k ErrorKind, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Kind: k, Message: err.Error(), Err: errors.Unwrap(err)}
}

// InvalidAt returns an [Invalid] error at a position in an input file.
func InvalidAt(pos Position, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Kind: Invalid, Pos: pos, Message: err.Error(), Err: errors.Unwrap(err)}
}

// KindOf returns the kind of the outermost [Error] in err's chain that has a
// kind other than [Internal], or Internal.
func KindOf(err error) ErrorKind {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return Internal
		}
		if e.Kind != Internal {
			return e.Kind
		}
		err = e.Err
	}
	return Internal
}

// ExitCode maps err to the process exit code ARCHITECTURE.md defines: 0 for
// nil, 1 for [Threshold], 2 for input errors ([Invalid], [NotFound],
// [Conflict]) and 3 for runs that could not complete.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	switch KindOf(err) {
	case Threshold:
		return 1
	case Invalid, NotFound, Conflict:
		return 2
	default:
		return 3
	}
}
