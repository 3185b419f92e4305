package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/warroom/warroom"
)

// errorBody is the one error body of the API.
type errorBody struct {
	Error *warroom.Error `json:"error"`
}

// methodError is a 405: the domain's EUnsupported for a method the path
// does not allow (EUnsupported is otherwise a 415).
type methodError struct{ err *warroom.Error }

func (e *methodError) Error() string { return e.err.Error() }
func (e *methodError) Unwrap() error { return e.err }

// httpStatus maps an error to its HTTP status: the one place where error
// codes become statuses.
func httpStatus(err error) int {
	var me *methodError
	if errors.As(err, &me) {
		return http.StatusMethodNotAllowed
	}
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
	case warroom.EUnsupported:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// writeError answers err in the one error format. Internal errors are
// logged with their details and answered without them.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := httpStatus(err)
	body := &warroom.Error{
		Code:    warroom.ErrorCode(err),
		Message: warroom.ErrorMessage(err),
		Field:   warroom.ErrorField(err),
	}
	if status == http.StatusInternalServerError {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err.Error())
		body = &warroom.Error{Code: warroom.EInternal, Message: "internal error"}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="warroom"`)
	}
	writeJSON(w, status, errorBody{Error: body})
}

// writeJSON renders v with the status. v is marshalled before anything is
// written, so a failure still gets a clean 500.
func writeJSON(w http.ResponseWriter, status int, v any) {
	// No HTML escaping: this is an API, not a page, and "<token>" should
	// read as written.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
