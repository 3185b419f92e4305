package tracker

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/warroom/warroom"
)

// Change is what a tracker's webhook says happened to a ticket.
type Change struct {
	Kind    Kind
	Key     string
	State   State
	Status  string
	Deleted bool
}

// VerifySignature checks a webhook's "sha256=HEX" signature: the
// HMAC-SHA256 of the raw body keyed with the shared secret, as GitHub
// sends it in X-Hub-Signature-256 and Jira in X-Hub-Signature. A missing
// or wrong signature is EUnauthorized; so is an empty secret, so that a
// tracker without one configured is never trusted.
func VerifySignature(secret string, body []byte, header string) error {
	if secret == "" {
		return warroom.Errorf(warroom.EUnauthorized, "this tracker has no webhook secret configured; its webhooks are refused")
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return warroom.Errorf(warroom.EUnauthorized, "the webhook carries no sha256= signature")
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return warroom.Errorf(warroom.EUnauthorized, "the webhook's signature is not hexadecimal")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return warroom.Errorf(warroom.EUnauthorized, "the webhook's signature does not match its body and the configured secret")
	}
	return nil
}

// Sign returns the "sha256=HEX" signature of body with secret (for tests
// and for documentation: what a tracker sends).
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
