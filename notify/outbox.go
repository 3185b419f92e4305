package notify

import (
	"context"
	"time"
)

// Outbox is a message waiting to be delivered, or delivered: the durable
// record the engine keeps for every notification, with its state and
// delivery history.
type Outbox struct {
	Message
	Queue          string    `json:"queue"` // QueuePage or QueueChat
	State          State     `json:"state"`
	UserID         string    `json:"user_id,omitempty"` // the person paged, if any
	DueAt          time.Time `json:"due_at"`            // not before; moved by retries and throttles
	Attempts       int       `json:"attempts"`
	ThrottleReason string    `json:"throttle_reason,omitempty"` // why a throttle delayed it, while it does
	LastError      string    `json:"last_error,omitempty"`
	// LastResponse is the start of the provider's answer to the last
	// retry or failure (DeliveryError.Response): for admins only.
	LastResponse string     `json:"last_response,omitempty"`
	ProviderID   string     `json:"provider_id,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
}

// Attempt is one try at delivering a message.
type Attempt struct {
	MessageID  string    `json:"message_id"`
	At         time.Time `json:"at"`
	Outcome    string    `json:"outcome"` // "sent", "retry", "failed", "throttled", "cancelled"
	Detail     string    `json:"detail,omitempty"`
	ProviderID string    `json:"provider_id,omitempty"`
	// Response is the start of the provider's response body, when it
	// refused the message (DeliveryError.Response). A receiver a user
	// chose may answer with anything, so only admins are shown it.
	Response string `json:"response,omitempty"`
}

// OutboxStore keeps outbox messages. A message moves pending → sending
// (committed before the network call, with a lease) → sent or failed; a
// "sending" message whose lease expired is claimed again.
type OutboxStore interface {
	// EnqueueMessages stores new pending messages; a message whose ID
	// exists is skipped, so enqueueing is safe to repeat.
	EnqueueMessages(ctx context.Context, msgs []Outbox) error
	// ClaimMessages marks up to n messages of queue due at now as sending,
	// leased to owner until now+lease, and returns them.
	ClaimMessages(ctx context.Context, queue, owner string, now time.Time, lease time.Duration, n int) ([]Outbox, error)
	// FinishMessage records an attempt and moves a message owned by owner
	// to state, due again at dueAt when it goes back to pending.
	FinishMessage(ctx context.Context, id, owner string, state State, dueAt time.Time, a Attempt) error
	// RecentSends returns the times messages were sent to destination
	// since the given time, for throttles.
	RecentSends(ctx context.Context, destination string, since time.Time) ([]time.Time, error)
	// FindMessage returns a message; ListAttempts its delivery history.
	FindMessage(ctx context.Context, id string) (*Outbox, error)
	ListAttempts(ctx context.Context, id string) ([]Attempt, error)
	// ListMessages returns the messages about an incident or alert.
	ListMessages(ctx context.Context, incidentID, alertID string) ([]*Outbox, error)
	// NextMessageDue returns when the earliest pending message of queue
	// falls due.
	NextMessageDue(ctx context.Context, queue string) (time.Time, bool, error)
}
