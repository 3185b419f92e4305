// Package password hashes and checks the passwords of local accounts
// with argon2id (golang.org/x/crypto/argon2), stored as PHC strings. The
// web UI's sign-in and the API's password reset share it.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/warroom/warroom"
)

// Params are argon2id's costs.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// Default follows OWASP's argon2id baseline (19 MiB, 2
// passes, 1 lane): about 30 ms a hash on one core here, slow enough to
// make guessing expensive, cheap enough for a sign-in.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// Password length limits: at least 12 characters (length beats
// complexity rules); at most 256 bytes so a hash costs a bounded time.
const (
	MinRunes = 12
	MaxBytes = 256
)

// Check validates a new password; the error is EInvalid naming field.
func Check(field, pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinRunes:
		return warroom.Invalid(field, "the password must have at least %d characters", MinRunes)
	case len(pw) > MaxBytes:
		return warroom.Invalid(field, "the password must have at most %d bytes", MaxBytes)
	}
	return nil
}

// Hash returns pw's argon2id hash as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func Hash(pw string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether pw matches the PHC string hash, with the costs
// the hash was made with.
func Verify(pw, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("password: not an argon2id hash")
	}
	var version int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("password: unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, fmt.Errorf("password: bad argon2 parameters %q: %w", parts[3], err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password: bad salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, fmt.Errorf("password: bad hash")
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
