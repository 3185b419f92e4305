// Package slack delivers notifications to Slack, in two ways:
//
//   - Webhook posts to an incoming webhook (notify.ChannelSlackWebhook). The
//     Destination is the webhook URL, which embeds its own credential and
//     fixes the channel. Nothing to configure beyond the URL, but Slack
//     returns no message ID.
//   - API calls the Web API method chat.postMessage with a bot token
//     (notify.ChannelSlack). The Destination is a channel ID; the provider
//     ID returned is the message "ts".
//
// Both render the same Block Kit message (see Blocks) and classify failures
// for the engine: HTTP 429 is retryable after the Retry-After seconds Slack
// sends; 5xx and Slack's transient error codes are retryable; everything
// else (a revoked token, an archived channel) is permanent.
//
// Slack rate-limits per app and method, not per destination: a 429 from
// chat.postMessage means every chat delivery should wait, which is why chat
// runs on its own queue (notify.QueueChat) and the engine should pause that
// whole queue for RetryAfter.
package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/warroom/warroom/notify"
)

// Both notifiers implement notify.Notifier.
var (
	_ notify.Notifier = (*Webhook)(nil)
	_ notify.Notifier = (*API)(nil)
)

// DefaultBaseURL is the Slack Web API root.
const DefaultBaseURL = "https://slack.com/api"

const (
	defaultUserAgent = "warroom-slack/1"
	maxResponseBytes = 64 << 10
	// contentType names the charset explicitly: Slack answers a JSON body
	// without it with a missing_charset warning.
	contentType = "application/json; charset=utf-8"
)

// payload is the JSON body both endpoints accept. Unfurling is disabled
// because the only links in a page are the bridge and the signed ack URL:
// previews add noise, and an unfurler fetching the ack URL must not count
// as a human acknowledging.
type payload struct {
	Channel     string  `json:"channel,omitempty"`
	Text        string  `json:"text"`
	Blocks      []Block `json:"blocks,omitempty"`
	UnfurlLinks bool    `json:"unfurl_links"`
	UnfurlMedia bool    `json:"unfurl_media"`
}

func encode(p payload) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Keep "&", "<", ">" literal: the text is already mrkdwn-escaped, and
	// "\u0026amp;" only makes request logs harder to read.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// WebhookConfig configures the incoming-webhook notifier.
type WebhookConfig struct {
	// UserAgent is sent with every request; "" means "warroom-slack/1".
	UserAgent string
}

// Webhook delivers notify.ChannelSlackWebhook messages to Slack incoming
// webhooks. It is safe for concurrent use.
type Webhook struct {
	cfg    WebhookConfig
	client *http.Client
	clock  func() time.Time
}

// NewWebhook returns an incoming-webhook notifier. client nil means a client
// with a 30-second timeout; clock (for Retry-After dates) nil means
// time.Now.
func NewWebhook(cfg WebhookConfig, client *http.Client, clock func() time.Time) *Webhook {
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	return &Webhook{cfg: cfg, client: orDefault(client), clock: orNow(clock)}
}

// Channel returns notify.ChannelSlackWebhook.
func (w *Webhook) Channel() string { return notify.ChannelSlackWebhook }

// Send posts {"text", "blocks", "unfurl_links", "unfurl_media"} to the
// webhook URL in m.Destination. Slack answers 200 with the body "ok";
// anything else on a 200 means the URL is not a Slack webhook and fails
// permanently (the message may have been accepted, so retrying could
// duplicate it). Errors never include the URL, which is a credential.
func (w *Webhook) Send(ctx context.Context, m notify.Message) (string, error) {
	u, err := url.Parse(m.Destination)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", notify.Permanent(0, errors.New("slack webhook: destination is not an absolute http(s) URL"))
	}
	body, err := encode(payload{Text: FallbackText(m), Blocks: Blocks(m)})
	if err != nil {
		return "", notify.Permanent(0, fmt.Errorf("slack webhook: encoding message: %w", err))
	}
	status, header, respBody, err := post(ctx, w.client, u.String(), body, w.cfg.UserAgent, "")
	if err != nil {
		return "", notify.Temporary(0, 0, fmt.Errorf("slack webhook: %w", err))
	}
	if status != http.StatusOK {
		de := notify.HTTPStatusError(status, header, respBody, w.clock())
		if code := de.Response; slackErrorCode.MatchString(code) {
			// Slack's documented reason (no_service, channel_is_archived)
			// is the short reason everyone needs, not a receiver's page.
			de.Err = fmt.Errorf("%w: %s", de.Err, code)
		}
		return "", wrap("slack webhook", de)
	}
	if got := strings.TrimSpace(string(respBody)); got != "ok" {
		return "", notify.Permanent(status, fmt.Errorf("slack webhook: unexpected response %q, want \"ok\"", notify.BodySnippet(respBody)))
	}
	return "", nil
}

// APIConfig configures the chat.postMessage notifier.
type APIConfig struct {
	// Token is the bot token ("xoxb-…") with the chat:write scope. It is
	// sent only in the Authorization header and never appears in errors.
	Token string
	// BaseURL is the Web API root; "" means DefaultBaseURL. Tests point it
	// at a local server.
	BaseURL string
	// UserAgent is sent with every request; "" means "warroom-slack/1".
	UserAgent string
}

// API delivers notify.ChannelSlack messages with chat.postMessage. It is
// safe for concurrent use.
type API struct {
	cfg      APIConfig
	endpoint string
	client   *http.Client
	clock    func() time.Time
}

// NewAPI returns a chat.postMessage notifier. It fails if the token is
// missing or the base URL is not an absolute http(s) URL. client nil means a
// client with a 30-second timeout; clock (for Retry-After dates) nil means
// time.Now.
func NewAPI(cfg APIConfig, client *http.Client, clock func() time.Time) (*API, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("slack: APIConfig.Token is empty")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("slack: APIConfig.BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	return &API{
		cfg:      cfg,
		endpoint: strings.TrimRight(cfg.BaseURL, "/") + "/chat.postMessage",
		client:   orDefault(client),
		clock:    orNow(clock),
	}, nil
}

// Channel returns notify.ChannelSlack.
func (a *API) Channel() string { return notify.ChannelSlack }

// apiResponse is the part of a Web API response warroom reads.
type apiResponse struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error"`
	TS      string `json:"ts"`
	Warning string `json:"warning"`
}

// retryableAPIErrors are the chat.postMessage error codes that describe
// Slack's state rather than the request's, so the same request can succeed
// later. Every other code (invalid_auth, channel_not_found, not_in_channel,
// is_archived, invalid_blocks...) is permanent.
var retryableAPIErrors = map[string]bool{
	"ratelimited":         true,
	"rate_limited":        true,
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
}

// Send posts {"channel", "text", "blocks", "unfurl_links", "unfurl_media"}
// to chat.postMessage with the bot token and returns the new message's ts.
// Slack reports most failures as HTTP 200 with {"ok": false, "error":
// code}; HTTP 429 carries Retry-After in seconds, which becomes
// DeliveryError.RetryAfter.
func (a *API) Send(ctx context.Context, m notify.Message) (string, error) {
	if strings.TrimSpace(m.Destination) == "" {
		return "", notify.Permanent(0, errors.New("slack: destination channel is empty"))
	}
	body, err := encode(payload{Channel: m.Destination, Text: FallbackText(m), Blocks: Blocks(m)})
	if err != nil {
		return "", notify.Permanent(0, fmt.Errorf("slack: encoding message: %w", err))
	}
	status, header, respBody, err := post(ctx, a.client, a.endpoint, body, a.cfg.UserAgent, a.cfg.Token)
	if err != nil {
		return "", notify.Temporary(0, 0, fmt.Errorf("slack: chat.postMessage: %w", err))
	}
	retryAfter := notify.ParseRetryAfter(header.Get("Retry-After"), a.clock())

	var r apiResponse
	decodeErr := json.Unmarshal(respBody, &r)
	switch {
	case status == http.StatusTooManyRequests:
		return "", notify.Temporary(status, retryAfter, errors.New("slack: chat.postMessage: ratelimited"))
	case status != http.StatusOK && (decodeErr != nil || r.Error == ""):
		return "", wrap("slack: chat.postMessage", notify.HTTPStatusError(status, header, respBody, a.clock()))
	case decodeErr != nil:
		// A 200 that is not JSON came from something in front of Slack
		// (a proxy, a captive portal); Slack itself did not answer.
		return "", notify.Temporary(status, retryAfter, fmt.Errorf("slack: chat.postMessage: malformed response: %q", notify.BodySnippet(respBody)))
	case r.OK:
		return r.TS, nil
	}
	code := r.Error
	if code == "" {
		code = "unknown_error"
	}
	err = fmt.Errorf("slack: chat.postMessage: %s", code)
	if retryableAPIErrors[code] || status >= 500 {
		return "", notify.Temporary(status, retryAfter, err)
	}
	return "", notify.Permanent(status, err)
}

// post sends one JSON POST and returns the status, headers and the start of
// the body. It returns an error only when no response arrived. token, when
// set, goes in the Authorization header. Transport errors are stripped of
// the URL, which for a webhook is a credential.
func post(ctx context.Context, client *http.Client, endpoint string, body []byte, userAgent, token string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", userAgent)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	return resp.StatusCode, resp.Header, respBody, nil
}

// slackErrorCode is the body Slack's incoming webhooks answer a failure
// with: one lower-case code such as channel_is_archived.
var slackErrorCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// wrap prefixes a classified error's message without losing its class.
func wrap(prefix string, de *notify.DeliveryError) *notify.DeliveryError {
	de.Err = fmt.Errorf("%s: %w", prefix, de.Err)
	return de
}

func orDefault(c *http.Client) *http.Client {
	if c == nil {
		// http.DefaultClient has no timeout; a hung Slack must not hold a
		// chat worker forever.
		return &http.Client{Timeout: 30 * time.Second}
	}
	return c
}

func orNow(clock func() time.Time) func() time.Time {
	if clock == nil {
		return time.Now
	}
	return clock
}
