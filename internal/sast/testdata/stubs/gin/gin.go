// Package gin is a minimal stand-in for github.com/gin-gonic/gin: only the
// types and method signatures the SAST fixtures use, so the fixtures build
// offline.
package gin

import "net/http"

// HandlerFunc handles a request.
type HandlerFunc func(*Context)

// Context is the request context.
type Context struct {
	Request *http.Request
	Writer  http.ResponseWriter
}

// Query returns a query parameter.
func (c *Context) Query(key string) string { return "" }

// DefaultQuery returns a query parameter or a default.
func (c *Context) DefaultQuery(key, def string) string { return def }

// Param returns a path parameter.
func (c *Context) Param(key string) string { return "" }

// PostForm returns a form value.
func (c *Context) PostForm(key string) string { return "" }

// GetHeader returns a request header.
func (c *Context) GetHeader(key string) string { return "" }

// Cookie returns a cookie value.
func (c *Context) Cookie(name string) (string, error) { return "", nil }

// ShouldBindJSON decodes the JSON body into obj.
func (c *Context) ShouldBindJSON(obj any) error { return nil }

// BindJSON decodes the JSON body into obj.
func (c *Context) BindJSON(obj any) error { return nil }

// ShouldBind decodes the body into obj.
func (c *Context) ShouldBind(obj any) error { return nil }

// String writes a text response.
func (c *Context) String(code int, format string, values ...any) {}

// JSON writes a JSON response.
func (c *Context) JSON(code int, obj any) {}

// Redirect redirects to location.
func (c *Context) Redirect(code int, location string) {}

// Engine is a router.
type Engine struct{}

// Default returns a router.
func Default() *Engine { return &Engine{} }

// GET registers a GET route.
func (e *Engine) GET(path string, handlers ...HandlerFunc) {}

// POST registers a POST route.
func (e *Engine) POST(path string, handlers ...HandlerFunc) {}
