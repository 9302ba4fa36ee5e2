// Package handlers holds the API's handlers.
package handlers

import (
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"
)

func Health(c *gin.Context)     { c.String(http.StatusOK, "ok") }
func ListUsers(c *gin.Context)  {}
func GetUser(c *gin.Context)    {}
func CreateUser(c *gin.Context) {}
func UpdateUser(c *gin.Context) {}
func DeleteUser(c *gin.Context) {}
func Login(c *gin.Context)      {}

// Orders serves orders.
type Orders struct{ db *sql.DB }

// NewOrders returns the orders handlers.
func NewOrders(db *sql.DB) *Orders { return &Orders{db: db} }

func (o *Orders) List(c *gin.Context)   {}
func (o *Orders) Get(c *gin.Context)    {}
func (o *Orders) Refund(c *gin.Context) {}
