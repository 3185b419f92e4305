package warroom

import (
	"errors"
	"fmt"
)

// Error codes. Every error a service returns to a transport carries one of
// these; the HTTP layer maps them to statuses in one place.
const (
	EInvalid      = "invalid"       // the caller's input is wrong (400)
	EUnauthorized = "unauthorized"  // no or bad credentials (401)
	EForbidden    = "forbidden"     // authenticated but not allowed (403)
	ENotFound     = "not_found"     // the thing does not exist or is hidden from the caller (404)
	EConflict     = "conflict"      // a concurrent change, a duplicate, or an illegal transition (409)
	ETooLarge     = "too_large"     // a request body over the limit (413)
	EInternal     = "internal"      // a fault of ours, never the caller's (500)
	EUnavailable  = "unavailable"   // a dependency is down; retry later (503)
	ERateLimited  = "rate_limited"  // slow down (429)
	EUnsupported  = "not_supported" // the method or media type is not supported (405/415)
)

// Error is the one error type that crosses the domain boundary. Message is
// written for the person who made the request: it says what is wrong and,
// where it can, what to do. Field names the input at fault, if any.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error about one input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: the code of an *Error anywhere in its
// chain, EInternal for any other error, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the human message of err. Internal errors get a
// generic message so that no implementation detail leaks to callers.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the input field an error names, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
