package store

import (
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand"
	"time"
)

// NewToken returns a session token.
func NewToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Backoff returns a retry delay with jitter.
func Backoff(attempt int) time.Duration {
	jitter := time.Duration(mrand.Int63n(int64(time.Second))) // #nosec G404 -- jitter, not a secret
	return time.Duration(attempt)*time.Second + jitter
}
