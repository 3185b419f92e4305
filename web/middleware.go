package web

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"

	"github.com/warroom/warroom"
)

// maxFormBytes bounds a form body: far above any entry or declaration.
const maxFormBytes = 1 << 20

// wrap runs a page behind the checks of its access level, in this order:
// the session, CSRF for every state-changing request, the account role;
// only then the page. Every refusal happens before the page runs.
func (h *Handler) wrap(a access, p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.Error("web handler panic", "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				h.errorPage(w, r, warroom.Errorf(warroom.EInternal, "internal error"))
			}
		}()
		securityHeaders(w)
		v, err := h.loadSession(r)
		if err != nil {
			h.errorPage(w, r, err)
			return
		}
		r = r.WithContext(withVisit(r.Context(), v))
		if a != anyone && v.user == nil {
			h.toSignIn(w, r)
			return
		}
		if !isRead(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := checkCSRF(r, v); err != nil {
				h.errorPage(w, r, err)
				return
			}
		}
		if err := checkAccess(a, v.user); err != nil {
			h.errorPage(w, r, err)
			return
		}
		if err := p(w, r); err != nil {
			h.errorPage(w, r, err)
		}
	})
}

// checkAccess enforces an access level for a signed-in user.
func checkAccess(a access, u *warroom.User) error {
	switch {
	case a == writer && !u.Role.CanWrite():
		return warroom.Errorf(warroom.EForbidden, "viewers can read but change nothing")
	case a == admin && u.Role != warroom.AccountAdmin:
		return warroom.Errorf(warroom.EForbidden, "only admins may do this")
	}
	return nil
}

// toSignIn sends a signed-out browser to the sign-in page, which brings
// it back here afterwards: to this page for a GET, to the page the form
// was on for a POST (the form's own target has nothing to show).
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	back := r.URL.RequestURI()
	if !isRead(r.Method) {
		back = "/"
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
			back = ref.RequestURI()
		}
	}
	target := "/signin?return=" + url.QueryEscape(safeReturn(back))
	if r.Header.Get("HX-Request") != "" {
		// htmx would swap the sign-in page into a fragment; make it load
		// the whole page instead.
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// securityHeaders are sent with every page: no framing, no sniffing,
// scripts and styles only from this server.
func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
}

func isRead(method string) bool { return method == http.MethodGet || method == http.MethodHead }
