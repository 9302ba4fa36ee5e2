package main

import (
	"example.com/goapi/handlers"
	mw "example.com/goapi/middleware"
	"github.com/gin-gonic/gin"
)

func registerUsers(g *gin.RouterGroup) {
	g.GET("/users", handlers.ListUsers)
	g.GET("/users/:id", handlers.GetUser)
	authed := g.Group("", mw.RequireJWT())
	authed.POST("/users", handlers.CreateUser)
	authed.PUT("/users/:id", handlers.UpdateUser)
	g.POST("/login", handlers.Login)
}
