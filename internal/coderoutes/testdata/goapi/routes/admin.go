// Package routes registers the admin routes.
package routes

import (
	"net/http"

	"example.com/goapi/middleware"
	"github.com/gin-gonic/gin"
)

// Admin registers the admin group under g and returns it.
func Admin(g *gin.RouterGroup) *gin.RouterGroup {
	a := g.Group("/admin")
	a.Use(middleware.AuthRequired())
	a.GET("/stats", stats)
	return a
}

func stats(c *gin.Context) { c.JSON(http.StatusOK, gin.H{}) }
