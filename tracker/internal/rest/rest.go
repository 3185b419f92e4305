// Package rest is the JSON-over-HTTP plumbing the tracker clients share:
// one request, its answer decoded, and the tracker's refusals turned into
// warroom errors with the tracker's own words in them.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
)

// Client sends requests to one tracker's API.
type Client struct {
	Name string   // "GitHub", "Jira": the subject of error messages
	Base *url.URL // the API root
	HTTP *http.Client
	Now  func() time.Time
	// Auth adds the credentials to a request.
	Auth func(r *http.Request)
	// Headers are added to every request (API version, Accept).
	Headers map[string]string
	// Explain turns an error body into the tracker's message, "" if it
	// has none.
	Explain func(body []byte) string
}

// maxBody bounds what is read of an answer: a tracker's JSON for one
// ticket or one page of them is far below it.
const maxBody = 8 << 20

// Do sends method path?query with in as JSON (nil: no body) and decodes the
// answer into out (nil: ignored). It returns the answer's headers.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) (http.Header, error) {
	u := c.Base.JoinPath(path)
	if query != nil {
		u.RawQuery = query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s: encode request: %w", c.Name, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, warroom.Errorf(warroom.EInvalid, "%s: bad request URL %s: %v", c.Name, u.Redacted(), err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	if c.Auth != nil {
		c.Auth(req)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, warroom.Errorf(warroom.EUnavailable, "%s: %s %s stopped: %v", c.Name, method, path, ctx.Err())
		}
		return nil, warroom.Errorf(warroom.EUnavailable, "%s is unreachable (%s %s): %v", c.Name, method, path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.Header, warroom.Errorf(warroom.EUnavailable, "%s: reading the answer to %s %s: %v", c.Name, method, path, err)
	}
	if resp.StatusCode >= 300 {
		return resp.Header, c.refusal(method, path, resp, data)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, warroom.Errorf(warroom.EUnavailable, "%s answered %s %s with JSON warroom cannot read: %v", c.Name, method, path, err)
		}
	}
	return resp.Header, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// refusal maps an error status to a warroom error.
func (c *Client) refusal(method, path string, resp *http.Response, body []byte) error {
	why := ""
	if c.Explain != nil {
		why = c.Explain(body)
	}
	if why == "" {
		why = strings.TrimSpace(string(body))
		if len(why) > 200 {
			why = why[:200] + "..."
		}
	}
	if why != "" {
		why = ": " + why
	}
	what := fmt.Sprintf("%s %s", method, path)
	if at, ok := c.rateLimit(resp, why); ok {
		return &tracker.RateLimited{RetryAt: at, Err: warroom.Errorf(warroom.ERateLimited,
			"%s rate limit reached (%s, HTTP %d); try again after %s%s", c.Name, what, resp.StatusCode, at.UTC().Format(time.RFC3339), why)}
	}
	code := warroom.EUnavailable
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized:
		code, why = warroom.EUnauthorized, " (check the tracker's credentials)"+why
	case s == http.StatusForbidden:
		code, why = warroom.EForbidden, " (the credentials lack permission)"+why
	case s == http.StatusNotFound:
		code = warroom.ENotFound
	case s == http.StatusGone:
		code, why = warroom.ENotFound, " (gone: deleted, or issues are disabled)"+why
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		code = warroom.EInvalid
	case s == http.StatusConflict:
		code = warroom.EConflict
	}
	return warroom.Errorf(code, "%s refused %s: HTTP %d%s", c.Name, what, resp.StatusCode, why)
}

// rateLimit reports whether resp is a rate limit and until when: a 429,
// or a 403 (GitHub) or 503 that says when to come back, by Retry-After
// (seconds or an HTTP date) or X-RateLimit-Remaining: 0 with
// X-RateLimit-Reset (GitHub: unix seconds; Jira: a timestamp), or a 403
// whose message (why) names a rate limit.
func (c *Client) rateLimit(resp *http.Response, why string) (time.Time, bool) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	s := resp.StatusCode
	if s != http.StatusTooManyRequests && s != http.StatusForbidden && s != http.StatusServiceUnavailable {
		return time.Time{}, false
	}
	h := resp.Header
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			return now().Add(time.Duration(secs) * time.Second), true
		}
		if t, err := http.ParseTime(ra); err == nil {
			return t, true
		}
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		reset := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
		if secs, err := strconv.ParseInt(reset, 10, 64); err == nil {
			return time.Unix(secs, 0), true
		}
		if t, err := time.Parse(time.RFC3339, reset); err == nil {
			return t, true
		}
		return now().Add(time.Minute), true
	}
	// GitHub's secondary limits may come as a bare 403 whose message
	// names them; GitHub asks for at least a minute's wait then.
	if s == http.StatusTooManyRequests || (s == http.StatusForbidden && strings.Contains(strings.ToLower(why), "rate limit")) {
		return now().Add(time.Minute), true
	}
	return time.Time{}, false
}

// Decode reads a JSON error body; an error body that is not JSON is no
// fault of the caller's, so callers fall back to the raw text.
func Decode(body []byte, v any) error { return json.Unmarshal(body, v) }
