// Command echoapi is the echo fixture.
package main

import (
	"net/http"

	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

func main() {
	e := echo.New()
	e.Use(middleware.Logger())
	e.GET("/", hello)
	api := e.Group("/api")
	api.GET("/public", public)
	restricted := api.Group("/restricted", echojwt.WithConfig(echojwt.Config{SigningKey: []byte("k")}))
	restricted.GET("/me", me)
	keyAuth := middleware.KeyAuth(validKey)
	api.POST("/items", createItem, keyAuth)
	e.Match([]string{"GET", "HEAD"}, "/ping", ping)
	e.Static("/assets", "public")
	go admin()
	e.Logger.Fatal(e.Start(":1323"))
}

// admin is a second echo server: its root middleware guards every route,
// even those registered before it.
func admin() {
	a := echo.New()
	a.GET("/dashboard", dashboard)
	a.Use(middleware.BasicAuth(func(u, p string, c echo.Context) (bool, error) { return u == "admin", nil }))
	a.Start(":1324")
}

func hello(c echo.Context) error      { return c.String(http.StatusOK, "hello") }
func public(c echo.Context) error     { return nil }
func me(c echo.Context) error         { return nil }
func createItem(c echo.Context) error { return nil }
func ping(c echo.Context) error       { return nil }
func dashboard(c echo.Context) error  { return nil }

func validKey(key string, c echo.Context) (bool, error) { return key == "k", nil }
