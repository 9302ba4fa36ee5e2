// Command mixed registers routes from init, a package-level engine, a chi
// router returned with an error from another package and mounted on a
// gorilla/mux router, and a loop over a list of paths.
package main

import (
	"net/http"
	"sync"

	"example.com/mixed/api"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/mux"
)

var engine = gin.Default()

func init() {
	engine.GET("/init", hInit)
}

func main() {
	sub, err := api.New("/v3")
	if err != nil {
		panic(err)
	}
	http.Handle("/", engine)
	m := mux.NewRouter()
	m.Methods("PUT").Path("/m/{id}").HandlerFunc(hm)
	m.Handle("/sub", sub)
	v := engine.Group("/v")
	{
		v.POST("/a", hInit)
	}
	paths := []string{"/p1", "/p2"}
	for _, p := range paths {
		engine.GET(p, hInit)
	}
	authn := newChecker()
	private := engine.Group("/private", authn)
	private.GET("/me", hInit)
	setup()
}

var once sync.Once

func setup() { once.Do(func() { engine.GET("/once", hInit) }) }

// newChecker's name says nothing; the variable's does.
func newChecker() gin.HandlerFunc               { return func(c *gin.Context) {} }
func hInit(c *gin.Context)                      {}
func hm(w http.ResponseWriter, r *http.Request) {}
