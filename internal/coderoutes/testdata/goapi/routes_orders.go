package main

import (
	"example.com/goapi/handlers"
	mw "example.com/goapi/middleware"
	"github.com/gin-gonic/gin"
)

func registerOrders(g *gin.RouterGroup) {
	h := handlers.NewOrders(nil)
	g.GET("", mw.RequireJWT(), h.List)
	g.GET("/:orderId", mw.RequireJWT(), h.Get)
	g.POST("/:orderId/refund", h.Refund)
}
