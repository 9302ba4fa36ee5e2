// Command server wires the fixture's handlers to every router.
package main

import (
	"database/sql"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/mux"
	"github.com/labstack/echo/v4"

	"example.com/fixedapi/internal/fetch"
	"example.com/fixedapi/internal/files"
	"example.com/fixedapi/internal/handlers"
	"example.com/fixedapi/internal/store"
)

func main() {
	api := &handlers.API{
		Store: &store.Store{DB: &sql.DB{}},
		Files: files.Dir{Base: "/srv/files"},
		Hooks: &fetch.Client{HTTP: &http.Client{Timeout: 5 * time.Second}},
	}

	std := http.NewServeMux()
	std.HandleFunc("GET /users", api.User)
	std.HandleFunc("POST /ping", api.Ping)
	std.HandleFunc("GET /greet/{name}", api.Greet)
	std.HandleFunc("GET /login", api.Login)
	std.HandleFunc("DELETE /avatar", api.Avatar)

	g := gin.Default()
	g.POST("/search", api.Search)
	g.GET("/logout", api.Logout)

	e := echo.New()
	e.GET("/preview", api.Preview)

	c := chi.NewRouter()
	c.Get("/files/{file}", api.Download)
	c.Get("/stream/{file}", api.Stream)

	m := mux.NewRouter()
	m.HandleFunc("/history/{ref}", api.History).Methods(http.MethodGet)
	m.HandleFunc("/banner/{text}", api.Banner).Methods(http.MethodGet)

	f := fiber.New()
	f.Post("/hooks", api.Subscribe)
	f.Get("/attachments/:name", api.Attachment)

	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: std, ReadHeaderTimeout: 5 * time.Second}
	_ = srv
}
