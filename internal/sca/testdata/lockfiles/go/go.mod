module example.com/billing-api

go 1.21

require (
	github.com/dgrijalva/jwt-go v3.2.0+incompatible
	golang.org/x/text v0.3.3
)
