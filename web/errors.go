package web

import (
	"net/http"

	"github.com/warroom/warroom"
)

// status maps an error code to the HTTP status of its error page.
func status(err error) int {
	switch warroom.ErrorCode(err) {
	case warroom.EInvalid:
		return http.StatusBadRequest
	case warroom.EUnauthorized:
		return http.StatusUnauthorized
	case warroom.EForbidden:
		return http.StatusForbidden
	case warroom.ENotFound:
		return http.StatusNotFound
	case warroom.EConflict:
		return http.StatusConflict
	case warroom.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case warroom.ERateLimited:
		return http.StatusTooManyRequests
	case warroom.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorView is the error page.
type errorView struct {
	base
	Status  int
	Message string
}

// errorPage answers err with the error page: its message for the user's
// mistakes, a plain "internal error" (and a log line) for ours. An htmx
// request gets the message alone, shown where the form is.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	code := status(err)
	msg := warroom.ErrorMessage(err)
	if code == http.StatusInternalServerError {
		h.log.Error("web request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error: the server logged the details"
	}
	if code == http.StatusUnauthorized && isRead(r.Method) {
		h.toSignIn(w, r)
		return
	}
	v := errorView{base: h.base(r, http.StatusText(code)), Status: code, Message: msg}
	if isHTMX(r) {
		if e := h.fragment(w, code, "error_message", v); e != nil {
			h.log.Error("render error fragment", "err", e)
		}
		return
	}
	if e := h.render(w, code, "error", v); e != nil {
		h.log.Error("render error page", "err", e)
		http.Error(w, msg, code)
	}
}
