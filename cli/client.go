package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxAnswer bounds how much of an API answer is read.
const maxAnswer = 64 << 20

// client talks to the warroom HTTP API for one CLI invocation.
type client struct {
	server string // base URL, e.g. http://127.0.0.1:8080
	token  string
	// idemKey is sent as the Idempotency-Key of every change the
	// invocation makes. One invocation makes at most one change, so one
	// key per invocation is one key per change.
	idemKey string
	http    *http.Client
}

// call sends one API request and returns the answer's JSON body. query
// and body may be nil. A request that gets no answer is sent once more
// with the same Idempotency-Key: the first one may have reached the
// server, and the key makes the server return its first result instead
// of doing the change twice.
func (c *client) call(ctx context.Context, method, path string, query url.Values, body any) ([]byte, error) {
	u := strings.TrimRight(c.server, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	status, answer, err := c.attempt(ctx, method, u, payload)
	if err != nil && ctx.Err() == nil {
		status, answer, err = c.attempt(ctx, method, u, payload)
	}
	if err != nil {
		return nil, &unreachableError{server: c.server, err: err}
	}
	if status == http.StatusUnauthorized && c.token == "" {
		// Not the server refusing a command: the command line lacks its
		// configuration, like any other missing setting.
		return nil, &usageError{errNoToken}
	}
	if status >= 400 {
		return nil, decodeAPIError(status, answer)
	}
	return answer, nil
}

// errNoToken is a request the server refused because no API token was
// given.
var errNoToken = errors.New("no API token: set WARROOM_TOKEN or pass --token")

// attempt sends the request once. An answer cut off midway counts as no
// answer, so that it is retried.
func (c *client) attempt(ctx context.Context, method, u string, payload []byte) (int, []byte, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, nil, fmt.Errorf("bad server URL: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if method != http.MethodGet && c.idemKey != "" {
		req.Header.Set("Idempotency-Key", c.idemKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	return resp.StatusCode, answer, err
}

// decodeAPIError reads the API's one error body; anything else (a proxy's
// HTML page, say) becomes a message with the HTTP status.
func decodeAPIError(status int, answer []byte) error {
	var body struct {
		Error *apiError `json:"error"`
	}
	if err := json.Unmarshal(answer, &body); err != nil || body.Error == nil || body.Error.Message == "" {
		text := strings.TrimSpace(string(answer))
		if len(text) > 200 {
			text = text[:200] + "..."
		}
		return &apiError{Status: status, Code: "http_" + fmt.Sprint(status),
			Message: fmt.Sprintf("the server answered %d %s: %s", status, http.StatusText(status), text)}
	}
	e := body.Error
	e.Status, e.body = status, bytes.TrimSpace(answer)
	return e
}

// get is call for a GET request.
func (c *client) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	return c.call(ctx, http.MethodGet, path, query, nil)
}

// post is call for a POST request.
func (c *client) post(ctx context.Context, path string, body any) ([]byte, error) {
	return c.call(ctx, http.MethodPost, path, nil, body)
}
