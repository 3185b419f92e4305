package postmortem

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

// ItemView is an action item with what a list shows beside it.
type ItemView struct {
	*warroom.ActionItem
	Ref     string `json:"incident_ref"`
	Owner   string `json:"owner"` // "@handle"
	Overdue bool   `json:"overdue"`
}

// AddItem adds an action item to incident idOrRef as a. The owner is
// given by handle or ID; an unknown owner, a missing field or a target
// date in the past is refused (EInvalid naming the field). Its due and
// overdue reminders are scheduled with it.
func (s *Service) AddItem(ctx context.Context, a warroom.Actor, idOrRef string, in warroom.ActionItemInput) (*ItemView, error) {
	inc, err := s.writable(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	if err := s.resolveOwner(ctx, inc, in.OwnerID); err != nil {
		return nil, err
	}
	id := newID()
	it, err := s.cfg.Store.AddActionItem(ctx, inc.ID, func(cur *warroom.Incident, number int64) (*warroom.ActionItem, error) {
		if !cur.VisibleTo(a) {
			return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
		}
		return warroom.NewActionItem(cur, a, id, number, in, s.now(), s.cfg.Location)
	}, s.itemJobs(true))
	if err != nil {
		return nil, err
	}
	return s.itemView(ctx, inc, it)
}

// ChangeItem changes an action item's fields as a. Marking it done puts
// "action item done" on the incident's timeline in the same transaction.
// A new target date reschedules its reminders (the old ones find the date
// changed and do nothing).
func (s *Service) ChangeItem(ctx context.Context, a warroom.Actor, id string, in warroom.ActionItemInput) (*ItemView, error) {
	cur, err := s.cfg.Store.FindActionItem(ctx, id)
	if err != nil {
		return nil, err
	}
	inc, err := s.writable(ctx, a, cur.IncidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Errorf(warroom.ENotFound, "action item %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	if err := s.resolveOwner(ctx, inc, in.OwnerID); err != nil {
		return nil, err
	}
	it, err := s.cfg.Store.ChangeActionItem(ctx, id, func(inc *warroom.Incident, it *warroom.ActionItem) (*warroom.ActionItem, []warroom.Event, error) {
		if !inc.VisibleTo(a) {
			return nil, nil, warroom.Errorf(warroom.ENotFound, "action item %s not found", id)
		}
		now := s.now()
		next, err := warroom.ChangeActionItem(it, a, in, now, s.cfg.Location)
		if err != nil {
			return nil, nil, err
		}
		var events []warroom.Event
		if next.Status == warroom.ActionDone && it.Status != warroom.ActionDone {
			if events, err = warroom.Decide(inc, a, warroom.RecordActionItemDone{Item: next}, now, s.cfg.Policy); err != nil {
				return nil, nil, err
			}
		}
		return next, events, nil
	}, s.itemJobs(false))
	if err != nil {
		return nil, err
	}
	return s.itemView(ctx, inc, it)
}

// Item returns one action item as a sees it; ENotFound if its incident is
// hidden from a.
func (s *Service) Item(ctx context.Context, a warroom.Actor, id string) (*ItemView, error) {
	it, err := s.cfg.Store.FindActionItem(ctx, id)
	if err != nil {
		return nil, err
	}
	inc, err := s.find(ctx, a, it.IncidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Errorf(warroom.ENotFound, "action item %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	return s.itemView(ctx, inc, it)
}

// ItemFilter selects action items for a list: an incident's (by ID or
// ref), an owner's (by handle or ID), only the open ones.
type ItemFilter struct {
	Incident string
	Owner    string
	Open     bool
}

// Items lists the action items matching f that a may see: items of
// private incidents a does not take part in are left out.
func (s *Service) Items(ctx context.Context, a warroom.Actor, f ItemFilter) ([]*ItemView, error) {
	sf := warroom.ActionItemFilter{Open: f.Open, Limit: 1000}
	if f.Incident != "" {
		inc, err := s.find(ctx, a, f.Incident)
		if err != nil {
			return nil, err
		}
		sf.IncidentID = inc.ID
	}
	if f.Owner != "" {
		u, err := s.cfg.Store.FindUser(ctx, strings.TrimPrefix(f.Owner, "@"))
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return nil, warroom.Invalid("owner", "no user %q", f.Owner)
		}
		if err != nil {
			return nil, err
		}
		sf.OwnerID = u.ID
	}
	items, err := s.cfg.Store.ListActionItems(ctx, sf)
	if err != nil {
		return nil, err
	}
	names, _, err := s.people(ctx)
	if err != nil {
		return nil, err
	}
	incidents := map[string]*warroom.Incident{}
	out := []*ItemView{}
	for _, it := range items {
		inc, ok := incidents[it.IncidentID]
		if !ok {
			if inc, err = s.cfg.Store.FindIncident(ctx, it.IncidentID); err != nil {
				return nil, err
			}
			incidents[it.IncidentID] = inc
		}
		if !inc.VisibleTo(a) {
			continue
		}
		out = append(out, s.viewOf(inc, it, names))
	}
	return out, nil
}

func (s *Service) itemView(ctx context.Context, inc *warroom.Incident, it *warroom.ActionItem) (*ItemView, error) {
	names, _, err := s.people(ctx)
	if err != nil {
		return nil, err
	}
	return s.viewOf(inc, it, names), nil
}

func (s *Service) viewOf(inc *warroom.Incident, it *warroom.ActionItem, names map[string]string) *ItemView {
	return &ItemView{ActionItem: it, Ref: inc.Ref, Owner: nameOf(names)(it.OwnerID), Overdue: it.Overdue(s.now(), s.cfg.Location)}
}

// Job kinds. They run on paging's default queue, beside the notify.user
// jobs they schedule.
const (
	KindReminder = "postmortem.action_reminder" // remind an item's owner and the Incident Owner: due today, or overdue
)

// Reminder kinds.
const (
	ReminderDue     = "due"
	ReminderOverdue = "overdue"
)

// ReminderPayload names the item and the target date the reminder was
// scheduled for: if the date moved since, the reminder is stale.
type ReminderPayload struct {
	ItemID     string `json:"item_id"`
	Which      string `json:"which"`
	TargetDate string `json:"target_date"`
	// Round counts the overdue reminders before this one: they repeat
	// every warroom.OverdueEveryDays until the item is finished.
	Round int `json:"round,omitempty"`
}

func newJob(kind, key string, due time.Time, payload any) (engine.Job, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return engine.Job{}, err
	}
	return engine.Job{ID: uuid.Must(uuid.NewV7()).String(), Queue: paging.QueueDefault, Kind: kind, Key: key, DueAt: due, Payload: data}, nil
}

// itemJobs are the jobs scheduled with an item that was added (created)
// or changed: its reminders, and Config.ItemJobs's.
func (s *Service) itemJobs(created bool) func(it *warroom.ActionItem) ([]engine.Job, error) {
	return func(it *warroom.ActionItem) ([]engine.Job, error) {
		jobs, err := s.reminderJobs(it)
		if err != nil || s.cfg.ItemJobs == nil {
			return jobs, err
		}
		more, err := s.cfg.ItemJobs(it, created)
		return append(jobs, more...), err
	}
}

// reminderJobs are an unfinished item's due and overdue reminders, keyed
// by item and date so that saving the item again schedules nothing new.
func (s *Service) reminderJobs(it *warroom.ActionItem) ([]engine.Job, error) {
	if it.Status.Finished() {
		return nil, nil
	}
	due, overdue, err := warroom.ActionItemReminders(it, s.cfg.Location)
	if err != nil {
		return nil, err
	}
	var jobs []engine.Job
	for _, r := range []struct {
		which string
		at    time.Time
	}{{ReminderDue, due}, {ReminderOverdue, overdue}} {
		j, err := newJob(KindReminder, fmt.Sprintf("pm-action-%s:%s:%s", r.which, it.ID, it.TargetDate), r.at,
			ReminderPayload{ItemID: it.ID, Which: r.which, TargetDate: it.TargetDate})
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// Handlers returns the handler of every job kind of the service, for
// engine.Config.Handlers (beside paging's).
func (s *Service) Handlers() map[string]engine.Handler {
	return map[string]engine.Handler{KindReminder: s.remind}
}

// remind tells the item's owner and the incident's Incident Owner that it
// is due today or overdue, by paging's notify.user job (their contact
// methods), tied back to the incident; an overdue reminder schedules the
// next one, warroom.OverdueEveryDays later. A reminder for an item done,
// cancelled or moved to another date does nothing and schedules nothing.
func (s *Service) remind(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p ReminderPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return nil, engine.Permanent{Err: fmt.Errorf("%s job %s: bad payload: %w", job.Kind, job.ID, err)}
	}
	it, err := s.cfg.Store.FindActionItem(ctx, p.ItemID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if it.Status.Finished() || it.TargetDate != p.TargetDate {
		return nil, nil
	}
	inc, err := s.cfg.Store.FindIncident(ctx, it.IncidentID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	subject, text := reminderText(inc, it, p.Which, s.cfg.BaseURL)
	recipients := []string{it.OwnerID}
	for _, h := range warroom.EffectiveHolders(inc) {
		if h.Role == warroom.RoleIncidentOwner && !slices.Contains(recipients, h.UserID) {
			recipients = append(recipients, h.UserID)
		}
	}
	var jobs []engine.Job
	if p.Which == ReminderOverdue {
		next := p
		next.Round++
		at, err := warroom.OverdueReminder(it, s.cfg.Location, next.Round)
		if err != nil {
			return nil, engine.Permanent{Err: err}
		}
		j, err := newJob(KindReminder, fmt.Sprintf("pm-action-%s:%s:%s:r%d", next.Which, it.ID, it.TargetDate, next.Round), at, next)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	for _, u := range recipients {
		reason := "you own this action item"
		if u != it.OwnerID {
			reason = "you are the Incident Owner of " + inc.Ref
		}
		j, err := newJob(paging.KindNotifyUser, "pm-notify:"+job.Key+":"+u, now, paging.NotifyPayload{UserID: u, IncidentID: inc.ID,
			Kind: notify.KindUpdate, Reason: reason, Subject: subject, Text: text})
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// reminderText is what a reminder says: which item of which incident,
// due when, and where to see it.
func reminderText(inc *warroom.Incident, it *warroom.ActionItem, which, baseURL string) (subject, text string) {
	state := "is due today"
	if which == ReminderOverdue {
		state = "is overdue"
	}
	subject = fmt.Sprintf("%s action item #%d %s: %s", inc.Ref, it.Number, state, it.Title)
	text = fmt.Sprintf("Action item #%d of %s (%s) %s.\n%s\nTarget date: %s. Criticality: %s. Status: %s.",
		it.Number, inc.Ref, inc.Title, state, it.Title, it.TargetDate, it.Criticality, it.Status)
	if it.TicketURL != "" {
		text += "\nTicket: " + it.TicketURL
	}
	if baseURL != "" {
		text += "\n" + baseURL + "/incidents/" + inc.Ref + "/postmortem"
	}
	return subject, text
}
