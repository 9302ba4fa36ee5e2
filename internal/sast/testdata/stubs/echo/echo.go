// Package echo is a minimal stand-in for github.com/labstack/echo/v4: only
// the types and method signatures the SAST fixtures use.
package echo

// Context is the request context.
type Context interface {
	QueryParam(name string) string
	Param(name string) string
	FormValue(name string) string
	Bind(i any) error
	String(code int, s string) error
	JSON(code int, i any) error
	Redirect(code int, url string) error
}

// HandlerFunc handles a request.
type HandlerFunc func(Context) error

// Echo is a router.
type Echo struct{}

// New returns a router.
func New() *Echo { return &Echo{} }

// GET registers a GET route.
func (e *Echo) GET(path string, h HandlerFunc) {}

// POST registers a POST route.
func (e *Echo) POST(path string, h HandlerFunc) {}
