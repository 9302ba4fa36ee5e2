// Command fiberapi is the fiber fixture.
package main

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/basicauth"
	"github.com/gofiber/fiber/v2/middleware/logger"
)

func main() {
	app := fiber.New()
	app.Get("/", index)
	api := app.Group("/api", logger.New())
	v1 := api.Group("/v1")
	v1.Get("/list", list)
	v1.Post("/item/:id?", saveItem)
	app.Use("/admin", basicauth.New(basicauth.Config{Users: map[string]string{"admin": "x"}}))
	app.Get("/admin/panel", panel)
	app.Get("/about", about)
	app.Route("/books", func(r fiber.Router) {
		r.Get("/:id", getBook)
	})
	app.All("/proxy/*", proxy)
	app.Listen(":3000")
}

func index(c *fiber.Ctx) error    { return c.SendString("hi") }
func list(c *fiber.Ctx) error     { return nil }
func saveItem(c *fiber.Ctx) error { return nil }
func panel(c *fiber.Ctx) error    { return nil }
func about(c *fiber.Ctx) error    { return nil }
func getBook(c *fiber.Ctx) error  { return nil }
func proxy(c *fiber.Ctx) error    { return nil }
