package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Error is a problem with an incoming body: the sender's fault, answered
// with 400 Bad Request. Field is a JSON path into the body ("alerts[1].status",
// "[0].severity"), or empty when the problem is the body as a whole
// (malformed JSON, where Message gives line, column and byte offset).
type Error struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func fieldError(field, format string, args ...any) *Error {
	return &Error{Field: field, Message: fmt.Sprintf(format, args...)}
}

// decodeJSON decodes body, which must hold exactly one JSON value, into v.
// Unknown object keys are an error when strict is set. The error names the
// field or the line and column where the body went wrong.
func decodeJSON(body []byte, v any, strict bool) *Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &Error{Message: "body is empty: expected a JSON document"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(body, err)
	}
	// Decode stops after the first value; anything but space after it means
	// the sender concatenated documents or sent garbage.
	if rest := bytes.TrimSpace(body[dec.InputOffset():]); len(rest) > 0 {
		at := int64(len(body) - len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")))
		return &Error{Message: "invalid JSON: unexpected data after the JSON value " + position(body, at)}
	}
	return nil
}

// jsonError turns an encoding/json error into an *Error naming the field or
// the position in body.
func jsonError(body []byte, err error) *Error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		// encoding/json offsets count the bytes read, the culprit included.
		return &Error{Message: "invalid JSON " + position(body, syntax.Offset-1) + ": " + strings.TrimPrefix(syntax.Error(), "json: ")}
	case errors.As(err, &typ):
		return &Error{Field: typ.Field, Message: fmt.Sprintf("must be %s, not a JSON %s, %s", jsonKind(typ.Type), typ.Value, position(body, typ.Offset-1))}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &Error{Message: "invalid JSON: the body ends before the JSON value does " + position(body, int64(len(body)))}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return &Error{Field: strings.Trim(name, `"`), Message: "unknown field (see the documented schema)"}
	}
	return &Error{Message: "invalid JSON: " + msg}
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a JSON " + t.Kind().String()
}

// position describes the byte at index i of body, or the end of body when
// i is len(body), as "at line L, column C (offset i)"; line and column count
// from 1, the offset in bytes from 0.
func position(body []byte, i int64) string {
	i = max(0, min(i, int64(len(body))))
	before := body[:i]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("at line %d, column %d (offset %d)", line, col, i)
}
