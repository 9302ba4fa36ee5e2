package coderoutes

import (
	"strings"
)

// joinPath joins a router prefix and a route path with one slash between
// them, keeping the route's trailing slash.
func joinPath(prefix, p string) string {
	switch {
	case prefix == "":
		return p
	case p == "":
		return prefix
	}
	return strings.TrimSuffix(prefix, "/") + "/" + strings.TrimPrefix(p, "/")
}
