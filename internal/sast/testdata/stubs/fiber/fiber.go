// Package fiber is a minimal stand-in for github.com/gofiber/fiber/v2: only
// the types and method signatures the SAST fixtures use.
package fiber

// Handler handles a request.
type Handler = func(*Ctx) error

// Ctx is the request context.
type Ctx struct{}

// Query returns a query parameter.
func (c *Ctx) Query(key string, defaultValue ...string) string { return "" }

// Params returns a path parameter.
func (c *Ctx) Params(key string, defaultValue ...string) string { return "" }

// Get returns a request header.
func (c *Ctx) Get(key string, defaultValue ...string) string { return "" }

// Cookies returns a cookie value.
func (c *Ctx) Cookies(key string, defaultValue ...string) string { return "" }

// BodyParser decodes the body into out.
func (c *Ctx) BodyParser(out any) error { return nil }

// SendString writes a text response.
func (c *Ctx) SendString(body string) error { return nil }

// Redirect redirects to location.
func (c *Ctx) Redirect(location string, status ...int) error { return nil }

// App is a router.
type App struct{}

// New returns a router.
func New() *App { return &App{} }

// Get registers a GET route.
func (a *App) Get(path string, handlers ...Handler) {}

// Post registers a POST route.
func (a *App) Post(path string, handlers ...Handler) {}
