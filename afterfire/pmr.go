package afterfire

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// The Post Mortem Review meeting (pmr.go at the root has the rules): the
// review is planned when a major incident recovers (or when someone
// schedules one), due within Policy.PostmortemReviewBusinessDays business
// days counted in the organisation's zone with its weekend and the
// holiday calendar of the Incident Owner's team (else the default one);
// its invitation is an .ics sent by email when SMTP is configured; the
// Incident Owner is reminded on the morning of the last day and when it
// is overdue. Everything later is a durable engine job.

// Job kinds, on paging's default queue beside the notify.user and
// incident.note jobs they schedule.
const (
	KindReviewPlan      = "pmr.plan"      // plan the review of a recovered major incident
	KindReviewReminders = "pmr.reminders" // schedule the reminders of a review just planned
	KindReviewRemind    = "pmr.remind"    // remind the Incident Owner (before the deadline, or overdue)
	KindReviewInvites   = "pmr.invites"   // hand each attendee of a schedule an invitation job
	KindReviewInvite    = "pmr.invite"    // email one attendee the invitation
)

// Reminder moments.
const (
	RemindBefore  = "before"
	RemindOverdue = "overdue"
)

// ReviewPayload names the incident of a pmr.* job; Moment is the
// reminder's, UserID and Sequence the invitation's.
type ReviewPayload struct {
	IncidentID string `json:"incident_id"`
	Moment     string `json:"moment,omitempty"`
	UserID     string `json:"user_id,omitempty"`
	Sequence   int    `json:"sequence,omitempty"`
}

// ReviewStore is what the review needs of the store.
type ReviewStore interface {
	warroom.ReviewStore
}

// Sender sends one message by its channel (*notify.Registry).
type Sender interface {
	Send(ctx context.Context, m notify.Message) (string, error)
}

// ReviewConfig configures the review. Store is required for any of it.
type ReviewConfig struct {
	Store ReviewStore
	// Location is the organisation's time zone; Weekend its weekend days
	// (nil: Saturday and Sunday).
	Location *time.Location
	Weekend  []time.Weekday
	// DefaultCalendar is the holiday calendar of incidents whose owner's
	// team has none ("" none).
	DefaultCalendar string
	// Sender emails invitations when SMTP is configured; nil: invitations
	// are only downloaded (.ics).
	Sender Sender
}

func newJob(kind, key string, due time.Time, payload any) engine.Job {
	data, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("afterfire: marshal %s payload: %v", kind, err)) // payloads are plain structs
	}
	return engine.Job{ID: uuid.Must(uuid.NewV7()).String(), Queue: paging.QueueDefault, Kind: kind, Key: key, DueAt: due, Payload: data}
}

func (s *Service) reviews() (*ReviewConfig, error) {
	if s.cfg.Review.Store == nil {
		return nil, warroom.Errorf(warroom.EUnavailable, "Post Mortem Reviews are not available on this server")
	}
	return &s.cfg.Review, nil
}

// Reactor returns the jobs an incident's events call for, for the store
// to schedule in the same transaction (so none is lost between the
// commit and the engine): a major incident's first recovery (or an
// incident becoming major after it) plans its review; a review planned
// (pmr.due) gets its reminders; a review scheduled (pmr.scheduled) its
// invitations.
func (s *Service) Reactor() func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
	return func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
		if s.cfg.Review.Store == nil {
			return nil
		}
		var jobs []engine.Job
		recovered, isRecovered := inc.StageTimes[warroom.StageRecovered]
		planned := false
		for _, e := range events {
			switch {
			case !planned && inc.Major && isRecovered &&
				((e.Type == warroom.EventStageChanged && e.Stage == warroom.StageRecovered && e.At.Equal(recovered)) || e.Type == warroom.EventBecameMajor):
				planned = true
				jobs = append(jobs, newJob(KindReviewPlan, "pmr-plan:"+inc.ID, e.At, ReviewPayload{IncidentID: inc.ID}))
			case e.Type == warroom.EventReviewDue:
				jobs = append(jobs, newJob(KindReviewReminders, "pmr-reminders:"+inc.ID, e.At, ReviewPayload{IncidentID: inc.ID}))
			case e.Type == warroom.EventReviewScheduled:
				jobs = append(jobs, newJob(KindReviewInvites, fmt.Sprintf("pmr-invites:%s:%d", inc.ID, e.Seq), e.At, ReviewPayload{IncidentID: inc.ID}))
			}
		}
		return jobs
	}
}

// Handlers returns the handler of every pmr.* job kind.
func (s *Service) Handlers() map[string]engine.Handler {
	return map[string]engine.Handler{
		KindReviewPlan:      s.planJob,
		KindReviewReminders: s.remindersJob,
		KindReviewRemind:    s.remindJob,
		KindReviewInvites:   s.invitesJob,
		KindReviewInvite:    s.inviteJob,
	}
}

func decodePayload(job engine.Job) (ReviewPayload, error) {
	var p ReviewPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return p, engine.Permanent{Err: fmt.Errorf("%s job %s: bad payload: %w", job.Kind, job.ID, err)}
	}
	return p, nil
}

// calendar is the business calendar of an incident: the organisation's
// zone and weekend, and the holiday calendar of the Incident Owner's team
// or else the default one.
func (s *Service) calendar(ctx context.Context, inc *warroom.Incident) (warroom.BusinessCalendar, error) {
	rc := &s.cfg.Review
	weekend := rc.Weekend
	if weekend == nil {
		weekend = warroom.DefaultWeekend
	}
	var team string
	if owner := inc.Holder(warroom.RoleIncidentOwner); owner != "" {
		if u, err := s.cfg.Incidents.Store.FindUser(ctx, owner); err == nil {
			team = u.TeamID
		}
	}
	cals, err := rc.Store.ListHolidayCalendars(ctx)
	if err != nil {
		return warroom.BusinessCalendar{}, err
	}
	var chosen *warroom.HolidayCalendar
	for _, c := range cals {
		if team != "" && slices.Contains(c.Teams, team) {
			chosen = c
			break
		}
		if c.Name == rc.DefaultCalendar && chosen == nil {
			chosen = c
		}
	}
	if chosen == nil && rc.DefaultCalendar != "" {
		return warroom.BusinessCalendar{}, fmt.Errorf("afterfire: the default holiday calendar %q does not exist", rc.DefaultCalendar)
	}
	return warroom.NewBusinessCalendar(rc.Location, weekend, chosen), nil
}

// plan returns the review of inc, planning it under cal if it has none.
// cal is read before the transaction (store reads inside it would wait
// for the one SQLite writer it holds).
func (s *Service) plan(inc *warroom.Incident, cur *warroom.PostmortemReview, cal warroom.BusinessCalendar) (*warroom.PostmortemReview, []warroom.Event, error) {
	if cur != nil {
		return cur, nil, nil
	}
	r, err := warroom.PlanReview(inc, cal, s.cfg.Incidents.Policy.PostmortemReviewBusinessDays, s.cfg.Incidents.Now().UTC())
	if err != nil {
		return nil, nil, err
	}
	cname := "no holiday calendar"
	if r.Calendar != "" {
		cname = "holiday calendar " + r.Calendar
	}
	text := fmt.Sprintf("Post Mortem Review due by %s (%d business days after recovery, %s, %s)",
		r.LastDay, s.cfg.Incidents.Policy.PostmortemReviewBusinessDays, r.TimeZone, cname)
	return r, []warroom.Event{{Type: warroom.EventReviewDue, Time: &r.DueAt, Text: text}}, nil
}

// reminders are the jobs that remind the Incident Owner of r.
func reminders(r *warroom.PostmortemReview) []engine.Job {
	return []engine.Job{
		newJob(KindReviewRemind, "pmr-remind-before:"+r.IncidentID, r.RemindAt, ReviewPayload{IncidentID: r.IncidentID, Moment: RemindBefore}),
		newJob(KindReviewRemind, "pmr-remind-overdue:"+r.IncidentID, r.DueAt, ReviewPayload{IncidentID: r.IncidentID, Moment: RemindOverdue}),
	}
}

// planJob plans the review of a recovered major incident.
func (s *Service) planJob(ctx context.Context, job engine.Job, _ time.Time) ([]engine.Job, error) {
	p, err := decodePayload(job)
	if err != nil {
		return nil, err
	}
	inc, err := s.cfg.Incidents.Store.FindIncident(ctx, p.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	cal, err := s.calendar(ctx, inc)
	if err != nil {
		return nil, err
	}
	_, err = s.cfg.Review.Store.RecordReview(ctx, p.IncidentID, warroom.Idempotency{}, func(inc *warroom.Incident, cur *warroom.PostmortemReview) (*warroom.PostmortemReview, []warroom.Event, error) {
		r, events, err := s.plan(inc, cur, cal)
		return r, stamp(inc, events, s.cfg.Incidents.Now().UTC()), err
	})
	return nil, permanentIfNotFound(err)
}

// remindersJob schedules the reminders of a review just planned.
func (s *Service) remindersJob(ctx context.Context, job engine.Job, _ time.Time) ([]engine.Job, error) {
	p, err := decodePayload(job)
	if err != nil {
		return nil, err
	}
	r, err := s.cfg.Review.Store.FindReview(ctx, p.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	return reminders(r), nil
}

// invitesJob hands each attendee of the review's current schedule an
// invitation job.
func (s *Service) invitesJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	p, err := decodePayload(job)
	if err != nil {
		return nil, err
	}
	if s.cfg.Review.Sender == nil {
		return nil, nil // no email: the invitation is downloaded
	}
	r, err := s.cfg.Review.Store.FindReview(ctx, p.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	var jobs []engine.Job
	for _, id := range append(slices.Clone(r.Required), r.Optional...) {
		jobs = append(jobs, newJob(KindReviewInvite, fmt.Sprintf("pmr-invite:%s:%d:%s", r.IncidentID, r.Sequence, id), now,
			ReviewPayload{IncidentID: r.IncidentID, UserID: id, Sequence: r.Sequence}))
	}
	return jobs, nil
}

// stamp numbers system events after the incident's version.
func stamp(inc *warroom.Incident, events []warroom.Event, now time.Time) []warroom.Event {
	for i := range events {
		events[i].IncidentID, events[i].Seq, events[i].At = inc.ID, inc.Version+int64(i)+1, now
	}
	return events
}

// remindJob reminds the Incident Owner of a review not held yet, on the
// morning of its last day or when it is overdue, and says so on the
// timeline.
func (s *Service) remindJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	p, err := decodePayload(job)
	if err != nil {
		return nil, err
	}
	r, err := s.cfg.Review.Store.FindReview(ctx, p.IncidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r.HeldAt != nil {
		return nil, nil
	}
	inc, err := s.cfg.Incidents.Store.FindIncident(ctx, p.IncidentID)
	if err != nil {
		return nil, err
	}
	owner := inc.Holder(warroom.RoleIncidentOwner)
	subject := fmt.Sprintf("%s: Post Mortem Review due today (%s)", inc.Ref, r.LastDay)
	text := fmt.Sprintf("The Post Mortem Review of %s (%s) is due by the end of %s (%s). ", inc.Ref, inc.Title, r.LastDay, r.TimeZone)
	if p.Moment == RemindOverdue {
		subject = fmt.Sprintf("%s: Post Mortem Review overdue since %s", inc.Ref, r.DueAt.UTC().Format("2006-01-02 15:04 UTC"))
		text = fmt.Sprintf("The Post Mortem Review of %s (%s) was due by the end of %s and has not been held. ", inc.Ref, inc.Title, r.LastDay)
	}
	if r.ScheduledAt != nil {
		text += "It is scheduled for " + r.ScheduledAt.UTC().Format("2006-01-02 15:04 UTC") + "."
	} else {
		text += "It is not scheduled yet: schedule it (warroom pmr schedule " + inc.Ref + ")."
	}
	var jobs []engine.Job
	key := fmt.Sprintf("pmr-%s:%s", p.Moment, inc.ID)
	if owner != "" {
		jobs = append(jobs, newJob(paging.KindNotifyUser, "pmr-notify:"+key, now, paging.NotifyPayload{UserID: owner, IncidentID: inc.ID,
			Kind: notify.KindUpdate, Reason: "you are the Incident Owner", Subject: subject, Text: text}))
	}
	jobs = append(jobs, newJob(paging.KindIncidentNote, "note:"+key, now, paging.NotePayload{IncidentID: inc.ID, Key: key,
		Text: subject + "; the Incident Owner was reminded"}))
	return jobs, nil
}

// inviteJob emails one attendee the invitation of the review's schedule
// (Sequence); a later schedule's jobs send the newer one.
func (s *Service) inviteJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	p, err := decodePayload(job)
	if err != nil {
		return nil, err
	}
	rc := &s.cfg.Review
	if rc.Sender == nil {
		return nil, nil
	}
	r, err := rc.Store.FindReview(ctx, p.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	if r.Sequence != p.Sequence || r.HeldAt != nil {
		return nil, nil // rescheduled since (its own jobs send that one) or held
	}
	inc, err := s.cfg.Incidents.Store.FindIncident(ctx, p.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	people, err := s.people(ctx, r, inc)
	if err != nil {
		return nil, err
	}
	u := people[p.UserID]
	if u == nil || u.Email == "" {
		return nil, nil
	}
	inv, err := warroom.ReviewInvitation(inc, r, people, now)
	if err != nil {
		return nil, engine.Permanent{Err: err}
	}
	role := "optional"
	if slices.Contains(r.Required, u.ID) {
		role = "required"
	}
	_, err = rc.Sender.Send(ctx, notify.Message{ID: fmt.Sprintf("pmr-%s-%d-%s", inc.ID, r.Sequence, u.ID), Kind: notify.KindUpdate,
		Channel: notify.ChannelEmail, Destination: u.Email, IncidentID: inc.ID, Subject: inv.Summary,
		Text: fmt.Sprintf("You are invited (%s) to the Post Mortem Review of %s (%s) on %s%s.\n\n%s", role, inc.Ref, inc.Title,
			r.ScheduledAt.UTC().Format("2006-01-02 15:04 UTC"), where(r.Location), inv.Description),
		Calendar: inv.ICS()})
	return nil, err
}

func where(loc string) string {
	if loc == "" {
		return ""
	}
	return " at " + loc
}

func permanentIfNotFound(err error) error {
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return engine.Permanent{Err: err}
	}
	return err
}

// people returns the users a review's invitation names.
func (s *Service) people(ctx context.Context, r *warroom.PostmortemReview, inc *warroom.Incident) (map[string]*warroom.User, error) {
	out := map[string]*warroom.User{}
	for _, id := range append(append([]string{inc.Holder(warroom.RoleIncidentOwner)}, r.Required...), r.Optional...) {
		if _, ok := out[id]; ok || id == "" {
			continue
		}
		u, err := s.cfg.Incidents.Store.FindUser(ctx, id)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = u
	}
	return out, nil
}

// ReviewView is the review as the API shows it.
type ReviewView struct {
	Review *warroom.PostmortemReview `json:"review"`
	// Overdue: past due and not held.
	Overdue bool `json:"overdue"`
	// People maps the user IDs it names to @handles.
	People map[string]string `json:"people"`
	// Invitation is the meeting request (.ics) once scheduled.
	Invitation string `json:"invitation,omitempty"`
}

func (s *Service) view(ctx context.Context, r *warroom.PostmortemReview, inc *warroom.Incident) (*ReviewView, error) {
	people, err := s.people(ctx, r, inc)
	if err != nil {
		return nil, err
	}
	v := &ReviewView{Review: r, Overdue: r.Overdue(s.cfg.Incidents.Now()), People: map[string]string{}}
	for id, u := range people {
		v.People[id] = "@" + u.Handle
	}
	for _, id := range r.Attended {
		if _, ok := v.People[id]; !ok {
			if u, err := s.cfg.Incidents.Store.FindUser(ctx, id); err == nil {
				v.People[id] = "@" + u.Handle
			}
		}
	}
	if r.ScheduledAt != nil {
		inv, err := warroom.ReviewInvitation(inc, r, people, s.cfg.Incidents.Now())
		if err != nil {
			return nil, err
		}
		v.Invitation = inv.ICS()
	}
	return v, nil
}

// Review returns the review of an incident a may see; ENotFound when it
// has none (yet): ReviewOrNone for an answer without one.
func (s *Service) Review(ctx context.Context, a warroom.Actor, idOrRef string) (*ReviewView, error) {
	rc, err := s.reviews()
	if err != nil {
		return nil, err
	}
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	r, err := rc.Store.FindReview(ctx, inc.ID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Errorf(warroom.ENotFound, "%s has no Post Mortem Review yet: a major incident gets one when it recovers; schedule one to have one", inc.Ref)
	}
	if err != nil {
		return nil, err
	}
	return s.view(ctx, r, inc)
}

// ScheduleReview schedules (or moves) the review of a recovered incident,
// planning it first if it has none (a review by hand for an incident that
// is not major), and emails the invitation to every attendee with an
// address when SMTP is configured.
func (s *Service) ScheduleReview(ctx context.Context, a warroom.Actor, idOrRef string, at time.Time, minutes int, location string, idem warroom.Idempotency) (*ReviewView, error) {
	rc, err := s.reviews()
	if err != nil {
		return nil, err
	}
	found, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx, found)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Incidents.Now().UTC()
	var inc *warroom.Incident
	r, err := rc.Store.RecordReview(ctx, idOrRef, idem, func(cur *warroom.Incident, rev *warroom.PostmortemReview) (*warroom.PostmortemReview, []warroom.Event, error) {
		inc = cur
		if err := checkWriter(cur, a); err != nil {
			return nil, nil, err
		}
		rev, events, err := s.plan(cur, rev, cal)
		if err != nil {
			return nil, nil, err
		}
		next, ev, err := warroom.ScheduleReview(cur, rev, at, minutes, location, now)
		if err != nil {
			return nil, nil, err
		}
		// The reactor schedules the reminders (pmr.due) and the
		// invitations (pmr.scheduled) in this transaction.
		return next, stampActor(cur, append(events, ev), a, now), nil
	})
	if err != nil {
		return nil, err
	}
	if inc == nil {
		if inc, err = s.cfg.Incidents.Store.FindIncident(ctx, idOrRef); err != nil {
			return nil, err
		}
	}
	return s.view(ctx, r, inc)
}

// RecordReviewHeld records who attended the review (IDs or handles).
func (s *Service) RecordReviewHeld(ctx context.Context, a warroom.Actor, idOrRef string, attended []string, idem warroom.Idempotency) (*ReviewView, error) {
	rc, err := s.reviews()
	if err != nil {
		return nil, err
	}
	found, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	var ids []string
	names := map[string]string{} // @handles of everyone the text may name
	for _, id := range append(append([]string{}, found.Participants...), found.Roles[warroom.RoleIncidentCommander]...) {
		if u, err := s.cfg.Incidents.Store.FindUser(ctx, id); err == nil {
			names[id] = "@" + u.Handle
		}
	}
	for _, h := range attended {
		if strings.TrimSpace(h) == "" {
			continue
		}
		u, err := s.user(ctx, "attended", h)
		if err != nil {
			return nil, err
		}
		ids, names[u.ID] = append(ids, u.ID), "@"+u.Handle
	}
	now := s.cfg.Incidents.Now().UTC()
	var inc *warroom.Incident
	r, err := rc.Store.RecordReview(ctx, idOrRef, idem, func(cur *warroom.Incident, rev *warroom.PostmortemReview) (*warroom.PostmortemReview, []warroom.Event, error) {
		inc = cur
		if err := checkWriter(cur, a); err != nil {
			return nil, nil, err
		}
		if rev == nil {
			return nil, nil, warroom.Errorf(warroom.EConflict, "%s has no Post Mortem Review to record: schedule it first", cur.Ref)
		}
		if rev.HeldAt != nil {
			return nil, nil, warroom.Errorf(warroom.EConflict, "the review of %s was recorded as held already", cur.Ref)
		}
		next, ev, err := warroom.RecordReviewHeld(cur, rev, ids, func(id string) string {
			if n, ok := names[id]; ok {
				return n
			}
			return id
		}, now)
		if err != nil {
			return nil, nil, err
		}
		return next, stampActor(cur, []warroom.Event{ev}, a, now), nil
	})
	if err != nil {
		return nil, err
	}
	if inc == nil {
		if inc, err = s.cfg.Incidents.Store.FindIncident(ctx, idOrRef); err != nil {
			return nil, err
		}
	}
	return s.view(ctx, r, inc)
}

// Invitation returns the review's invitation (.ics) for a to download.
func (s *Service) Invitation(ctx context.Context, a warroom.Actor, idOrRef string) (string, error) {
	rc, err := s.reviews()
	if err != nil {
		return "", err
	}
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return "", err
	}
	r, err := rc.Store.FindReview(ctx, inc.ID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return "", warroom.Errorf(warroom.EConflict, "%s has no Post Mortem Review scheduled", inc.Ref)
	}
	if err != nil {
		return "", err
	}
	people, err := s.people(ctx, r, inc)
	if err != nil {
		return "", err
	}
	inv, err := warroom.ReviewInvitation(inc, r, people, s.cfg.Incidents.Now())
	if err != nil {
		return "", err
	}
	return inv.ICS(), nil
}

// checkWriter refuses what Decide refuses before any change: a hidden
// incident (as not found) and viewers.
func checkWriter(inc *warroom.Incident, a warroom.Actor) error {
	if !inc.VisibleTo(a) {
		return warroom.Errorf(warroom.ENotFound, "incident %s not found", inc.Ref)
	}
	if !a.Role.CanWrite() {
		return warroom.Errorf(warroom.EForbidden, "viewers can read incidents but change nothing")
	}
	return nil
}

// stampActor numbers events after the incident's version as a's.
func stampActor(inc *warroom.Incident, events []warroom.Event, a warroom.Actor, now time.Time) []warroom.Event {
	for i := range events {
		events[i].IncidentID, events[i].Seq, events[i].At = inc.ID, inc.Version+int64(i)+1, now
		events[i].ActorID, events[i].ActorTeamID = a.UserID, a.TeamID
	}
	return events
}

// ImportCalendar stores a holiday calendar read from an iCalendar file,
// for the teams named (IDs or slugs; none: only as the default calendar).
// Admins only. Errors: EInvalid for a bad name, an unknown team or a file
// that is not a calendar (the message says what and on which line).
func (s *Service) ImportCalendar(ctx context.Context, a warroom.Actor, name string, teams []string, ics []byte) (*warroom.HolidayCalendar, error) {
	rc, err := s.reviews()
	if err != nil {
		return nil, err
	}
	if a.Role != warroom.AccountAdmin {
		return nil, warroom.Errorf(warroom.EForbidden, "only admins import holiday calendars")
	}
	name = strings.ToLower(strings.TrimSpace(name))
	if err := warroom.ValidCalendarName(name); err != nil {
		return nil, err
	}
	c := &warroom.HolidayCalendar{Name: name, Teams: []string{}, ImportedAt: s.cfg.Incidents.Now().UTC()}
	for _, t := range teams {
		if strings.TrimSpace(t) == "" {
			continue
		}
		team, err := s.cfg.Incidents.Store.FindTeam(ctx, strings.TrimSpace(t))
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return nil, warroom.Invalid("teams", "no team %q", t)
		}
		if err != nil {
			return nil, err
		}
		c.Teams = append(c.Teams, team.ID)
	}
	if c.Holidays, err = warroom.ParseHolidays(ics); err != nil {
		return nil, warroom.Invalid("file", "the holiday calendar cannot be read: %s", err.Error())
	}
	if err := rc.Store.PutHolidayCalendar(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// HolidayCalendars lists the holiday calendars.
func (s *Service) HolidayCalendars(ctx context.Context) ([]*warroom.HolidayCalendar, error) {
	rc, err := s.reviews()
	if err != nil {
		return nil, err
	}
	return rc.Store.ListHolidayCalendars(ctx)
}

// CheckDefaultCalendar refuses a default calendar that does not exist,
// so a typo in the setting is found at start, not at the first review.
func (s *Service) CheckDefaultCalendar(ctx context.Context) error {
	rc := &s.cfg.Review
	if rc.Store == nil || rc.DefaultCalendar == "" {
		return nil
	}
	_, err := rc.Store.FindHolidayCalendar(ctx, rc.DefaultCalendar)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return warroom.Invalid("holiday-calendar", "no holiday calendar %q: import it first (warroom calendar import %s FILE)", rc.DefaultCalendar, rc.DefaultCalendar)
	}
	return err
}

// ReviewOrNone is Review with a view whose Review is nil when the
// incident has none yet.
func (s *Service) ReviewOrNone(ctx context.Context, a warroom.Actor, idOrRef string) (*ReviewView, error) {
	v, err := s.Review(ctx, a, idOrRef)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		if _, ferr := s.find(ctx, a, idOrRef); ferr != nil {
			return nil, ferr
		}
		return &ReviewView{People: map[string]string{}}, nil
	}
	return v, err
}
