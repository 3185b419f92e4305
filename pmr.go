package warroom

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The Post Mortem Review meeting (seed 004): "A post mortem review is
// mandatory after each major incident and should happen in the next 5
// business days after recovery." The Incident Commander and the Technical
// Lead are required attendees; everyone else who took part is invited as
// optional. The review is a record of its own (PostmortemReview); the
// incident's timeline records that it was scheduled and held.

// The review's timeline events.
const (
	EventReviewDue       EventType = "pmr.due"       // Time: the deadline; Text: how it was counted
	EventReviewScheduled EventType = "pmr.scheduled" // Time: when; Text: the summary
	EventReviewHeld      EventType = "pmr.held"      // Text: who attended
)

func init() {
	applyEvent[EventReviewDue] = func(*Incident, *Event) {}
	applyEvent[EventReviewScheduled] = func(*Incident, *Event) {}
	applyEvent[EventReviewHeld] = func(*Incident, *Event) {}
}

// Limits of a review.
const (
	minReviewMinutes = 15
	maxReviewMinutes = 8 * 60
	maxReviewPeople  = 200
)

// PostmortemReview is the review of one incident: when it is due, and
// once scheduled when and where, who is invited, who attended.
type PostmortemReview struct {
	IncidentID  string    `json:"incident_id"`
	Ref         string    `json:"ref"`
	RecoveredAt time.Time `json:"recovered_at"`
	// DueAt is the end of the last business day (LastDay); RemindAt the
	// morning of that day, when the Incident Owner is reminded.
	DueAt    time.Time `json:"due_at"`
	LastDay  Date      `json:"last_day"`
	RemindAt time.Time `json:"remind_at"`
	// Calendar is the holiday calendar counted ("" none), TimeZone the
	// zone the days were counted in.
	Calendar string `json:"calendar,omitempty"`
	TimeZone string `json:"time_zone"`

	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
	Minutes     int        `json:"minutes,omitempty"`
	Location    string     `json:"location,omitempty"`
	// Sequence is the invitation's SEQUENCE: it grows with each
	// reschedule so calendars move the meeting rather than add one.
	Sequence int      `json:"sequence"`
	Required []string `json:"required,omitempty"`
	Optional []string `json:"optional,omitempty"`

	Attended []string   `json:"attended,omitempty"`
	HeldAt   *time.Time `json:"held_at,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Overdue reports whether the review is past due and not held at now.
func (r *PostmortemReview) Overdue(now time.Time) bool {
	return r.HeldAt == nil && !now.Before(r.DueAt)
}

// ReviewStore keeps reviews and holiday calendars; sqlstore implements it.
type ReviewStore interface {
	// RecordReview locks the incident, calls decide with it and its
	// review (nil if none), and stores the review and the events decide
	// returns in one transaction. Idempotency as for UpdateIncident.
	RecordReview(ctx context.Context, idOrRef string, idem Idempotency,
		decide func(inc *Incident, cur *PostmortemReview) (*PostmortemReview, []Event, error)) (*PostmortemReview, error)
	// FindReview returns an incident's review; ENotFound.
	FindReview(ctx context.Context, incidentID string) (*PostmortemReview, error)
	// PutHolidayCalendar stores a calendar, replacing one of that name.
	PutHolidayCalendar(ctx context.Context, c *HolidayCalendar) error
	// FindHolidayCalendar returns a calendar by name; ENotFound.
	FindHolidayCalendar(ctx context.Context, name string) (*HolidayCalendar, error)
	// ListHolidayCalendars returns every calendar, by name.
	ListHolidayCalendars(ctx context.Context) ([]*HolidayCalendar, error)
}

// ReviewAttendees returns who is invited: the Incident Commander and the
// Technical Lead (the First Responder when nobody else was named) as
// required, everyone else who took part as optional.
func ReviewAttendees(inc *Incident) (required, optional []string) {
	tl := inc.Holder(RoleTechnicalLead)
	if tl == "" {
		tl = inc.FirstResponderID
	}
	for _, u := range []string{inc.Holder(RoleIncidentCommander), tl} {
		if u != "" && !slices.Contains(required, u) {
			required = append(required, u)
		}
	}
	for _, u := range inc.Participants {
		if !slices.Contains(required, u) {
			optional = append(optional, u)
		}
	}
	return required, optional
}

// PlanReview is the review of an incident recovered under cal: due
// within days business days of its first recovery.
func PlanReview(inc *Incident, cal BusinessCalendar, days int, now time.Time) (*PostmortemReview, error) {
	recovered, ok := inc.StageTimes[StageRecovered]
	if !ok {
		return nil, Errorf(EConflict, "%s is not recovered yet: its Post Mortem Review is due within %d business days of recovery", inc.Ref, days)
	}
	due, last := cal.ReviewDue(recovered, days)
	r := &PostmortemReview{IncidentID: inc.ID, Ref: inc.Ref, RecoveredAt: recovered, DueAt: due, LastDay: last,
		RemindAt: cal.ReviewReminderAt(last), Calendar: cal.Name, TimeZone: cal.Location.String(), CreatedAt: now, UpdatedAt: now}
	r.Required, r.Optional = ReviewAttendees(inc)
	return r, nil
}

// ScheduleReview sets (or moves) the review's meeting: start, length in
// minutes, where (a room or a call link). The attendees are taken from
// the incident as it is now. It returns the review and the timeline event.
func ScheduleReview(inc *Incident, r *PostmortemReview, at time.Time, minutes int, location string, now time.Time) (*PostmortemReview, Event, error) {
	switch {
	case at.IsZero():
		return nil, Event{}, Invalid("at", "say when the review starts")
	case !at.After(now):
		return nil, Event{}, Invalid("at", "the review cannot start in the past")
	case minutes < minReviewMinutes || minutes > maxReviewMinutes:
		return nil, Event{}, Invalid("minutes", "a review lasts %d to %d minutes", minReviewMinutes, maxReviewMinutes)
	case r.HeldAt != nil:
		return nil, Event{}, Errorf(EConflict, "the review of %s was held already", inc.Ref)
	}
	if err := checkText("location", location, 2000, false); err != nil {
		return nil, Event{}, err
	}
	next := *r
	if next.ScheduledAt != nil {
		next.Sequence++
	}
	start := at.UTC()
	next.ScheduledAt, next.Minutes, next.Location, next.UpdatedAt = &start, minutes, strings.TrimSpace(location), now
	next.Required, next.Optional = ReviewAttendees(inc)
	text := fmt.Sprintf("Post Mortem Review scheduled for %s (%d minutes), due by %s", start.Format("2006-01-02 15:04 UTC"), minutes, r.DueAt.UTC().Format("2006-01-02 15:04 UTC"))
	if !start.Before(r.DueAt) {
		text += " — after the deadline"
	}
	return &next, Event{Type: EventReviewScheduled, Time: &start, Text: text}, nil
}

// RecordReviewHeld records who attended the review, held at now.
func RecordReviewHeld(inc *Incident, r *PostmortemReview, attended []string, name func(string) string, now time.Time) (*PostmortemReview, Event, error) {
	if len(attended) == 0 {
		return nil, Event{}, Invalid("attended", "say who attended the review")
	}
	if len(attended) > maxReviewPeople {
		return nil, Event{}, Invalid("attended", "at most %d attendees", maxReviewPeople)
	}
	next := *r
	next.Attended = nil
	for _, u := range attended {
		if !slices.Contains(next.Attended, u) {
			next.Attended = append(next.Attended, u)
		}
	}
	held := now
	next.HeldAt, next.UpdatedAt = &held, now
	var missing []string
	for _, u := range r.Required {
		if !slices.Contains(next.Attended, u) {
			missing = append(missing, name(u))
		}
	}
	text := "Post Mortem Review held with " + joinNames(next.Attended, name)
	if len(missing) > 0 {
		text += "; required but absent: " + strings.Join(missing, ", ")
	}
	if now.After(r.DueAt) {
		text += fmt.Sprintf("; %s after the deadline", roundDuration(now.Sub(r.DueAt)))
	}
	return &next, Event{Type: EventReviewHeld, Text: text}, nil
}

// ReviewInvitation is the review's meeting request. people maps user IDs
// to users (their names and addresses); anyone without an address is
// left out of the request. The organizer is the Incident Owner.
func ReviewInvitation(inc *Incident, r *PostmortemReview, people map[string]*User, now time.Time) (Invitation, error) {
	if r.ScheduledAt == nil {
		return Invitation{}, Errorf(EConflict, "the review of %s is not scheduled yet", inc.Ref)
	}
	inv := Invitation{UID: "pmr-" + inc.ID + "@warroom", Sequence: r.Sequence, Stamp: now, Start: *r.ScheduledAt,
		End:      r.ScheduledAt.Add(time.Duration(r.Minutes) * time.Minute),
		Summary:  fmt.Sprintf("Post Mortem Review: %s %s", inc.Ref, inc.Title),
		Location: r.Location,
		Description: fmt.Sprintf("Post Mortem Review of %s (%s), due by %s. Blameless: we look for the process and tooling to improve, not for someone to blame. "+
			"The Incident Commander and the Technical Lead are required; everyone who took part is welcome.", inc.Ref, inc.Title, r.DueAt.UTC().Format("2006-01-02 15:04 UTC"))}
	if o := people[inc.Holder(RoleIncidentOwner)]; o != nil && o.Email != "" {
		inv.Organizer = Invitee{Name: o.Name, Email: o.Email}
	}
	add := func(ids []string, required bool) {
		for _, id := range ids {
			if u := people[id]; u != nil && u.Email != "" {
				inv.Attendees = append(inv.Attendees, Invitee{Name: u.Name, Email: u.Email, Required: required})
			}
		}
	}
	add(r.Required, true)
	add(r.Optional, false)
	return inv, nil
}

// describeReview renders the review's events.
func describeReview(e *Event) string { return e.Text }
