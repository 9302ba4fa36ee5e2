package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"example.com/fixedapi/internal/fetch"
)

// Preview handles GET /preview?url= (echo).
func (a *API) Preview(c echo.Context) error {
	body, err := fetch.Preview(c.QueryParam("url"))
	if err != nil {
		return c.String(http.StatusBadGateway, "fetch failed")
	}
	return c.String(http.StatusOK, string(body))
}
