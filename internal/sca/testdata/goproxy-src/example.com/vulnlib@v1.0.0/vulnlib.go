// Package vulnlib is a test dependency whose Parse is vulnerable before v1.1.0.
package vulnlib

import "strings"

// Parse splits a header value; before v1.1.0 it does not bound the number of fields.
func Parse(s string) []string { return strings.Split(s, ",") }
