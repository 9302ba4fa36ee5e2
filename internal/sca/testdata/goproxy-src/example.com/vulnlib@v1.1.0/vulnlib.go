// Package vulnlib is a test dependency whose Parse is vulnerable before v1.1.0.
package vulnlib

import "strings"

// Parse splits a header value into at most 64 fields.
func Parse(s string) []string { return strings.SplitN(s, ",", 64) }
