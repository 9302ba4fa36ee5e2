package shoptest

import (
	"github.com/escarp/escarp/internal/check/checktest"
	"github.com/escarp/escarp/internal/scan"
)

// Passwords of the shop's users.
var Passwords = map[string]string{"alice": "alice-Pa55!", "bob": "bob-Pa55!", "carol": "carol-Adm1n!"}

// Identities returns the test run's identities: alice and bob, then the
// administrator carol (privileged), each logging in through POST
// /auth/login as escarp.yaml would configure them.
func Identities() []checktest.Option {
	var opts []checktest.Option
	for _, name := range []string{"alice", "bob", "carol"} {
		opts = append(opts, checktest.WithIdentity(Login(name)))
	}
	return opts
}

// Login returns the login-flow identity of a shop user.
func Login(name string) scan.Identity {
	return scan.Identity{
		Name: name,
		Login: &scan.Login{
			Request: scan.LoginRequest{Method: "POST", Path: "/auth/login",
				JSON: map[string]any{"username": name, "password": Passwords[name]}},
			Token: scan.TokenRef{JSON: "/access_token"},
		},
		Privileged: name == "carol",
	}
}
