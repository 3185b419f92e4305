package warroom

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
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

// MaxTokenName bounds a token's name.
const MaxTokenName = 100

// CheckTokenName trims a token's name and checks it: required (it says
// where the token is used), at most MaxTokenName bytes. EInvalid "name".
func CheckTokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", Invalid("name", "name is required: say where the token is used, like \"laptop\"")
	case len(name) > MaxTokenName:
		return "", Invalid("name", "name must be at most %d characters", MaxTokenName)
	}
	return name, nil
}

// IssueToken creates an API token named name for user userID and returns
// it with its secret, the only time the secret is shown. Who may issue a
// token for whom is the caller's to check. EInvalid naming "name" when
// the name is empty or too long.
func IssueToken(ctx context.Context, dir Directory, userID, name string, now time.Time) (*Token, string, error) {
	name, err := CheckTokenName(name)
	if err != nil {
		return nil, "", err
	}
	secret, hash, err := NewTokenSecret()
	if err != nil {
		return nil, "", err
	}
	t := &Token{UserID: userID, Name: name, CreatedAt: now.UTC()}
	if err := dir.CreateToken(ctx, t, hash); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// RevokeToken revokes token id of me's, or anyone's when me is an admin,
// and returns it. Someone else's token is not found, so token IDs leak
// nothing. Revoking a revoked token returns it unchanged. ENotFound.
func RevokeToken(ctx context.Context, dir Directory, me *User, id string, now time.Time) (*Token, error) {
	owner := me.ID
	if me.Role == AccountAdmin {
		owner = ""
	}
	tokens, err := dir.ListTokens(ctx, owner)
	if err != nil {
		return nil, err
	}
	var t *Token
	for _, c := range tokens {
		if c.ID == id {
			t = c
		}
	}
	if t == nil {
		return nil, Errorf(ENotFound, "token %s not found", id)
	}
	if t.RevokedAt == nil {
		now = now.UTC()
		if err := dir.RevokeToken(ctx, id, now); err != nil {
			return nil, err
		}
		t.RevokedAt = &now
	}
	return t, nil
}
