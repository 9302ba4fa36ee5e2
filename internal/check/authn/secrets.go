package authn

import (
	"regexp"
	"strings"

	"github.com/escarp/escarp"
)

// weakSecrets are HMAC keys found in tutorials, framework defaults and
// leaked configurations (jwt.io's sample key, "secret", "changeme", ...).
var weakSecrets = []string{
	"secret", "Secret", "SECRET", "secret123", "secretkey", "secret-key", "secret_key", "SecretKey",
	"mysecret", "my-secret", "my_secret", "mysecretkey", "my-secret-key", "my_secret_key", "supersecret",
	"super-secret", "super_secret", "supersecretkey", "super-secret-key", "topsecret", "s3cr3t", "s3cret",
	"your-256-bit-secret", "your-384-bit-secret", "your-512-bit-secret", "your_jwt_secret", "your-secret-key",
	"yoursecret", "jwt", "jwt-secret", "jwt_secret", "jwtsecret", "JWT_SECRET", "jwtSecret", "jwt-key",
	"jwtkey", "jwt_key", "token", "tokensecret", "token-secret", "auth", "authsecret", "auth-secret",
	"password", "Password", "password1", "password123", "passw0rd", "p@ssw0rd", "admin", "admin123",
	"administrator", "root", "toor", "changeme", "change-me", "changeit", "change_this", "changethis",
	"default", "defaultsecret", "key", "Key", "KEY", "mykey", "private", "privatekey", "private-key",
	"public", "test", "testing", "test123", "testsecret", "dev", "development", "devsecret", "prod",
	"production", "staging", "local", "example", "sample", "demo", "123", "1234", "12345", "123456",
	"1234567", "12345678", "123456789", "1234567890", "qwerty", "qwertyuiop", "abc123", "letmein",
	"welcome", "hello", "helloworld", "hello-world", "foobar", "foo", "bar", "baz", "pass", "guest",
	"user", "login", "session", "sessionsecret", "session-secret", "cookie", "cookiesecret", "keyboard cat",
	"shhhhh", "shhhhhared-secret", "shared-secret", "sharedsecret", "hmac", "hmacsecret", "hs256",
	"HS256", "signing-key", "signingkey", "signing_key", "appsecret", "app-secret", "app_secret",
	"application", "api", "apisecret", "api-secret", "api_secret", "apikey", "api-key", "server",
	"serversecret", "nodejs", "express", "flask", "django", "django-insecure", "rails", "spring",
	"laravel", "symfony", "ThisIsMySecret", "thisismysecret", "this-is-my-secret", "notasecret",
	"not-a-secret", "insecure", "unsafe", "null", "none", "undefined", "0", "1", "a", "x", "",
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// candidateSecrets adds keys derived from the API's title ("Harbour Shop"
// gives "harbour", "harbourshop", "harbour-shop", "harbour-shop-secret"...)
// to the dictionary.
func candidateSecrets(api *escarp.API) []string {
	out := append([]string(nil), weakSecrets...)
	if api == nil || api.Title == "" {
		return out
	}
	title := strings.ToLower(api.Title)
	words := strings.Fields(nonWord.ReplaceAllString(title, " "))
	if len(words) == 0 {
		return out
	}
	joined := strings.Join(words, "")
	dashed := strings.Join(words, "-")
	under := strings.Join(words, "_")
	out = append(out, words...)
	for _, base := range []string{joined, dashed, under} {
		out = append(out, base, base+"secret", base+"-secret", base+"_secret", base+"-jwt", base+"_jwt",
			base+"-key", base+"123", base+"-secret-key")
	}
	return out
}
