module example.com/fixedapi

go 1.24

require (
	github.com/gin-gonic/gin v1.10.0
	github.com/go-chi/chi/v5 v5.1.0
	github.com/gofiber/fiber/v2 v2.52.5
	github.com/gorilla/mux v1.8.1
	github.com/labstack/echo/v4 v4.12.0
)

replace (
	github.com/gin-gonic/gin => ../stubs/gin
	github.com/go-chi/chi/v5 => ../stubs/chi
	github.com/gofiber/fiber/v2 => ../stubs/fiber
	github.com/gorilla/mux => ../stubs/mux
	github.com/labstack/echo/v4 => ../stubs/echo
)
