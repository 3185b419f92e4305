package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"

	"github.com/warroom/warroom"
)

// formKeyField carries a form's idempotency key: each rendering of the
// declare form and of the composer gets a new random one, so a form sent
// twice (a double click, Ctrl+Enter pressed twice, a POST resent by the
// browser) declares or writes once, the way the API's Idempotency-Key
// works. The same key with other content (the user changed the form
// after a refusal) is a new request because the refusal rendered a new
// key.
const formKeyField = "form_key"

// newFormKey returns a fresh form key ("" if randomness fails: the form
// then simply is not idempotent).
func newFormKey() string {
	k, err := randomToken()
	if err != nil {
		return ""
	}
	return k[:22]
}

// formIdempotency is the idempotency of a form post: its key, and a hash
// of its path and fields (the CSRF token and the key left out).
func formIdempotency(r *http.Request) warroom.Idempotency {
	key := r.PostFormValue(formKeyField)
	if key == "" || len(key) > 64 {
		return warroom.Idempotency{}
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", r.Method, r.URL.Path)
	names := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		if k != csrfField && k != formKeyField {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(h, "%q=%q\n", k, r.PostForm[k])
	}
	return warroom.Idempotency{UserID: currentUser(r).ID, Key: "web:" + key, RequestHash: hex.EncodeToString(h.Sum(nil))}
}
