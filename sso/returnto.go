package sso

import (
	"net/url"
	"strings"
)

// maxReturnTo bounds the page to return to, which rides in the flow
// cookie (browsers keep cookies up to 4 KB).
const maxReturnTo = 1024

// LocalPath reports whether s is a path on this site that is safe to
// redirect to after sign-in: it starts with one slash and names no other
// host, however a browser reads it. "//evil.example" and "/\evil.example"
// are protocol-relative to browsers; "https://evil.example" and
// "javascript:..." are absolute; control characters can split headers.
// Refusing them all keeps Start and Finish from being an open redirect.
func LocalPath(s string) bool {
	if s == "" || len(s) > maxReturnTo || s[0] != '/' || strings.HasPrefix(s, "//") {
		return false
	}
	for _, c := range []byte(s) {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && !u.IsAbs()
}
