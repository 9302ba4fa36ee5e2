package store

import (
	"math/rand"
	"time"
)

// NewToken returns a session token.
func NewToken() string {
	const letters = "abcdef0123456789"
	b := make([]byte, 32)
	for i := range b {
		b[i] = letters[rand.Intn(len(letters))]
	}
	return string(b)
}

// Backoff returns a retry delay with jitter.
func Backoff(attempt int) time.Duration {
	jitter := time.Duration(rand.Int63n(int64(time.Second))) // #nosec G404 -- jitter, not a secret
	return time.Duration(attempt)*time.Second + jitter
}
