package checkkit

import "github.com/escarp/escarp/internal/check"

// Prober returns the identity attack probes (injection, SSRF, limits,
// misconfiguration) are sent as: the first configured one, or anonymous
// when there is none.
func Prober(p *check.Pass) string {
	if len(p.Identities) > 0 {
		return p.Identities[0].Name
	}
	return ""
}

// Users returns the identities that are not privileged, in order.
func Users(ids []check.Identity) []check.Identity {
	var out []check.Identity
	for _, id := range ids {
		if !id.Privileged {
			out = append(out, id)
		}
	}
	return out
}

// Admin returns the first privileged identity.
func Admin(ids []check.Identity) (check.Identity, bool) {
	for _, id := range ids {
		if id.Privileged {
			return id, true
		}
	}
	return check.Identity{}, false
}

// Pair returns an owner and an attacker for object-level tests: two
// non-privileged identities when there are, else the privileged identity's
// objects tried by a non-privileged one. A privileged attacker is never
// chosen: it may legitimately reach everything.
func Pair(ids []check.Identity) (owner, attacker string, ok bool) {
	users := Users(ids)
	switch {
	case len(users) >= 2:
		return users[0].Name, users[1].Name, true
	case len(users) == 1:
		if a, ok := Admin(ids); ok {
			return a.Name, users[0].Name, true
		}
	}
	return "", "", false
}

// User returns the identity that mass-assignment, flow and method tests run
// as: the first non-privileged identity, else the first one.
func User(ids []check.Identity) (string, bool) {
	if u := Users(ids); len(u) > 0 {
		return u[0].Name, true
	}
	if len(ids) > 0 {
		return ids[0].Name, true
	}
	return "", false
}
