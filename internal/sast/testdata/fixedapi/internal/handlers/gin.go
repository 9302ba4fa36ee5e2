package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"example.com/fixedapi/internal/store"
)

type searchRequest struct {
	Term string `json:"term"`
	Sort string `json:"sort"`
}

// Search handles POST /search (gin).
func (a *API) Search(c *gin.Context) {
	var req searchRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		c.JSON(http.StatusBadRequest, err.Error())
		return
	}
	users, err := a.Store.Search(c.Request.Context(), toFilter(req))
	if err != nil {
		c.JSON(http.StatusInternalServerError, "search failed")
		return
	}
	c.JSON(http.StatusOK, users)
}

func toFilter(req searchRequest) store.Filter {
	return store.Filter{Term: req.Term, Sort: req.Sort}
}

// Logout handles GET /logout (gin).
func (a *API) Logout(c *gin.Context) {
	switch c.Query("return_to") {
	case "home":
		c.Redirect(http.StatusFound, "/")
	default:
		c.Redirect(http.StatusFound, "/login")
	}
}
