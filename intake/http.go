package intake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// DefaultMaxBodyBytes is the body size limit ReadBody applies when given
// none: 1 MiB, twice PagerDuty's own 512 KB event limit. Alertmanager sends
// every alert of a group in one webhook unless its max_alerts is set, about
// 1 KB each: pass a larger limit for the Alertmanager endpoint if groups of
// more than about a thousand alerts are expected, or an oversized group is
// refused (413) and Alertmanager does not retry it.
const DefaultMaxBodyBytes = 1 << 20

// ErrUnknownIntegration is the error for a request whose integration key
// candidates match no integration. WriteWebhook answers it with 401,
// WritePagerDuty with 400 and an invalid event "Invalid routing key".
var ErrUnknownIntegration = errors.New("no integration matches the integration key")

// IntegrationKeys returns the integration key candidates a webhook request
// carries, best first, without blanks or repeats:
//
//  1. the token of an "Authorization: Bearer <token>" header;
//  2. the password of HTTP basic auth, or the username when the password
//     is empty;
//  3. pathKey, the key segment of the URL path (the caller takes it from
//     its route, such as r.PathValue("key") for "POST /webhook/{key}").
//
// Credentials win over the path because they are the secret the sender was
// configured with (Alertmanager's http_config) and stay out of access logs,
// while a path segment may be a name. The caller should accept the request
// if any candidate matches an integration, trying them in this order, so an
// unmodified Alertmanager webhook_configs entry works whichever of its URL
// or credentials holds the key. PagerDuty events carry their key in the
// body instead: see Alert.RoutingKey.
func IntegrationKeys(r *http.Request, pathKey string) []string {
	var keys []string
	add := func(k string) {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		add(token)
	case "basic":
		if user, pass, ok := r.BasicAuth(); ok {
			add(firstNonEmpty(pass, user))
		}
	}
	add(pathKey)
	return keys
}

// IntegrationKey returns the best integration key candidate (see
// IntegrationKeys), or "" when the request carries none.
func IntegrationKey(r *http.Request, pathKey string) string {
	if keys := IntegrationKeys(r, pathKey); len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// BodyTooLargeError is a request body over the size limit: 413.
type BodyTooLargeError struct {
	Limit int64
}

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("request body is larger than the limit of %d bytes", e.Limit)
}

// ReadBody reads the request body, at most limit bytes (DefaultMaxBodyBytes
// when limit <= 0). A longer body gives a *BodyTooLargeError and closes the
// connection after the answer; a body that cannot be read an *Error.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, limit), r.ContentLength, limit)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &BodyTooLargeError{Limit: limit}
	case err != nil:
		return nil, &Error{Message: "could not read the request body: " + err.Error()}
	}
	return body, nil
}

// readAll is io.ReadAll that sizes its buffer from the Content-Length the
// sender announced (when within limit), so that a large body is read in
// one allocation instead of a dozen doubling ones.
func readAll(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength <= 0 || contentLength > limit {
		return io.ReadAll(r)
	}
	// One byte more, so that reaching EOF needs no second buffer.
	b := make([]byte, 0, contentLength+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // longer than announced: grow
		}
	}
}

// StatusCode maps an intake error to its HTTP status: 400 for *Error, the
// PDError's own code, 413 for *BodyTooLargeError, 401 for
// ErrUnknownIntegration, 500 for anything else (a store failure, which
// senders retry). No error (nil, or a nil *PDError) is 200.
func StatusCode(err error) int {
	if pe, ok := err.(*PDError); err == nil || ok && pe == nil {
		return http.StatusOK
	}
	var pe *PDError
	var ie *Error
	var big *BodyTooLargeError
	switch {
	case errors.As(err, &pe):
		return pe.Code
	case errors.As(err, &big):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &ie):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnknownIntegration):
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// WritePagerDuty answers a PagerDuty event as events.pagerduty.com does.
// With err nil: 202 {"status":"success","message":"Event processed",
// "dedup_key":dedupKey}. Otherwise PagerDuty's error body: a *PDError as it
// is (400); a *BodyTooLargeError as an invalid event with 413; an *Error as
// an invalid event; ErrUnknownIntegration as an invalid event "Invalid
// routing key"; anything else 500 without details, which senders retry.
func WritePagerDuty(w http.ResponseWriter, dedupKey string, err error) {
	code, body := pagerDutyAnswer(dedupKey, err)
	writeJSON(w, code, body)
}

// WebhookResponse is the body answering an Alertmanager or generic webhook.
type WebhookResponse struct {
	Status    string   `json:"status"`
	Message   string   `json:"message"`
	DedupKeys []string `json:"dedup_keys,omitempty"`
	Field     string   `json:"field,omitempty"`
}

// WriteWebhook answers an Alertmanager or generic webhook. With err nil:
// 202 {"status":"success","message":"Alerts processed","dedup_keys":[...]},
// the keys in the alerts' order, so a generic sender learns keys warroom
// derived. Otherwise {"status":"error","message":...,"field":...} with the
// StatusCode of err; a 500 carries no details.
func WriteWebhook(w http.ResponseWriter, alerts []Alert, err error) {
	if err == nil {
		keys := make([]string, len(alerts))
		for i, a := range alerts {
			keys[i] = a.DedupKey
		}
		writeJSON(w, http.StatusAccepted, WebhookResponse{Status: "success", Message: "Alerts processed", DedupKeys: keys})
		return
	}
	code := StatusCode(err)
	resp := WebhookResponse{Status: "error", Message: err.Error()}
	var ie *Error
	if errors.As(err, &ie) {
		resp.Message, resp.Field = ie.Message, ie.Field
	}
	if code == http.StatusInternalServerError {
		resp.Message = "alerts could not be processed; retry later"
	}
	writeJSON(w, code, resp)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // only plain structs of strings reach here
		code, body = http.StatusInternalServerError, []byte(`{"status":"error","message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}
