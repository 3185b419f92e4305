package chat

import (
	"context"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// State is where the chat work of an incident stands: its channel, the
// cursor over its timeline (every step of the events up to Seq is done,
// and the first Step steps of the event after it), what the channel's
// topic and description were last set to, and the last failure. The API
// shows it on the incident (with its Posts).
type State struct {
	IncidentID  string     `json:"incident_id"`
	Provider    string     `json:"provider"`
	ChannelID   string     `json:"channel_id,omitempty"`
	ChannelName string     `json:"channel_name,omitempty"`
	Seq         int64      `json:"done_seq"`
	Step        int        `json:"done_steps"`
	Topic       string     `json:"topic,omitempty"`
	Purpose     string     `json:"purpose,omitempty"`
	Archived    bool       `json:"archived"`
	Attempts    int        `json:"attempts"` // failed attempts since the last step that went through
	LastError   string     `json:"last_error,omitempty"`
	RetryAt     *time.Time `json:"retry_at,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// Pending is how many timeline events still have chat work to do
	// (filled in by Status).
	Pending int `json:"pending"`
	// Posts are the steps done, oldest first (filled in by Status).
	Posts []Post `json:"posts,omitempty"`
}

// Post is one step done: what was done for which event, where, the chat
// system's ID of the message, or why the chat system refused it.
type Post struct {
	Seq    int64      `json:"seq"`
	Step   int        `json:"step"`
	Kind   ActionKind `json:"kind"`
	Target string     `json:"target,omitempty"`
	Ref    string     `json:"ref,omitempty"`
	Error  string     `json:"error,omitempty"`
	At     time.Time  `json:"at"`
}

// Store keeps the chat state. Implementation: sqlstore.
type Store interface {
	FindIncident(ctx context.Context, idOrRef string) (*warroom.Incident, error)
	Timeline(ctx context.Context, incidentID string, after int64, limit int) ([]warroom.Event, error)
	FindUser(ctx context.Context, idOrHandle string) (*warroom.User, error)
	// LeaseChat takes the chat work of an incident for owner until
	// now+lease, making its state if there is none, and returns the
	// state. EConflict while another owner holds it (its lease end in
	// the error's state is returned with it).
	LeaseChat(ctx context.Context, incidentID, provider, owner string, now time.Time, lease time.Duration) (*State, error)
	// SaveChat stores st (cursor, channel, failure) and, if post is not
	// nil, records it, and extends owner's lease to until, in one
	// transaction; EConflict if owner no longer holds the lease.
	SaveChat(ctx context.Context, st *State, owner string, until time.Time, post *Post) error
	// ReleaseChatLeases gives up every lease of chat work (SQLite at
	// start: one process owns the file, so the leases left are those of
	// a process that died) and returns how many.
	ReleaseChatLeases(ctx context.Context) (int, error)
	// ReleaseChat gives up owner's lease.
	ReleaseChat(ctx context.Context, incidentID, owner string) error
	// ChatState returns an incident's chat state with its posts;
	// ENotFound if there is none.
	ChatState(ctx context.Context, incidentID string) (*State, error)
	// ChatIncident returns the incident whose channel is channelID;
	// ENotFound.
	ChatIncident(ctx context.Context, provider, channelID string) (string, error)
	// ChatUser returns the warroom user linked to a chat user; ENotFound.
	ChatUser(ctx context.Context, provider, chatUserID string) (string, error)
	// LinkChatUser links a chat user to a warroom user; explicit links
	// (from the profile) replace links found by email, never the other
	// way round.
	LinkChatUser(ctx context.Context, provider, chatUserID, userID string, explicit bool, at time.Time) error
	// ChatUserOf returns the chat user linked to a warroom user; ENotFound.
	ChatUserOf(ctx context.Context, provider, userID string) (string, error)
	// FindUserByEmail returns the user with that email (case-insensitive);
	// ENotFound.
	FindUserByEmail(ctx context.Context, email string) (*warroom.User, error)
	engine.Store
}
