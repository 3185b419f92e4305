package tickets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/tracker"
)

// incidentJob makes or updates an incident's ticket.
func (s *Service) incidentJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p incidentPayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	inc, err := s.cfg.Store.FindIncident(ctx, p.IncidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, engine.Permanent{Err: err}
	}
	if err != nil {
		return nil, err
	}
	cfg, err := s.incidentConfig(ctx, inc)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, nil // no tracker for this incident's services: nothing to do
	}
	if err != nil {
		return nil, err
	}
	want := WantFor(inc.Stage)
	tk, err := s.cfg.Store.LeaseTicket(ctx, &tracker.Ticket{SubjectKind: tracker.SubjectIncident, SubjectID: inc.ID,
		ConfigID: cfg.ID, Tracker: cfg.Kind, Want: want, PostmortemURL: p.PostmortemURL}, s.cfg.Owner, now, s.cfg.Lease)
	if err != nil {
		return nil, err
	}
	if tk.Want != want || (p.PostmortemURL != "" && tk.PostmortemURL != p.PostmortemURL) {
		if err := s.cfg.Store.SetTicketWant(ctx, tk.SubjectKind, tk.SubjectID, want, p.PostmortemURL); err != nil {
			return nil, err
		}
		if p.PostmortemURL != "" && tk.PostmortemURL != p.PostmortemURL {
			tk.PostmortemURL, tk.PostmortemLinked = p.PostmortemURL, false
		}
		tk.Want = want
	}
	return s.sync(ctx, job, tk, cfg, now, func(ctx context.Context) (tracker.NewTicket, error) {
		return s.incidentTicket(ctx, inc)
	})
}

// incidentConfig returns the tracker of an incident: the one its ticket
// was made in, else the first of its services' own settings, else the
// settings of the first of their teams that has some; ENotFound if none.
func (s *Service) incidentConfig(ctx context.Context, inc *warroom.Incident) (*tracker.Config, error) {
	tk, err := s.cfg.Store.TicketFor(ctx, tracker.SubjectIncident, inc.ID)
	if err == nil {
		return s.cfg.Store.TrackerConfig(ctx, tk.ConfigID)
	}
	if warroom.ErrorCode(err) != warroom.ENotFound {
		return nil, err
	}
	for _, id := range inc.Impact.ServiceIDs {
		cfg, err := s.cfg.Store.TrackerConfigFor(ctx, tracker.ScopeService, id)
		if warroom.ErrorCode(err) != warroom.ENotFound {
			return cfg, err
		}
	}
	for _, id := range inc.Impact.ServiceIDs {
		svc, err := s.cfg.Store.FindService(ctx, id)
		if warroom.ErrorCode(err) == warroom.ENotFound || (err == nil && svc.TeamID == "") {
			continue
		}
		if err != nil {
			return nil, err
		}
		cfg, err := s.cfg.Store.TrackerConfigFor(ctx, tracker.ScopeTeam, svc.TeamID)
		if warroom.ErrorCode(err) != warroom.ENotFound {
			return cfg, err
		}
	}
	return nil, warroom.Errorf(warroom.ENotFound, "no tracker is configured for the services of %s", inc.Ref)
}

// incidentTicket is what an incident's ticket is made from. A private
// incident's ticket names only its reference and links to warroom: the
// tracker's readers are not the people who may see the incident.
func (s *Service) incidentTicket(ctx context.Context, inc *warroom.Incident) (tracker.NewTicket, error) {
	t := tracker.NewTicket{Marker: string(tracker.SubjectIncident) + ":" + inc.ID, Labels: []string{"incident"}}
	link := ""
	if s.cfg.BaseURL != "" {
		link = s.cfg.BaseURL + "/incidents/" + inc.Ref
	}
	owner := IncidentOwner(inc)
	ownerText := "nobody yet"
	if owner != "" {
		u, err := s.cfg.Store.FindUser(ctx, owner)
		if err != nil && warroom.ErrorCode(err) != warroom.ENotFound {
			return t, err
		}
		if u != nil {
			t.Assignee = u.Email
			ownerText = fmt.Sprintf("%s <%s>", u.Name, u.Email)
		}
	}
	if inc.Private {
		t.Title = inc.Ref + " (private incident)"
		t.Body = "A private incident: its details are in warroom, for the people who may see it."
		if link != "" {
			t.Body += "\n" + link
		}
		return t, nil
	}
	t.Title = fmt.Sprintf("%s: %s", inc.Ref, inc.Title)
	t.Labels = append(t.Labels, strings.ToLower(string(inc.Severity)))
	var b strings.Builder
	fmt.Fprintf(&b, "%s incident %s, declared %s.\n", inc.Severity, inc.Ref, inc.DeclaredAt.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Incident Owner: %s", ownerText)
	if inc.Summary != "" {
		b.WriteString("\n\n" + inc.Summary)
	}
	if link != "" {
		b.WriteString("\n\nIn warroom: " + link)
	}
	b.WriteString("\n\nThis ticket follows the incident: warroom moves it as the incident's stage changes. Follow-up actions are its sub-tasks (Jira) or linked issues (GitHub).")
	t.Body = b.String()
	return t, nil
}

// sync brings a leased ticket to what warroom wants: made (found by its
// marker first, so that a creation whose answer was lost is not made
// twice), linked to its parent, titled and described as build says now,
// assigned to who build names (a new Incident Owner), in the wanted
// state, with the postmortem linked. Every step's result is saved, with
// the error of the step that failed; a rate limit schedules the next try
// when the tracker allows. A ticket gone from the tracker is left alone.
func (s *Service) sync(ctx context.Context, job engine.Job, tk *tracker.Ticket, cfg *tracker.Config, now time.Time,
	build func(context.Context) (tracker.NewTicket, error)) ([]engine.Job, error) {
	// The tracker's calls end before the ticket's lease does, so that no
	// other run takes the ticket over while this one still works on it;
	// the store's calls keep ctx, so what was done is always saved.
	calls, cancel := context.WithTimeout(ctx, s.cfg.Lease*3/4)
	defer cancel()
	client, err := s.cfg.Dial(cfg, s.cfg.Secrets, s.cfg.HTTP, s.cfg.Now)
	if err != nil {
		return s.fail(ctx, job, tk, err, now)
	}
	nt, err := build(ctx)
	if err != nil {
		return s.fail(ctx, job, tk, err, now)
	}
	if tk.Status == StatusGone {
		return nil, s.cfg.Store.SaveTicket(ctx, tk, s.cfg.Owner)
	}
	nt.Parent = tk.Parent
	content := digest(nt)
	link := tk.Parent != "" && tk.Attempts > 0 // a previous run may have made it without linking it
	if tk.Key == "" && s.cfg.OnMade != nil {
		// Told once the key is known, even if a later step of this run
		// fails (the key is saved with the failure).
		defer func() {
			if tk.Key != "" {
				s.cfg.OnMade(ctx, tk)
			}
		}()
	}
	if tk.Key == "" {
		ref, err := client.FindByMarker(calls, tk.Marker())
		switch warroom.ErrorCode(err) {
		case "":
			adopt(tk, ref, now)
			link = tk.Parent != ""
		case warroom.ENotFound:
			ref, err := client.Create(calls, nt)
			if ref.Key != "" {
				adopt(tk, ref, now)
				tk.Assignee, tk.Content = nt.Assignee, content
			}
			if err != nil {
				return s.fail(ctx, job, tk, err, now)
			}
			link = false // Create links to the parent itself
		default:
			return s.fail(ctx, job, tk, err, now)
		}
	}
	if link {
		if err := client.LinkChild(calls, tk.Parent, tk.Key); err != nil {
			return s.fail(ctx, job, tk, err, now)
		}
	}
	if tk.Content != content {
		// The incident's details changed, or it became private: the
		// ticket says what warroom would write now.
		if err := client.Edit(calls, tk.Key, nt); err != nil {
			return s.failOnTicket(ctx, job, tk, err, now)
		}
		tk.Content = content
	}
	if nt.Assignee != "" && nt.Assignee != tk.Assignee {
		if err := client.SetAssignee(calls, tk.Key, nt.Assignee); err != nil {
			return s.failOnTicket(ctx, job, tk, err, now)
		}
		tk.Assignee = nt.Assignee
	}
	if tk.Want != "" && !settled(cfg.Kind, tk.State, tk.Want) {
		ref, err := client.SetState(calls, tk.Key, tk.Want)
		if err != nil {
			return s.failOnTicket(ctx, job, tk, err, now)
		}
		adopt(tk, ref, now)
	}
	if tk.PostmortemURL != "" && !tk.PostmortemLinked {
		if err := client.AddLink(calls, tk.Key, "Postmortem", tk.PostmortemURL); err != nil {
			return s.failOnTicket(ctx, job, tk, err, now)
		}
		tk.PostmortemLinked = true
	}
	tk.Attempts, tk.LastError = 0, ""
	if err := s.cfg.Store.SaveTicket(ctx, tk, s.cfg.Owner); err != nil {
		return nil, err
	}
	return nil, nil
}

// settled reports whether a ticket in state have is where want asks:
// GitHub knows only open and closed, so open and in progress are one.
func settled(kind tracker.Kind, have, want tracker.State) bool {
	if kind == tracker.GitHub && want != tracker.StateDone {
		return have != tracker.StateDone && have != ""
	}
	return have == want
}

func adopt(tk *tracker.Ticket, ref tracker.Ref, now time.Time) {
	tk.Key, tk.URL, tk.State, tk.Status = ref.Key, ref.URL, ref.State, ref.Status
	at := now
	tk.SyncedAt = &at
}

// StatusGone is the status of a ticket the tracker no longer has (deleted,
// or hidden from warroom's account): warroom stops working on it and
// does not make another, since a person removed it.
const StatusGone = "gone"

// failOnTicket is fail for a call about the ticket itself: a ticket the
// tracker answers 404 or 410 for is gone, recorded as such, not retried.
func (s *Service) failOnTicket(ctx context.Context, job engine.Job, tk *tracker.Ticket, cause error, now time.Time) ([]engine.Job, error) {
	if warroom.ErrorCode(cause) != warroom.ENotFound {
		return s.fail(ctx, job, tk, cause, now)
	}
	tk.State, tk.Status, tk.Attempts = tracker.StateDone, StatusGone, 0
	tk.LastError = "the ticket is gone from the tracker (deleted, or hidden from warroom's account): " + warroom.ErrorMessage(cause)
	at := now
	tk.SyncedAt = &at
	s.cfg.Logger.Warn("a ticket is gone from its tracker; warroom leaves it", "subject", tk.Marker(), "key", tk.Key, "err", cause)
	return nil, s.cfg.Store.SaveTicket(ctx, tk, s.cfg.Owner)
}

// fail saves what the run did and why it stopped, and says when to try
// again: at the tracker's rate-limit reset, or after the engine's backoff.
func (s *Service) fail(ctx context.Context, job engine.Job, tk *tracker.Ticket, cause error, now time.Time) ([]engine.Job, error) {
	tk.Attempts++
	tk.LastError = warroom.ErrorMessage(cause)
	if err := s.cfg.Store.SaveTicket(ctx, tk, s.cfg.Owner); err != nil {
		s.cfg.Logger.Error("cannot save a ticket's progress", "ticket", tk.ID, "err", err)
	}
	s.cfg.Logger.Warn("tracker work failed; it is retried", "subject", tk.Marker(), "tracker", tk.Tracker, "attempt", tk.Attempts, "err", cause)
	if at, ok := tracker.RetryAt(cause); ok {
		retry := job
		retry.ID, retry.Key, retry.DueAt, retry.Attempts = uuid.Must(uuid.NewV7()).String(), "", at, 0
		if !at.After(now) {
			retry.DueAt = now.Add(time.Second)
		}
		return []engine.Job{retry}, nil
	}
	return nil, fmt.Errorf("%s: %w", tk.Marker(), cause)
}

// IncidentOwner is who an incident's ticket is assigned to: the Incident
// Owner; while nobody is, the Incident Commander, who holds every role not
// delegated (seed 000); before that, the first responder (seed 000: "by
// default, the SRE on-call is the owner of the incident").
func IncidentOwner(inc *warroom.Incident) string {
	for _, id := range []string{inc.Holder(warroom.RoleIncidentOwner), inc.Holder(warroom.RoleIncidentCommander), inc.FirstResponderID} {
		if id != "" {
			return id
		}
	}
	return ""
}

// digest sums what Edit writes of a ticket.
func digest(t tracker.NewTicket) string {
	h := sha256.New()
	due := ""
	if !t.Due.IsZero() {
		due = t.Due.Format(time.DateOnly)
	}
	for _, part := range []string{t.Title, t.Body, due, t.Parent, t.Marker} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
