package notify

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DeliveryError is the outcome of a failed Send, classified by the notifier
// that saw the provider's answer. Only the notifier knows that an SMTP 451
// is worth retrying and a 550 is not, or that Slack's channel_not_found is
// final; the engine acts on these fields without knowing any protocol.
type DeliveryError struct {
	// Retryable reports whether the same message may succeed later
	// unchanged (a timeout, a 5xx, a rate limit). When false the engine
	// marks the message failed at once.
	Retryable bool
	// RetryAfter is the provider's requested minimum wait (an HTTP
	// Retry-After header), or 0 when the provider did not ask for one.
	RetryAfter time.Duration
	// Status is the provider's status: the HTTP status code or the SMTP
	// reply code; 0 when no answer was received (a network error).
	Status int
	// Err is the underlying error, for the delivery history. It says
	// what went wrong in the provider's terms (a status and its reason,
	// "HTTP 500 Internal Server Error"), never what the provider's body
	// said, so that it may be shown to anyone who sees the message.
	Err error
	// Response is the start of the provider's response body, printable
	// and on one line (BodySnippet), or "". It is kept apart from Err
	// because a receiver that a user chose may answer with anything,
	// an internal page's contents included: the engine stores it
	// separately and shows it to admins only.
	Response string
}

// Error describes the failure, including how it was classified, so the
// delivery history reads well on its own.
func (e *DeliveryError) Error() string {
	var b strings.Builder
	if e.Retryable {
		b.WriteString("temporary delivery failure")
	} else {
		b.WriteString("permanent delivery failure")
	}
	var details []string
	if e.Status != 0 {
		details = append(details, "status "+strconv.Itoa(e.Status))
	}
	if e.RetryAfter > 0 {
		details = append(details, "retry after "+e.RetryAfter.String())
	}
	if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, ", ") + ")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, context.Canceled)
// and similar checks see through the classification.
func (e *DeliveryError) Unwrap() error { return e.Err }

// Permanent returns a DeliveryError that must not be retried.
func Permanent(status int, err error) *DeliveryError {
	return &DeliveryError{Status: status, Err: err}
}

// Temporary returns a retryable DeliveryError; retryAfter is the provider's
// requested wait, or 0.
func Temporary(status int, retryAfter time.Duration, err error) *DeliveryError {
	return &DeliveryError{Retryable: true, RetryAfter: retryAfter, Status: status, Err: err}
}

// IsRetryable reports whether the message whose Send returned err should be
// tried again. A *DeliveryError anywhere in err's chain decides. Any other
// non-nil error is treated as retryable: a notifier that failed to classify
// a failure has hit something unexpected, and retrying a page a bounded
// number of times is far cheaper than silently dropping it. nil is not
// retryable (there is nothing to retry).
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.Retryable
	}
	return true
}

// RetryAfter returns the wait the provider asked for, or 0 when err carries
// none (or is nil). The engine waits at least this long, and at least the
// Backoff delay; see BackoffPolicy.RetryDelay.
func RetryAfter(err error) time.Duration {
	var de *DeliveryError
	if errors.As(err, &de) && de.RetryAfter > 0 {
		return de.RetryAfter
	}
	return 0
}

// ParseRetryAfter parses an HTTP Retry-After header value (RFC 9110 §10.2.3):
// either a number of seconds or an HTTP-date, which is measured from now.
// It returns 0 for an empty, malformed, negative or past value, so a broken
// header falls back to the normal backoff instead of failing the message.
func ParseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(math.MaxInt64/time.Second) {
			return time.Duration(math.MaxInt64)
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
}

// ResponseOf returns the provider's response body carried by err (see
// DeliveryError.Response), or "".
func ResponseOf(err error) string {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.Response
	}
	return ""
}

// maxBodyInError bounds how much of a provider's response is kept with
// an error: enough to show "channel_not_found" or an HTML error title,
// not enough to bloat the delivery history.
const maxBodyInError = 256

// HTTPStatusError classifies a non-2xx HTTP response the way webhook-style
// receivers expect: 408 (timeout), 429 (rate limited) and every 5xx are
// retryable, honouring Retry-After; any other status (4xx, or a 3xx the
// client did not follow) is permanent, because the same request would get
// the same answer. body is the start of the response body; a printable
// prefix of it is kept in Response, not in the error's text.
func HTTPStatusError(status int, header http.Header, body []byte, now time.Time) *DeliveryError {
	err := fmt.Errorf("HTTP %d %s", status, http.StatusText(status))
	var de *DeliveryError
	if status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500 {
		de = Temporary(status, ParseRetryAfter(header.Get("Retry-After"), now), err)
	} else {
		de = Permanent(status, err)
	}
	de.Response = BodySnippet(body)
	return de
}

// BodySnippet returns a single-line, printable, truncated form of a response
// body for use in error messages. Control characters become spaces so that
// a hostile or binary body cannot forge lines in logs.
func BodySnippet(body []byte) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxBodyInError {
		cut := maxBodyInError
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
