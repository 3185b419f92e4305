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
