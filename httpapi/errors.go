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

// retryAfterSeconds is the Retry-After of a 503: the database could not
// be reached, and a client should try again in a few seconds.
const retryAfterSeconds = "5"

// unavailableReporter is a store that tells an error that means the
// database could not be reached (sqlstore.Store.Unavailable) from others.
type unavailableReporter interface {
	Unavailable(err error) bool
}

// unavailable reports whether err means that the database could not be
// reached: EUnavailable, or a store error its store says is such.
func (s *Server) unavailable(err error) bool {
	if warroom.ErrorCode(err) == warroom.EUnavailable {
		return true
	}
	r, ok := s.store.(unavailableReporter)
	return ok && warroom.ErrorCode(err) == warroom.EInternal && r.Unavailable(err)
}

// httpStatus maps an error to its HTTP status: the one place where error
// codes become statuses. A database that cannot be reached is a 503 on
// every route, the authentication of the caller included.
func (s *Server) httpStatus(err error) int {
	var me *methodError
	if errors.As(err, &me) {
		return http.StatusMethodNotAllowed
	}
	if s.unavailable(err) {
		return http.StatusServiceUnavailable
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
	status := s.httpStatus(err)
	body := &warroom.Error{
		Code:    warroom.ErrorCode(err),
		Message: warroom.ErrorMessage(err),
		Field:   warroom.ErrorField(err),
	}
	switch {
	case status == http.StatusInternalServerError:
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err.Error())
		body = &warroom.Error{Code: warroom.EInternal, Message: "internal error"}
	case status == http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", retryAfterSeconds)
		if body.Code != warroom.EUnavailable {
			s.log.Error("database unavailable", "method", r.Method, "path", r.URL.Path, "err", err.Error())
			body = &warroom.Error{Code: warroom.EUnavailable, Message: "the database cannot be reached; retry later"}
		}
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
