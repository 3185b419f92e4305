// Package notify holds what every notification channel shares: the Message a
// channel delivers, the Notifier interface each channel implements, the
// DeliveryError that tells the outbox engine whether to try again, and the
// pure delivery stages the engine applies around a send (Backoff, Throttle,
// Queue).
//
// The split of responsibilities follows Alertmanager's notifiers: a Notifier
// only renders a message for its channel, posts it, and classifies the
// outcome. It keeps no state, never sleeps, never retries and never reads
// the outbox. The engine (outside this package) owns the outbox table, the
// message states (pending, sending, sent, failed), the delivery history, the
// retry schedule and the worker per queue. Keeping notifiers that dumb makes
// each one testable against a fake server and keeps every timing decision in
// one place, where it can be shown to the user.
//
// The channels live in subpackages: notify/email (SMTP), notify/slack
// (incoming webhooks and chat.postMessage) and notify/webhook (a generic
// JSON webhook signed with HMAC-SHA256).
package notify

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Message kinds. The kind changes how urgently a message is rendered (a page
// asks for acknowledgement, an update does not); it never changes routing.
const (
	// KindPage asks a responder to act. Every page is about an alert or
	// an incident, and carries an AckURL when it is sent.
	KindPage = "page"
	// KindAnnouncement tells stakeholders an incident was declared.
	KindAnnouncement = "announcement"
	// KindUpdate is a status update on an incident already announced.
	KindUpdate = "update"
)

// Channel names, as stored in Message.Channel and returned by
// Notifier.Channel. They are persisted in the outbox, so they never change.
const (
	// ChannelEmail delivers over SMTP; Destination is an email address.
	ChannelEmail = "email"
	// ChannelSlackWebhook posts to a Slack incoming webhook; Destination is
	// the webhook URL (which embeds a secret, so never log or display it).
	ChannelSlackWebhook = "slack_webhook"
	// ChannelSlack posts with the Slack Web API (chat.postMessage);
	// Destination is a channel ID such as C0123456789.
	ChannelSlack = "slack"
	// ChannelWebhook POSTs signed JSON; Destination is the receiver's URL.
	ChannelWebhook = "webhook"
)

// Queue names returned by Queue.
const (
	// QueueChat carries chat deliveries (Slack). Chat APIs rate-limit per
	// workspace and answer 429 with long Retry-After values; isolating them
	// means a throttled Slack can never hold up a page.
	QueueChat = "chat"
	// QueuePage carries deliveries that wake people or machines up: email
	// and generic webhooks.
	QueuePage = "page"
)

// State is the delivery state of an outbox message. The engine stores it; it
// is defined here so that every package spells the states the same way.
type State string

// The outbox states. A message moves pending → sending → sent, or back to
// pending (with a later due time) after a retryable failure, or to failed
// after a permanent failure or when its attempts are exhausted.
const (
	StatePending State = "pending"
	StateSending State = "sending"
	StateSent    State = "sent"
	StateFailed  State = "failed"
)

// Field is one labelled value shown with a message (incident number,
// severity, service, bridge URL...). Fields are a slice rather than a map
// because their order is part of the rendering: responders scan the same
// positions in every page, and tests can assert exact bytes.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Message is one notification to one destination over one channel: a row of
// the outbox. It is channel-neutral; each Notifier renders it in its own
// format. All fields are plain strings so the engine can store them as-is.
type Message struct {
	// ID identifies the outbox row. It is stable across retries, so channels
	// use it for idempotency: the email Message-ID and the webhook
	// X-Warroom-Delivery header are derived from it and let receivers drop
	// duplicates caused by a retry after an ambiguous failure.
	ID string
	// Kind is KindPage, KindAnnouncement or KindUpdate.
	Kind string
	// Channel names the Notifier that delivers the message (ChannelEmail...).
	Channel string
	// Destination is channel-specific: an email address, a Slack
	// incoming-webhook URL, a Slack channel ID, or a webhook URL. It is also
	// the key the Throttle counts sends against.
	Destination string
	// Subject is a one-line summary: the email subject, the bold first line
	// in Slack, "subject" in the webhook JSON.
	Subject string
	// Text is the body, in plain text. Channels escape it for their format.
	Text string
	// Fields are shown after Text, in order.
	Fields []Field
	// AckURL is the signed one-click acknowledgement link, a credential.
	// The engine adds one to every page when it sends it, computed from
	// the page's alert or incident and person: it is never stored with
	// the message. Channels render it as a button or a trailing link.
	AckURL string
	// IncidentID and AlertID tie the message to what caused it. Either may
	// be empty (an announcement has no alert).
	IncidentID string
	AlertID    string
	// CC lists addresses copied on an email (ChannelEmail only): a
	// customer's manager on every customer update. The paging outbox does
	// not keep it; customer updates keep their own delivery rows (comms).
	CC []string
	// Secret is the HMAC key for ChannelWebhook. The engine adds it when
	// it sends the message, from the server's settings (it is never
	// stored with the message), so that the webhook notifier stays
	// stateless; it must never be rendered anywhere.
	Secret string
	// Unsubscribe is the one-click unsubscribe link of a status page
	// subscriber (ChannelEmail: the List-Unsubscribe header, RFC 8058).
	Unsubscribe string
	// Calendar is an iCalendar meeting request (METHOD:REQUEST) sent with
	// the text (ChannelEmail: a text/calendar part, so mail clients offer
	// to accept it): the Post Mortem Review invitation. The outbox does
	// not keep it; the after-the-fire jobs send invitations themselves.
	Calendar string
}

// Validate reports whether m can be enqueued. The engine calls it when it
// creates the outbox row, so a malformed message fails loudly at once rather
// than after its retries. The credentials (AckURL, Secret) are not part of
// it: they are added when the message is sent. Notifiers deliberately do
// not call it: a page that somehow lost its AckURL is still better
// delivered than dropped.
func (m Message) Validate() error {
	var problems []string
	if m.ID == "" {
		problems = append(problems, "ID is empty")
	}
	switch m.Kind {
	case KindPage, KindAnnouncement, KindUpdate:
	default:
		problems = append(problems, fmt.Sprintf("unknown kind %q", m.Kind))
	}
	if Queue(m.Channel) == "" {
		problems = append(problems, fmt.Sprintf("unknown channel %q", m.Channel))
	}
	if strings.TrimSpace(m.Destination) == "" {
		problems = append(problems, "destination is empty")
	}
	if m.Kind == KindPage && m.AlertID == "" && m.IncidentID == "" {
		problems = append(problems, "a page needs an alert or an incident to acknowledge")
	}
	if m.Subject == "" && m.Text == "" {
		problems = append(problems, "subject and text are both empty")
	}
	if len(problems) > 0 {
		return fmt.Errorf("notify: invalid message: %s", strings.Join(problems, "; "))
	}
	return nil
}

// PlainText renders the body of m as plain text: Text, then one "Name: Value"
// line per field, then the acknowledgement link. Channels without rich
// formatting (email) use it as the whole body; rich channels use it as the
// fallback shown in push notifications and read by screen readers. Line
// endings are "\n".
func (m Message) PlainText() string {
	var b strings.Builder
	text := strings.TrimRight(normalizeNewlines(m.Text), "\n")
	if text != "" {
		b.WriteString(text)
		b.WriteString("\n")
	}
	if len(m.Fields) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		for _, f := range m.Fields {
			b.WriteString(f.Name)
			b.WriteString(": ")
			b.WriteString(normalizeNewlines(f.Value))
			b.WriteString("\n")
		}
	}
	if m.AckURL != "" {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("Acknowledge: ")
		b.WriteString(m.AckURL)
		b.WriteString("\n")
	}
	return b.String()
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// Notifier delivers messages over one channel. Send renders m, posts it to
// m.Destination and returns the provider's identifier for the delivered
// message (an SMTP Message-ID, a Slack ts; "" when the provider gives none),
// which the engine records in the delivery history.
//
// On failure Send returns an error that IsRetryable and RetryAfter can
// classify, normally a *DeliveryError. Send must not retry or sleep itself:
// the engine decides when to try again, records every attempt, and shows
// the reason. Send must honour ctx's deadline and cancellation. A Notifier
// must be safe for concurrent use.
type Notifier interface {
	Channel() string
	Send(ctx context.Context, m Message) (providerID string, err error)
}

// Queue returns the worker queue for a channel: QueueChat for Slack,
// QueuePage for email and webhooks, and "" for a channel this package does
// not know (the engine should fail such a message rather than guess).
func Queue(channel string) string {
	switch channel {
	case ChannelSlack, ChannelSlackWebhook:
		return QueueChat
	case ChannelEmail, ChannelWebhook:
		return QueuePage
	}
	return ""
}

// Registry maps channel names to Notifiers so the engine can dispatch a
// message by its Channel. It is immutable after NewRegistry and therefore
// safe for concurrent use.
type Registry struct {
	byChannel map[string]Notifier
}

// NewRegistry returns a Registry of the given notifiers. Two notifiers for
// the same channel are a configuration error.
func NewRegistry(notifiers ...Notifier) (*Registry, error) {
	r := &Registry{byChannel: make(map[string]Notifier, len(notifiers))}
	for _, n := range notifiers {
		if n == nil {
			return nil, errors.New("notify: nil notifier")
		}
		ch := n.Channel()
		if _, dup := r.byChannel[ch]; dup {
			return nil, fmt.Errorf("notify: two notifiers for channel %q", ch)
		}
		r.byChannel[ch] = n
	}
	return r, nil
}

// Notifier returns the notifier for channel, if one is registered.
func (r *Registry) Notifier(channel string) (Notifier, bool) {
	n, ok := r.byChannel[channel]
	return n, ok
}

// Channels returns the registered channel names, sorted.
func (r *Registry) Channels() []string {
	out := make([]string, 0, len(r.byChannel))
	for ch := range r.byChannel {
		out = append(out, ch)
	}
	sort.Strings(out)
	return out
}

// Send delivers m with the notifier registered for m.Channel. A message for
// an unconfigured channel fails permanently: retrying cannot make a
// notifier appear, and the failure is visible in the delivery history.
func (r *Registry) Send(ctx context.Context, m Message) (string, error) {
	n, ok := r.byChannel[m.Channel]
	if !ok {
		return "", Permanent(0, fmt.Errorf("notify: no notifier configured for channel %q", m.Channel))
	}
	return n.Send(ctx, m)
}
