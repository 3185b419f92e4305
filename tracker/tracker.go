// Package tracker turns incidents and action items into tickets in an
// issue tracker (GitHub Issues, Jira Cloud) and follows the tickets' state
// back into warroom: the tracker's webhooks report changes at once, and a
// durable poll of open tickets is the safety net (issue 12, items 8 and 9;
// seed 000: "IC creates an Incident ticket", "IC creates sub-tasks in the
// incident ticket for follow-up actions").
//
// Clients (packages tracker/github and tracker/jira) take plain values and
// return a Ref; they never retry by themselves: a rate limit or an outage
// comes back as an error carrying when to try again (RetryAt), so that the
// engine job that called keeps the work durable.
package tracker

import (
	"context"
	"errors"
	"time"

	"github.com/warroom/warroom"
)

// Kind names a tracker.
type Kind string

// The trackers warroom speaks to.
const (
	GitHub Kind = "github" // GitHub Issues, REST v3
	Jira   Kind = "jira"   // Jira Cloud, REST v3
)

// Kinds lists the known kinds, for messages and validation.
var Kinds = []Kind{GitHub, Jira}

// State is a ticket's state, the same for every tracker: GitHub issues are
// open or closed (done); Jira statuses fall into the categories To Do
// (open), In Progress and Done.
type State string

// Ticket states.
const (
	StateOpen       State = "open"
	StateInProgress State = "in_progress"
	StateDone       State = "done"
)

// Ref is a ticket as warroom knows it.
type Ref struct {
	Kind Kind `json:"kind"`
	// Key identifies the ticket in its tracker: "OPS-12" (Jira),
	// "owner/repo#12" (GitHub).
	Key    string `json:"key"`
	URL    string `json:"url"`   // where a person opens it
	State  State  `json:"state"` // normalised state
	Status string `json:"status"`
}

// NewTicket is what a ticket is created from.
type NewTicket struct {
	Title string
	Body  string // plain text; Markdown on GitHub, paragraphs in Jira
	// Assignee is an email address or the tracker's login. Jira looks the
	// email up (user/search); GitHub takes a login, or an email it can
	// find among public profiles. One the tracker does not know leaves the
	// ticket unassigned and is named in its body instead, so that the
	// ticket is still made.
	Assignee string
	Due      time.Time // zero: none; Jira's duedate, a line of the body on GitHub
	Labels   []string
	// Parent is the key of the ticket this one belongs to: a Jira
	// sub-task, or on GitHub an issue that names its parent and is named
	// in a comment on it (linked issues; GitHub has no sub-tasks here).
	Parent string
	// Marker is unique to what the ticket is for (an incident, an action
	// item). It is written into the ticket, so that a creation retried
	// after an answer that was lost finds the ticket (FindByMarker)
	// instead of making a second one.
	Marker string
}

// Client talks to one tracker project or repository. Every method returns
// *warroom.Error codes: EUnauthorized (bad credentials), EForbidden (no
// permission), ENotFound (no such ticket, project or repository, or it is
// gone), EInvalid (the tracker refused the fields), EConflict (a state the
// workflow cannot reach), ERateLimited (see RetryAt), EUnavailable (the
// tracker is down or unreachable).
type Client interface {
	Kind() Kind
	// Create makes a ticket.
	Create(ctx context.Context, t NewTicket) (Ref, error)
	// FindByMarker returns the ticket made with marker, or ENotFound.
	FindByMarker(ctx context.Context, marker string) (Ref, error)
	// Get returns a ticket's current state.
	Get(ctx context.Context, key string) (Ref, error)
	// SetState moves a ticket to state (close, reopen, start) and returns
	// it; a ticket already there is left alone.
	SetState(ctx context.Context, key string, state State) (Ref, error)
	// Edit replaces a ticket's title and description with t's (Title,
	// Body, Due, Parent and Marker are written as Create writes them;
	// assignee and labels are left alone): an incident whose details
	// changed, or that became private.
	Edit(ctx context.Context, key string, t NewTicket) error
	// SetAssignee assigns a ticket to who (an email or login, as
	// NewTicket.Assignee); someone the tracker cannot assign leaves the
	// ticket as it is (nil error), as Create does.
	SetAssignee(ctx context.Context, key, who string) error
	// LinkChild records that child belongs to parent where the tracker
	// cannot say so by itself (GitHub: a comment on the parent naming the
	// child; Jira: an issue link). Idempotent.
	LinkChild(ctx context.Context, parent, child string) error
	// AddLink puts a web link on a ticket (the postmortem). Idempotent:
	// the same URL is not added twice.
	AddLink(ctx context.Context, key, title, url string) error
}

// RateLimited is the error of a tracker that asked warroom to slow down:
// try again at RetryAt (from Retry-After, or GitHub's X-RateLimit-Reset).
type RateLimited struct {
	RetryAt time.Time
	Err     *warroom.Error
}

func (r *RateLimited) Error() string { return r.Err.Error() }

// Unwrap returns the warroom error (code ERateLimited).
func (r *RateLimited) Unwrap() error { return r.Err }

// RetryAt returns when a rate-limited call may be tried again, if err says.
func RetryAt(err error) (time.Time, bool) {
	var r *RateLimited
	if errors.As(err, &r) {
		return r.RetryAt, true
	}
	return time.Time{}, false
}

// ParseKind returns the kind named by s, or an EInvalid error naming
// field.
func ParseKind(field, s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", warroom.Invalid(field, "unknown tracker kind %q: use github or jira", s)
}
