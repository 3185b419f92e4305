// Package chat connects incidents to a chat system: each incident gets a
// channel of its own whose topic and purpose name the Incident Commander,
// the Technical Lead, the bridge and what is failing; responders are
// invited as they join; the announcement goes to the configured channels;
// every stage change, role change, decision, hypothesis outcome and entry
// is posted there, so the channel reads as the timeline; closing the
// incident archives the channel (seeds 003 and 004). People also run the
// incident from the chat (ChatOps: Ops).
//
// The package knows no chat system: Client is what it asks of one, and a
// system is a sibling package implementing it (chat/slack). Adding
// Microsoft Teams or Mattermost means writing chat/teams, not changing
// this package or any incident code.
//
// Nothing here blocks an incident: the chat work of an incident is an
// engine job (KindSync) that the store schedules in the transaction of the
// events that call for it (Reactor), retried until the chat system
// answers, honouring its rate limits, on a queue of its own (Queue) so that
// chat never delays a page. Where the work of an incident stands is a
// durable cursor over its timeline (State), so each post is made once and
// in timeline order.
package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Client is a chat system, as the incident channel needs it. IDs are the
// chat system's own (channel IDs, user IDs). Errors: ErrNameTaken from
// CreateChannel, ErrUserNotFound from the user lookups, *RateLimitedError
// when the system asks to slow down, *PermanentError for a request that no
// retry can fix; anything else is retried.
type Client interface {
	// Provider names the chat system ("slack"); it is stored with the
	// channels and user links it makes.
	Provider() string
	// CreateChannel creates a channel named name (already valid for the
	// system, see ChannelName), private or public.
	CreateChannel(ctx context.Context, name string, private bool) (Channel, error)
	// SetTopic and SetPurpose set a channel's topic and description.
	SetTopic(ctx context.Context, channelID, topic string) error
	SetPurpose(ctx context.Context, channelID, purpose string) error
	// Invite adds people to a channel; inviting a member is not an error.
	Invite(ctx context.Context, channelID string, userIDs ...string) error
	// Post posts m to a channel and returns the message's ID.
	Post(ctx context.Context, channelID string, m Message) (string, error)
	// Archive archives a channel; archiving an archived one is not an
	// error.
	Archive(ctx context.Context, channelID string) error
	// UserByEmail returns the chat user ID of the person with that email.
	UserByEmail(ctx context.Context, email string) (string, error)
	// UserEmail returns the email of a chat user.
	UserEmail(ctx context.Context, userID string) (string, error)
	// ChannelLink returns how a message refers to a channel (a Slack
	// mention "<#C123>"), so readers can click it.
	ChannelLink(channelID string) string
}

// Channel is a chat channel.
type Channel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Message is what is posted: a text and, optionally, labelled fields and
// buttons. Each chat system renders it in its own way.
type Message struct {
	Text    string   `json:"text"`
	Fields  []Field  `json:"fields,omitempty"`
	Buttons []Button `json:"buttons,omitempty"`
}

// Field is a labelled value shown with a message.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Button is an action offered under a message. Action is one of the
// Action* names; Value names what it acts on (the incident's ID).
type Button struct {
	Action string `json:"action"`
	Label  string `json:"label"`
	Value  string `json:"value"`
}

// The actions of buttons and message shortcuts (Ops.Interact).
const (
	ActionAcknowledge   = "acknowledge"
	ActionTakeCommand   = "take_ic"
	ActionAddToTimeline = "add_to_timeline"
)

// ErrNameTaken: a channel of that name exists already.
var ErrNameTaken = errors.New("chat: channel name taken")

// ErrUserNotFound: no chat user has that email or ID.
var ErrUserNotFound = errors.New("chat: user not found")

// RateLimitedError asks to wait RetryAfter before the next call.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("chat: rate limited, retry after %s", e.RetryAfter)
}

// PermanentError is a request the chat system refuses for good (a message
// too long, a user who cannot be invited): retrying cannot help, so the
// step is recorded as failed and the next one runs.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "chat: refused: " + e.Err.Error() }

// Unwrap returns the chat system's error.
func (e *PermanentError) Unwrap() error { return e.Err }

// ErrUnverified: a request that does not prove it comes from the chat
// system (bad or missing signature, stale timestamp, or a replay).
var ErrUnverified = errors.New("chat: request not verified")
