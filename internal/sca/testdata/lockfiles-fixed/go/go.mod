module example.com/billing-api

go 1.21

require (
	github.com/golang-jwt/jwt/v4 v4.5.2
	golang.org/x/text v0.39.0
)
