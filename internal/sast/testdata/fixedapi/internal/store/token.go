package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
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
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	jitter := time.Duration(binary.LittleEndian.Uint64(b[:]) % uint64(time.Second))
	return time.Duration(attempt)*time.Second + jitter
}
