package sso

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// flow is what a started sign-in must remember until its callback: kept
// in a cookie of the browser that started it, so any replica can finish
// it and nothing is stored server-side for visitors who never come back.
// The cookie is signed, not encrypted: it holds no secret the browser
// may not see (the PKCE verifier protects the code against whoever
// intercepts the redirect, not against the browser that started it).
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r"`
	Expires  int64  `json:"e"` // Unix seconds
}

// cookiePrefix starts the flow cookies' names; the state follows, so two
// sign-ins started in two tabs do not overwrite each other.
const cookiePrefix = "warroom_oidc_"

// cookieKey derives the key that signs flow cookies from the client
// secret: every replica shares it without one more setting, and it is
// unknown outside the server and the provider. The label keeps the
// derived key different from any other use of the secret.
func cookieKey(clientSecret string) []byte {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte("warroom sso flow cookie v1"))
	return m.Sum(nil)
}

// cookieSigner signs and checks flow cookies.
type cookieSigner struct {
	key    []byte
	path   string // the callback's path: the only place the cookie goes
	secure bool   // the callback is https
}

func (c cookieSigner) mac(payload string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// set writes the cookie of f.
func (c cookieSigner) set(w http.ResponseWriter, f flow) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: cookiePrefix + f.State, Value: payload + "." + c.mac(payload),
		Path: c.path, MaxAge: int(flowTTL / time.Second),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// clear deletes the cookie of state: a flow is finished once.
func (c cookieSigner) clear(w http.ResponseWriter, state string) {
	http.SetCookie(w, &http.Cookie{Name: cookiePrefix + state, Value: "", Path: c.path, MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}

var (
	errNoFlow      = errors.New("no flow cookie for this state")
	errBadFlow     = errors.New("flow cookie is not signed by this server")
	errExpiredFlow = errors.New("flow cookie expired")
)

// get returns the flow of state from r's cookies, checking its signature,
// that it is the flow of this state, and that it has not expired at now.
func (c cookieSigner) get(r *http.Request, state string, now time.Time) (flow, error) {
	var f flow
	if state == "" || !validCookieNamePart(state) {
		return f, errNoFlow
	}
	ck, err := r.Cookie(cookiePrefix + state)
	if err != nil {
		return f, errNoFlow
	}
	payload, sig, ok := strings.Cut(ck.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(c.mac(payload))) {
		return f, errBadFlow
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &f) != nil {
		return f, errBadFlow
	}
	if !hmac.Equal([]byte(f.State), []byte(state)) {
		return f, errBadFlow
	}
	if !now.Before(time.Unix(f.Expires, 0)) {
		return f, errExpiredFlow
	}
	return f, nil
}

// validCookieNamePart reports whether s can be part of a cookie name:
// states are base64url, so anything else is not one of ours.
func validCookieNamePart(s string) bool {
	if len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
