package warroom

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// An action item is a follow-up of an incident (seed 001: "action items
// with due dates and owners"; seed 003: "every incident that we get paged
// for should have at least one follow-up task"; seed 004: owner,
// criticality, target date). Items are records of their own; the
// incident's timeline records only that one was done.

// Criticality is how much an action item matters.
type Criticality string

// The criticalities, least first.
const (
	CriticalityLow      Criticality = "low"
	CriticalityMedium   Criticality = "medium"
	CriticalityHigh     Criticality = "high"
	CriticalityCritical Criticality = "critical"
)

// Criticalities lists every criticality.
var Criticalities = []Criticality{CriticalityLow, CriticalityMedium, CriticalityHigh, CriticalityCritical}

// ActionCategory is what an action item aims at (seed 004: "all action
// items and countermeasures should aim at ...").
type ActionCategory string

// The categories.
const (
	CategoryAvoidRecurrence   ActionCategory = "avoid_recurrence"
	CategoryFixRootCause      ActionCategory = "fix_root_cause"
	CategoryImproveMonitoring ActionCategory = "improve_monitoring" // and alerting
	CategoryResiliency        ActionCategory = "resiliency"
	CategoryAutomatedRecovery ActionCategory = "automated_recovery"
	CategoryReduceMTTR        ActionCategory = "reduce_time_to_recover"
)

// ActionCategories lists every category.
var ActionCategories = []ActionCategory{CategoryAvoidRecurrence, CategoryFixRootCause, CategoryImproveMonitoring,
	CategoryResiliency, CategoryAutomatedRecovery, CategoryReduceMTTR}

// ActionStatus is where an action item is.
type ActionStatus string

// The statuses.
const (
	ActionOpen       ActionStatus = "open"
	ActionInProgress ActionStatus = "in_progress"
	ActionDone       ActionStatus = "done"
	ActionCancelled  ActionStatus = "cancelled" // decided against; does not count as a follow-up
)

// ActionStatuses lists every status.
var ActionStatuses = []ActionStatus{ActionOpen, ActionInProgress, ActionDone, ActionCancelled}

// Finished reports whether nothing more is expected of an item.
func (s ActionStatus) Finished() bool { return s == ActionDone || s == ActionCancelled }

// DateLayout is how target dates are written: a calendar day, in the
// organisation's time zone.
const DateLayout = "2006-01-02"

// ActionItem is one follow-up of an incident. ID is stable and names it
// everywhere (API, CLI, reminders, tickets); Number counts the items of
// its incident from 1, for people. TicketKey and TicketURL are the
// tracker's ticket, once one is made.
type ActionItem struct {
	ID          string         `json:"id"`
	IncidentID  string         `json:"incident_id"`
	Number      int64          `json:"number"`
	Title       string         `json:"title"`
	OwnerID     string         `json:"owner_id"`
	Criticality Criticality    `json:"criticality"`
	TargetDate  string         `json:"target_date"` // DateLayout
	Category    ActionCategory `json:"category"`
	Status      ActionStatus   `json:"status"`
	TicketKey   string         `json:"ticket_key,omitempty"`
	TicketURL   string         `json:"ticket_url,omitempty"`
	CreatedBy   string         `json:"created_by"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	DoneAt      *time.Time     `json:"done_at,omitempty"`
	Version     int64          `json:"version"`
}

// Label names an item for people: "action item #2 (Add a disk alert)".
func (it *ActionItem) Label() string {
	return fmt.Sprintf("action item #%d (%s)", it.Number, it.Title)
}

// ActionItemInput is what a person gives for a new item, or the fields to
// change of an existing one (nil: unchanged). OwnerID is a user ID by the
// time it reaches the rules: the service resolves handles and refuses
// unknown people.
type ActionItemInput struct {
	Title       *string         `json:"title,omitempty"`
	OwnerID     *string         `json:"owner,omitempty"`
	Criticality *Criticality    `json:"criticality,omitempty"`
	TargetDate  *string         `json:"target_date,omitempty"`
	Category    *ActionCategory `json:"category,omitempty"`
	Status      *ActionStatus   `json:"status,omitempty"`
	TicketKey   *string         `json:"ticket_key,omitempty"`
	TicketURL   *string         `json:"ticket_url,omitempty"`
}

const maxActionTitle = 300

// Today is the calendar day of now in loc, as a target date is written.
func Today(now time.Time, loc *time.Location) string { return now.In(loc).Format(DateLayout) }

// checkTargetDate parses a target date; one before today (in loc) is
// refused: a follow-up is planned, not recorded after the fact.
func checkTargetDate(s string, now time.Time, loc *time.Location) error {
	d, err := time.ParseInLocation(DateLayout, strings.TrimSpace(s), loc)
	if err != nil {
		return Invalid("target_date", "target date %q is not a date like 2026-12-31", s)
	}
	if d.Format(DateLayout) < Today(now, loc) {
		return Invalid("target_date", "target date %s is in the past (today is %s)", d.Format(DateLayout), Today(now, loc))
	}
	return nil
}

// NewActionItem checks the input of a new item of inc and returns it,
// open unless the input says otherwise. Owner, target date, criticality
// and category are required. loc is the organisation's time zone, in
// which target dates are days.
func NewActionItem(inc *Incident, a Actor, id string, number int64, in ActionItemInput, now time.Time, loc *time.Location) (*ActionItem, error) {
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers cannot add action items")
	}
	it := &ActionItem{ID: id, IncidentID: inc.ID, Number: number, Status: ActionOpen, Criticality: CriticalityMedium,
		CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
	switch {
	case in.Title == nil || strings.TrimSpace(*in.Title) == "":
		return nil, Invalid("title", "title is required: say what will be done")
	case in.OwnerID == nil || *in.OwnerID == "":
		return nil, Invalid("owner", "owner is required: every action item has one person who sees it done")
	case in.TargetDate == nil || *in.TargetDate == "":
		return nil, Invalid("target_date", "target date is required, like 2026-12-31")
	case in.Category == nil || *in.Category == "":
		return nil, Invalid("category", "category is required: one of %s", joinCategories())
	}
	if err := applyActionInput(it, in, now, loc); err != nil {
		return nil, err
	}
	return it, nil
}

// ChangeActionItem applies the input's fields to a copy of it. A target
// date may only move to today or later; an overdue item keeps its date
// until someone moves it.
func ChangeActionItem(it *ActionItem, a Actor, in ActionItemInput, now time.Time, loc *time.Location) (*ActionItem, error) {
	if !a.Role.CanWrite() {
		return nil, Errorf(EForbidden, "viewers cannot change action items")
	}
	next := *it
	if in.TargetDate != nil && strings.TrimSpace(*in.TargetDate) == it.TargetDate {
		in.TargetDate = nil // unchanged, even if past
	}
	if in.OwnerID != nil && *in.OwnerID == "" {
		return nil, Invalid("owner", "an action item cannot lose its owner; name the new one")
	}
	if err := applyActionInput(&next, in, now, loc); err != nil {
		return nil, err
	}
	next.UpdatedAt, next.Version = now, it.Version+1
	return &next, nil
}

func applyActionInput(it *ActionItem, in ActionItemInput, now time.Time, loc *time.Location) error {
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		if t == "" {
			return Invalid("title", "title cannot be empty")
		}
		if len(t) > maxActionTitle || strings.ContainsAny(t, "\r\n") {
			return Invalid("title", "title is one line of at most %d characters", maxActionTitle)
		}
		it.Title = t
	}
	if in.OwnerID != nil {
		it.OwnerID = *in.OwnerID
	}
	if in.Criticality != nil {
		if !slices.Contains(Criticalities, *in.Criticality) {
			return Invalid("criticality", "criticality must be low, medium, high or critical")
		}
		it.Criticality = *in.Criticality
	}
	if in.TargetDate != nil {
		if err := checkTargetDate(*in.TargetDate, now, loc); err != nil {
			return err
		}
		it.TargetDate = strings.TrimSpace(*in.TargetDate)
	}
	if in.Category != nil {
		if !slices.Contains(ActionCategories, *in.Category) {
			return Invalid("category", "category must be one of %s", joinCategories())
		}
		it.Category = *in.Category
	}
	if in.Status != nil {
		if !slices.Contains(ActionStatuses, *in.Status) {
			return Invalid("status", "status must be open, in_progress, done or cancelled")
		}
		if *in.Status == ActionDone && it.Status != ActionDone {
			at := now
			it.DoneAt = &at
		} else if *in.Status != ActionDone {
			it.DoneAt = nil
		}
		it.Status = *in.Status
	}
	if in.TicketKey != nil {
		if err := checkText("ticket_key", *in.TicketKey, 200, false); err != nil {
			return err
		}
		it.TicketKey = strings.TrimSpace(*in.TicketKey)
	}
	if in.TicketURL != nil {
		if err := checkText("ticket_url", *in.TicketURL, 2000, false); err != nil {
			return err
		}
		u := strings.TrimSpace(*in.TicketURL)
		if parsed, err := url.Parse(u); u != "" && (err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "") {
			return Invalid("ticket_url", "ticket URL %q is not an http(s) URL", u)
		}
		it.TicketURL = u
	}
	return nil
}

func joinCategories() string {
	parts := make([]string, len(ActionCategories))
	for i, c := range ActionCategories {
		parts[i] = string(c)
	}
	return strings.Join(parts, ", ")
}

// ReminderHour is the hour of the day, in the organisation's time zone,
// at which action-item reminders go out.
const ReminderHour = 9

// ActionItemReminders returns when an item's owner and the Incident Owner
// are reminded: on its target date (due) and on the day after (overdue),
// at ReminderHour in loc. time.Date keeps the hour across DST changes.
func ActionItemReminders(it *ActionItem, loc *time.Location) (due, overdue time.Time, err error) {
	d, err := time.ParseInLocation(DateLayout, it.TargetDate, loc)
	if err != nil {
		return time.Time{}, time.Time{}, Invalid("target_date", "target date %q is not a date", it.TargetDate)
	}
	due = time.Date(d.Year(), d.Month(), d.Day(), ReminderHour, 0, 0, 0, loc)
	overdue = time.Date(d.Year(), d.Month(), d.Day()+1, ReminderHour, 0, 0, 0, loc)
	return due.UTC(), overdue.UTC(), nil
}

// OverdueEveryDays is how often an overdue item's owner and Incident
// Owner are reminded again, in days, until it is done or cancelled: an
// action item is followed to done, not forgotten after one reminder.
const OverdueEveryDays = 7

// OverdueReminder returns when the round-th reminder of an overdue item
// goes out (round 0 is the day after the target date), at ReminderHour in
// loc, counted in calendar days so that DST does not move the hour.
func OverdueReminder(it *ActionItem, loc *time.Location, round int) (time.Time, error) {
	d, err := time.ParseInLocation(DateLayout, it.TargetDate, loc)
	if err != nil {
		return time.Time{}, Invalid("target_date", "target date %q is not a date", it.TargetDate)
	}
	return time.Date(d.Year(), d.Month(), d.Day()+1+round*OverdueEveryDays, ReminderHour, 0, 0, 0, loc).UTC(), nil
}

// Overdue reports whether an unfinished item's target date has passed.
func (it *ActionItem) Overdue(now time.Time, loc *time.Location) bool {
	return !it.Status.Finished() && it.TargetDate < Today(now, loc)
}

// EventActionItemDone records on the incident's timeline that one of its
// action items was done.
const EventActionItemDone EventType = "action_item.done"

// RecordActionItemDone is the command that puts a done item on the
// incident's timeline; allowed on a closed incident, since follow-ups are
// usually done after it closed.
type RecordActionItemDone struct {
	Item *ActionItem `json:"-"`
}

// Name implements Command.
func (RecordActionItemDone) Name() string { return "record_action_item_done" }

func (c RecordActionItemDone) decide(*Incident, Actor, time.Time) ([]Event, error) {
	if c.Item == nil {
		return nil, Errorf(EInternal, "action item done without the item")
	}
	return []Event{{Type: EventActionItemDone, Text: c.Item.Label() + " done"}}, nil
}

func init() {
	applyEvent[EventActionItemDone] = func(*Incident, *Event) {}
}

// ActionItemFilter selects action items for a list. Empty fields select
// everything; the service adds the visibility of private incidents.
type ActionItemFilter struct {
	IncidentID string
	OwnerID    string
	Open       bool // only items not yet done or cancelled
	Limit      int  // 0: the store's default (500)
}
