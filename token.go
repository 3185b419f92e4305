package warroom

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every API token secret, so that a leaked token is easy
// to recognise (and to find with secret scanners).
const TokenPrefix = "wr_"

// NewTokenSecret returns a new random API token secret and the hash under
// which it is stored. The secret is shown once; only the hash is kept.
func NewTokenSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashTokenSecret(secret), nil
}

// HashTokenSecret returns the stored form of a token secret. A plain
// SHA-256 is enough: the secret has 256 random bits, so there is nothing
// to brute-force, and a fast hash keeps every API request cheap.
func HashTokenSecret(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}
