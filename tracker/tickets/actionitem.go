package tickets

import (
	"context"
	"fmt"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/tracker"
)

// ActionItem is what an action item's ticket is made from and kept in
// line with: plain values, so that whoever keeps action items (the
// postmortem) needs nothing of this package but these calls.
type ActionItem struct {
	ID         string `json:"id"`
	IncidentID string `json:"incident_id"`
	Title      string `json:"title"`
	Body       string `json:"body,omitempty"`
	Assignee   string `json:"assignee,omitempty"` // the owner's email (or tracker login)
	// OwnerID is a warroom user whose email is the assignee when Assignee
	// is empty, read when the job runs (not in the caller's transaction).
	OwnerID string    `json:"owner_id,omitempty"`
	Due     time.Time `json:"due,omitempty"`
	Labels  []string  `json:"labels,omitempty"`
	// State is where warroom wants the ticket: done when the item is
	// done in warroom; "" leaves the state to the tracker's people (a
	// ticket closed there is not reopened by a later sync).
	State tracker.State `json:"state,omitempty"`
}

// Validate checks an action item's fields.
func (a ActionItem) Validate() error {
	switch {
	case a.ID == "":
		return warroom.Invalid("id", "name the action item")
	case a.IncidentID == "":
		return warroom.Invalid("incident_id", "name the action item's incident")
	case a.Title == "":
		return warroom.Invalid("title", "an action item's ticket needs a title")
	}
	switch a.State {
	case "", tracker.StateOpen, tracker.StateInProgress, tracker.StateDone:
	default:
		return warroom.Invalid("state", "state %q: use open, in_progress or done", a.State)
	}
	return nil
}

// ActionItemJob is the job that makes an action item's ticket (a sub-task
// of the incident's ticket in Jira, an issue linked to it in GitHub) or
// brings an existing one to a.State, for the caller to schedule in the
// transaction that saves the item, so that the request is never lost.
// The job waits for the incident's ticket; an incident without a tracker
// gets none.
func ActionItemJob(a ActionItem, now time.Time) (engine.Job, error) {
	if err := a.Validate(); err != nil {
		return engine.Job{}, err
	}
	return newJob(KindActionItem, "", a.IncidentID, now, a), nil
}

// SyncActionItem schedules ActionItemJob at once, outside any
// transaction of the caller's, and wakes the engine.
func (s *Service) SyncActionItem(ctx context.Context, a ActionItem) error {
	job, err := ActionItemJob(a, s.cfg.Now())
	if err != nil {
		return err
	}
	if err := s.cfg.Store.Enqueue(ctx, job); err != nil {
		return err
	}
	s.wake()
	return nil
}

// errParentPending says the incident's ticket is not made yet; the job
// runs again after the engine's backoff.
var errParentPending = warroom.Errorf(warroom.EUnavailable, "the incident's ticket is not made yet")

func (s *Service) actionItemJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var a ActionItem
	if err := decode(job, &a); err != nil {
		return nil, err
	}
	parent, err := s.cfg.Store.TicketFor(ctx, tracker.SubjectIncident, a.IncidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		// Either no tracker applies to the incident, or its ticket job
		// has not run yet: look again as the incident's job would.
		inc, ierr := s.cfg.Store.FindIncident(ctx, a.IncidentID)
		if ierr != nil {
			return nil, engine.Permanent{Err: ierr}
		}
		if _, cerr := s.incidentConfig(ctx, inc); warroom.ErrorCode(cerr) == warroom.ENotFound {
			return nil, nil
		}
		return nil, errParentPending
	}
	if err != nil {
		return nil, err
	}
	if parent.Key == "" {
		return nil, errParentPending
	}
	cfg, err := s.cfg.Store.TrackerConfig(ctx, parent.ConfigID)
	if err != nil {
		return nil, engine.Permanent{Err: fmt.Errorf("action item %s: the tracker settings of its incident's ticket: %w", a.ID, err)}
	}
	tk, err := s.cfg.Store.LeaseTicket(ctx, &tracker.Ticket{SubjectKind: tracker.SubjectActionItem, SubjectID: a.ID,
		ConfigID: cfg.ID, Tracker: cfg.Kind, Want: a.State, Parent: parent.Key}, s.cfg.Owner, now, s.cfg.Lease)
	if err != nil {
		return nil, err
	}
	if a.State != "" && tk.Want != a.State {
		if err := s.cfg.Store.SetTicketWant(ctx, tk.SubjectKind, tk.SubjectID, a.State, ""); err != nil {
			return nil, err
		}
		tk.Want = a.State
	}
	return s.sync(ctx, job, tk, cfg, now, func(ctx context.Context) (tracker.NewTicket, error) {
		if a.Assignee == "" && a.OwnerID != "" {
			u, err := s.cfg.Store.FindUser(ctx, a.OwnerID)
			if err != nil && warroom.ErrorCode(err) != warroom.ENotFound {
				return tracker.NewTicket{}, err
			}
			if u != nil {
				a.Assignee = u.Email
			}
		}
		return tracker.NewTicket{Title: a.Title, Body: a.Body, Assignee: a.Assignee, Due: a.Due,
			Labels: append([]string{"action-item"}, a.Labels...), Marker: tk.Marker()}, nil
	})
}
