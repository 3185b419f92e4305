package warroom

import (
	"context"
	"time"
)

// Idempotency identifies a retried command. A client that sends the same
// Key again gets the first result and creates nothing new; the same Key
// with a different request (RequestHash) is a conflict. Keys are scoped to
// the user who sent them. The zero value means "not idempotent".
type Idempotency struct {
	UserID      string
	Key         string
	RequestHash string
}

// CommandResult is what a command did: the incident's state after it and
// the events it appended. Replayed is true when the result is the stored
// result of an earlier request with the same idempotency key.
type CommandResult struct {
	Incident *Incident `json:"incident"`
	Events   []Event   `json:"events"`
	Replayed bool      `json:"-"`
}

// RecordedAnswer is the answer to a request that is not an incident
// command (a postmortem's review step, a new action item), kept under its
// Idempotency key so that a retry gets it again instead of making the
// change twice.
type RecordedAnswer struct {
	Status int    `json:"status"`
	Body   []byte `json:"body"`
}

// RequestReplays keeps the answers of such requests. Keys share the scope
// of incident commands' (a key is one request of one user, whatever the
// route).
type RequestReplays interface {
	// BeginRequest reserves the key for a new request and returns nil,
	// or returns the answer recorded for it (the same request made
	// before). EConflict if the key was used for a different request, or
	// its first request is still running (a reservation older than
	// ReplayReservation is taken over: that request died).
	BeginRequest(ctx context.Context, id Idempotency, now time.Time) (*RecordedAnswer, error)
	// FinishRequest records the answer of the request that reserved the
	// key; with nil (the request failed and changed nothing), it frees
	// the key for a retry.
	FinishRequest(ctx context.Context, id Idempotency, answer *RecordedAnswer) error
}

// ReplayReservation is how long a key reserved by BeginRequest waits for
// its request's answer before a retry may take it over.
const ReplayReservation = 2 * time.Minute

// IncidentFilter selects incidents for a list. Viewer decides which
// private incidents are included: only those the viewer takes part in,
// unless the viewer is an admin.
type IncidentFilter struct {
	Viewer    Actor
	Open      *bool    // nil: open and closed
	Severity  Severity // "": any
	ServiceID string   // "": any
	Query     string   // case-insensitive text in the title, summary or ref
	Major     *bool
	Stage     Stage // "": any
	Limit     int   // 0: the store's default (100)
	Offset    int
}

// IncidentStore keeps incidents' events and read models. Each method is
// one transaction. Commands run inside the transaction with the incident
// locked, so two commands on one incident are serialized and each decides
// against the state the other left.
type IncidentStore interface {
	// DeclareIncident allocates the next incident number, calls build with
	// it, and stores the events build returns and the folded read model.
	// With an idempotency key already used, it returns the first result
	// (Replayed) without calling build; EConflict if the key was used for a
	// different request.
	DeclareIncident(ctx context.Context, id Idempotency, build func(number int64) ([]Event, error)) (*CommandResult, error)
	// UpdateIncident locks the incident (by ID or ref), calls decide with
	// its current state, and appends the events decide returns, updating
	// the read model. ENotFound; idempotency as for DeclareIncident; any
	// error decide returns.
	UpdateIncident(ctx context.Context, idOrRef string, id Idempotency, decide func(inc *Incident) ([]Event, error)) (*CommandResult, error)
	// FindIncident returns an incident's read model by ID or ref
	// ("INC-42"); ENotFound. Visibility is the caller's to check.
	FindIncident(ctx context.Context, idOrRef string) (*Incident, error)
	// ListIncidents returns incidents matching the filter, newest first.
	ListIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, error)
	// Timeline returns an incident's events with Seq > after, oldest
	// first, at most limit of them (0: all).
	Timeline(ctx context.Context, incidentID string, after int64, limit int) ([]Event, error)
}

// Store is everything warroom keeps.
type Store interface {
	Directory
	IncidentStore
	// Ping checks that the database answers; used by /readyz.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Clock returns the current time. Services take one so that tests control
// time.
type Clock func() time.Time
