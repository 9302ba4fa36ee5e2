// Command goapi is the fixture API: gin for the public API, a net/http
// mux for operations.
package main

import (
	"log"
	"net/http"

	"example.com/goapi/handlers"
	"example.com/goapi/ops"
	rt "example.com/goapi/routes"
	"github.com/gin-gonic/gin"
)

const apiPrefix = "/api"

func main() {
	r := newEngine()
	api := r.Group(apiPrefix)
	v1 := api.Group("/v1")
	registerUsers(v1)
	admin := rt.Admin(v1)
	admin.DELETE("/users/:id", handlers.DeleteUser)
	registerOrders(v1.Group("/orders"))

	go func() { log.Fatal(http.ListenAndServe("127.0.0.1:6060", ops.Mux())) }()
	log.Fatal(r.Run(":8080"))
}

// newEngine returns the engine with its public routes.
func newEngine() *gin.Engine {
	e := gin.New()
	e.GET("/health", handlers.Health)
	e.Any("/debug/*path", func(c *gin.Context) { c.Status(http.StatusNotFound) })
	return e
}
