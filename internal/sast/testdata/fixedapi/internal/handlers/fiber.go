package handlers

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"example.com/fixedapi/internal/fetch"
)

// Subscribe handles POST /hooks (fiber).
func (a *API) Subscribe(c *fiber.Ctx) error {
	var hook fetch.Webhook
	if err := c.BodyParser(&hook); err != nil {
		return c.SendString("bad request")
	}
	if err := a.Hooks.Notify(context.Background(), hook); err != nil {
		return c.SendString("notify failed")
	}
	return c.SendString("ok")
}

// Attachment handles GET /attachments/:name (fiber).
func (a *API) Attachment(c *fiber.Ctx) error {
	b, err := a.Files.Read(c.Params("name"))
	if err != nil {
		return c.SendString("not found")
	}
	return c.SendString(string(b))
}
