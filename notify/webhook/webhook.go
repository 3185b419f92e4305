// Package webhook delivers notifications as signed JSON POSTs to any HTTP
// receiver (a chat bridge, a ticketing system, a home-grown pager).
//
// # Request
//
//	POST <Message.Destination>
//	Content-Type: application/json
//	User-Agent: warroom-webhook/1
//	X-Warroom-Delivery: <message ID, identical on every retry>
//	X-Warroom-Timestamp: <unix seconds>
//	X-Warroom-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
//
// The body is a Payload:
//
//	{
//	  "id": "msg_123",                  // outbox message ID; dedupe on it
//	  "kind": "page",                   // page | announcement | update
//	  "incident_id": "inc_42",          // "" when none
//	  "alert_id": "al_7",               // "" when none
//	  "subject": "SEV1: checkout down",
//	  "text": "Error rate 40%",
//	  "fields": [{"name": "Severity", "value": "SEV1"}],  // ordered; [] when none
//	  "ack_url": "https://warroom.example.com/ack/…",     // "" when none
//	  "sent_at": "2026-03-01T12:00:00Z" // RFC 3339, UTC, time of this attempt
//	}
//
// Every key is always present, so receivers need no optional handling.
//
// # Verifying
//
// The signature covers the timestamp as well as the body, so a captured
// request cannot be replayed later with a fresh timestamp; receivers call
// Verify with the raw body (before any JSON decoding) and reject requests
// outside a few minutes' tolerance. This is the scheme Stripe and Slack use.
//
// # Outcome
//
// Any 2xx is success. 408, 429 and 5xx are retried, honouring Retry-After;
// any other status is permanent, including a redirect, which is never
// followed. A receiver that is down (connection refused, timeout) is
// retried. A destination a user set that resolves to a loopback, private,
// link-local or metadata address is refused when it is dialed (package
// notify/outbound), permanently.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/outbound"
)

var _ notify.Notifier = (*Notifier)(nil)

// Header names set on every request.
const (
	HeaderSignature = "X-Warroom-Signature"
	HeaderTimestamp = "X-Warroom-Timestamp"
	HeaderDelivery  = "X-Warroom-Delivery"
)

// SignaturePrefix names the algorithm in the signature header, leaving
// room for another algorithm without breaking receivers.
const SignaturePrefix = "sha256="

// DefaultTolerance is the clock difference Verify accepts when given a
// tolerance of 0: long enough for clock skew and a slow retry path, short
// enough that a captured request is useless soon after.
const DefaultTolerance = 5 * time.Minute

// Errors returned by Verify. They are distinct so a receiver can log why a
// request was refused, but it should answer all of them the same way (401).
var (
	ErrNoSecret          = errors.New("webhook: empty secret")
	ErrBadTimestamp      = errors.New("webhook: malformed timestamp")
	ErrStaleTimestamp    = errors.New("webhook: timestamp outside tolerance")
	ErrBadSignature      = errors.New("webhook: malformed signature")
	ErrSignatureMismatch = errors.New("webhook: signature does not match")
)

// Payload is the JSON body of every webhook request; see the package
// documentation for the schema.
type Payload struct {
	ID         string         `json:"id"`
	Kind       string         `json:"kind"`
	IncidentID string         `json:"incident_id"`
	AlertID    string         `json:"alert_id"`
	Subject    string         `json:"subject"`
	Text       string         `json:"text"`
	Fields     []notify.Field `json:"fields"`
	AckURL     string         `json:"ack_url"`
	SentAt     time.Time      `json:"sent_at"`
}

// NewPayload builds the payload for m as sent at now.
func NewPayload(m notify.Message, now time.Time) Payload {
	fields := m.Fields
	if fields == nil {
		fields = []notify.Field{} // "fields": [] rather than null
	}
	return Payload{
		ID:         m.ID,
		Kind:       m.Kind,
		IncidentID: m.IncidentID,
		AlertID:    m.AlertID,
		Subject:    m.Subject,
		Text:       m.Text,
		Fields:     fields,
		AckURL:     m.AckURL,
		// Whole seconds in UTC, like the signed timestamp, so the two agree.
		SentAt: now.UTC().Truncate(time.Second),
	}
}

// EncodePayload returns the exact body Send posts for p: compact JSON
// without a trailing newline and without HTML escaping, so "&" in an ack
// URL reads as "&" (not "\u0026") to a person debugging a receiver.
func EncodePayload(p Payload) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Config configures the webhook notifier.
type Config struct {
	// UserAgent is sent with every request; "" means "warroom-webhook/1".
	UserAgent string
	// MaxResponseBytes bounds how much of a response is read (to allow
	// connection reuse and to quote it in errors); 0 means 64 KiB.
	MaxResponseBytes int64
	// Trusted lists the destination URLs an admin configured in the
	// server's settings (announcement webhooks). They are reached with
	// TrustedClient, without the outbound guard: an admin may point them
	// at an internal address. Every other destination was set by a user
	// (a webhook contact method) and goes through the guarded client.
	Trusted []string
	// TrustedClient performs the requests to Trusted destinations; nil
	// means a client with a 30-second timeout.
	TrustedClient *http.Client
}

// Notifier delivers ChannelWebhook messages. It is safe for concurrent use.
type Notifier struct {
	cfg     Config
	client  *http.Client
	trusted map[string]bool
	clock   func() time.Time
}

// New returns a webhook notifier. client performs the requests to
// destinations users set; nil means outbound.Policy{}.Client: no loopback,
// private, link-local or metadata address, checked on every connection,
// no redirects followed, a 30-second timeout (a receiver that never
// answers must not hold a page worker forever). Pass a client of an
// outbound.Policy with Allow to open ranges. clock supplies the signed
// timestamp; nil means time.Now.
func New(cfg Config, client *http.Client, clock func() time.Time) *Notifier {
	if cfg.UserAgent == "" {
		cfg.UserAgent = "warroom-webhook/1"
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = 64 << 10
	}
	if client == nil {
		client = outbound.Policy{}.Client(30 * time.Second)
	}
	if cfg.TrustedClient == nil {
		cfg.TrustedClient = &http.Client{Timeout: 30 * time.Second}
	}
	if clock == nil {
		clock = time.Now
	}
	trusted := make(map[string]bool, len(cfg.Trusted))
	for _, u := range cfg.Trusted {
		trusted[u] = true
	}
	return &Notifier{cfg: cfg, client: client, trusted: trusted, clock: clock}
}

// clientFor returns the client that may reach destination.
func (n *Notifier) clientFor(destination string) *http.Client {
	if n.trusted[destination] {
		return n.cfg.TrustedClient
	}
	return n.client
}

// Channel returns notify.ChannelWebhook.
func (n *Notifier) Channel() string { return notify.ChannelWebhook }

// Send POSTs the signed payload for m to m.Destination, signed with
// m.Secret. It returns "" as the provider ID: generic receivers have no
// common way to name what they created. A message without a secret fails
// permanently rather than going out unsigned, because a receiver that
// checks signatures would reject it anyway and one that does not would
// learn to accept forgeries.
func (n *Notifier) Send(ctx context.Context, m notify.Message) (string, error) {
	u, err := url.Parse(m.Destination)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Never echo the URL: it may embed credentials or tokens.
		return "", notify.Permanent(0, errors.New("webhook: destination is not an absolute http(s) URL"))
	}
	if m.Secret == "" {
		return "", notify.Permanent(0, ErrNoSecret)
	}

	now := n.clock()
	body, err := EncodePayload(NewPayload(m, now))
	if err != nil {
		return "", notify.Permanent(0, fmt.Errorf("webhook: encoding payload: %w", err))
	}
	ts := strconv.FormatInt(now.Unix(), 10)

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return "", notify.Permanent(0, fmt.Errorf("webhook: building request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.cfg.UserAgent)
	req.Header.Set(HeaderDelivery, m.ID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(m.Secret, ts, body))

	resp, err := n.clientFor(m.Destination).Do(req)
	if err != nil {
		// Connection refused, TLS failure, timeout, cancellation: the
		// receiver may be back later. Strip the URL from the error.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		var blocked *outbound.BlockedError
		if errors.As(err, &blocked) {
			// The address is refused: retrying reaches the same one.
			return "", notify.Permanent(0, fmt.Errorf("webhook: %w", blocked))
		}
		return "", notify.Temporary(0, 0, fmt.Errorf("webhook: %w", err))
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, n.cfg.MaxResponseBytes))

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return "", nil
	}
	return "", notify.HTTPStatusError(resp.StatusCode, resp.Header, respBody, n.clock())
}

// Sign returns the signature header value for body sent at timestamp (the
// exact X-Warroom-Timestamp string): "sha256=" followed by the lowercase
// hex HMAC-SHA256, keyed with secret, of timestamp + "." + body.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return SignaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a received webhook: signature is the X-Warroom-Signature
// header, timestamp the X-Warroom-Timestamp header and body the raw request
// body, unmodified. It returns nil when the signature matches under secret
// and the timestamp is within tolerance of now in either direction;
// tolerance <= 0 means DefaultTolerance. The comparison is constant-time.
func Verify(secret, timestamp, body, signature string, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return ErrNoSecret
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	hexSig, ok := strings.CutPrefix(signature, SignaturePrefix)
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "." + body))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	skew := now.Sub(time.Unix(sec, 0))
	if skew > tolerance || skew < -tolerance {
		return ErrStaleTimestamp
	}
	return nil
}
