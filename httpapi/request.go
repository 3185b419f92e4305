package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// maxIdempotencyKey is the longest Idempotency-Key accepted.
const maxIdempotencyKey = 255

// readBody checks that a request body is JSON and reads it, up to the
// server's limit. An empty body is returned as nil without error when
// optional is true (commands without fields), else it is an error.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, optional bool) ([]byte, error) {
	body, err := s.readLimited(w, r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil, nil
		}
		return nil, warroom.Errorf(warroom.EInvalid, "request body is empty: send a JSON object")
	}
	if err := checkJSONContentType(r); err != nil {
		return nil, err
	}
	return body, nil
}

// readLimited reads a request body whatever it holds, up to the server's
// limit: ETooLarge past it.
func (s *Server) readLimited(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, warroom.Errorf(warroom.ETooLarge, "request body is larger than the limit of %s (%d bytes)", formatBytes(s.maxBody), s.maxBody)
	case err != nil:
		return nil, warroom.Errorf(warroom.EInvalid, "could not read the request body: %v", err)
	}
	return body, nil
}

func checkJSONContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return warroom.Errorf(warroom.EUnsupported, "missing Content-Type: send the body as JSON with Content-Type: application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return warroom.Errorf(warroom.EUnsupported, "Content-Type %q is not supported: send the body as JSON with Content-Type: application/json", ct)
	}
	return nil
}

// decode reads a JSON request body into v (a pointer to a struct),
// refusing unknown fields, wrong types, malformed JSON and trailing data
// with an EInvalid error naming the field or offset. It returns the raw
// body for the idempotency hash.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	body, err := s.readBody(w, r, false)
	if err != nil {
		return nil, err
	}
	return body, decodeJSON(body, v)
}

// decodeOptional is decode for commands whose body may be empty.
func (s *Server) decodeOptional(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	body, err := s.readBody(w, r, true)
	if err != nil || body == nil {
		return body, err
	}
	return body, decodeJSON(body, v)
}

func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, body, v)
	}
	off := int(dec.InputOffset())
	if _, err := dec.Token(); err != io.EOF {
		for off < len(body) && strings.ContainsRune(" \t\r\n", rune(body[off])) {
			off++
		}
		return warroom.Errorf(warroom.EInvalid, "malformed JSON at offset %d: unexpected data after the object", off)
	}
	// Every API body comes through here: refuse a string that one
	// database would store and another refuse (see warroom.TextProblem),
	// wherever it is, before anything is written.
	if path, problem := warroom.JSONTextProblem(body); problem != "" {
		if path == "" {
			return warroom.Errorf(warroom.EInvalid, "a string of the body %s", problem)
		}
		return warroom.Invalid(path, "field %q %s", path, problem)
	}
	return nil
}

// pathParams returns the names of the wildcards of a route's path
// pattern ("/api/v1/incidents/{incident}/entries/{seq}": incident, seq).
func pathParams(path string) []string {
	var names []string
	for rest := path; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return names
		}
		names = append(names, strings.TrimSuffix(rest[i+1:i+j], "..."))
		rest = rest[i+j+1:]
	}
}

// checkParams refuses path parameters (named by pathParams, once per
// route) and query parameters that no store can keep or look up (a NUL
// character, bytes that are not UTF-8): PostgreSQL would fail the query
// with them, and SQLite would not.
func checkParams(r *http.Request, pathParams []string) error {
	for _, name := range pathParams {
		if problem := warroom.TextProblem(r.PathValue(name)); problem != "" {
			return warroom.Invalid(name, "path parameter %q %s", name, problem)
		}
	}
	for k, vs := range r.URL.Query() {
		if problem := warroom.TextProblem(k); problem != "" {
			return warroom.Errorf(warroom.EInvalid, "the name of a query parameter %s", problem)
		}
		for _, v := range vs {
			if problem := warroom.TextProblem(v); problem != "" {
				return warroom.Invalid(k, "query parameter %q %s", k, problem)
			}
		}
	}
	return nil
}

// jsonError turns a decoding error into an EInvalid error for people.
func jsonError(err error, body []byte, v any) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var parse *time.ParseError
	switch {
	case errors.As(err, &syntax):
		return warroom.Errorf(warroom.EInvalid, "malformed JSON at offset %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return warroom.Errorf(warroom.EInvalid, "malformed JSON at offset %d: the body ends before the JSON does", len(body))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return warroom.Errorf(warroom.EInvalid, "request body must be a JSON object")
		}
		return warroom.Invalid(field, "field %q has the wrong type: expected %s, got %s", field, jsonKind(typ.Type), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		return warroom.Invalid(name, "unknown field %q", name)
	}
	// A value's own parser refused it (a time, a duration): find which
	// top-level field holds it.
	field := failingField(body, v)
	msg := ": " + strings.TrimPrefix(err.Error(), "json: ")
	if errors.As(err, &parse) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON") {
		msg = " must be an RFC 3339 time like 2024-05-01T12:00:00Z"
	}
	if field == "" {
		return warroom.Errorf(warroom.EInvalid, "invalid JSON value%s", msg)
	}
	return warroom.Invalid(field, "field %q%s", field, msg)
}

// failingField returns the top-level field of body that fails to decode
// into v's type on its own, or "".
func failingField(body []byte, v any) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return ""
	}
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer {
		return ""
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		if json.Unmarshal(one, reflect.New(t.Elem()).Interface()) != nil {
			return k
		}
	}
	return ""
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if t == reflect.TypeOf(time.Time{}) {
		return "an RFC 3339 time string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}

// idempotency returns the Idempotency of a command request: the caller,
// the Idempotency-Key header and a hash of the request. No header: the
// zero value.
func idempotency(r *http.Request, body []byte) (warroom.Idempotency, error) {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" {
		return warroom.Idempotency{}, nil
	}
	if len(key) > maxIdempotencyKey {
		return warroom.Idempotency{}, warroom.Invalid("Idempotency-Key", "Idempotency-Key must be at most %d characters", maxIdempotencyKey)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", r.Method, r.URL.Path)
	h.Write(body)
	return warroom.Idempotency{UserID: caller(r).ID, Key: key, RequestHash: hex.EncodeToString(h.Sum(nil))}, nil
}

// decodeCommand reads a command's body into a T and returns it with the
// request's idempotency: a malformed Idempotency-Key is refused before
// the body is read, and a key is bound to the method, path and body.
// With optional, an empty body is the zero T.
func decodeCommand[T any](s *Server, w http.ResponseWriter, r *http.Request, optional bool) (in T, idem warroom.Idempotency, err error) {
	if err = checkIdempotencyKey(r); err != nil {
		return in, idem, err
	}
	var body []byte
	if optional {
		body, err = s.decodeOptional(w, r, &in)
	} else {
		body, err = s.decode(w, r, &in)
	}
	if err != nil {
		return in, idem, err
	}
	idem, err = idempotency(r, body)
	return in, idem, err
}

// checkIdempotencyKey refuses a malformed Idempotency-Key before the body
// is read.
func checkIdempotencyKey(r *http.Request) error {
	_, err := idempotency(r, nil)
	return err
}

// queryParams checks that a request's query names only known parameters.
func queryParams(r *http.Request, known ...string) (map[string]string, error) {
	q := r.URL.Query()
	out := make(map[string]string, len(q))
	for k, vs := range q {
		if !slices.Contains(known, k) {
			return nil, warroom.Invalid(k, "unknown query parameter %q; known: %s", k, strings.Join(known, ", "))
		}
		if len(vs) > 1 {
			return nil, warroom.Invalid(k, "query parameter %q is given %d times", k, len(vs))
		}
		out[k] = strings.TrimSpace(vs[0])
	}
	return out, nil
}

// queryInt parses a non-negative integer query parameter; "" gives 0.
func queryInt(q map[string]string, name string) (int64, error) {
	v := q[name]
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, warroom.Invalid(name, "%s must be a non-negative integer, not %q", name, v)
	}
	return n, nil
}

// pathSeq parses the {seq} path parameter: a timeline entry number.
func pathSeq(r *http.Request) (int64, error) {
	v := r.PathValue("seq")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, warroom.Invalid("seq", "entry number must be a positive integer, not %q", v)
	}
	return n, nil
}

// formatBytes prints a limit as people say it: "1 MiB", "512 KiB".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
