package warroom

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Cadence is how often updates to each audience are due for an incident;
// zero means no cadence for that audience.
type Cadence struct {
	Internal time.Duration `json:"internal"`
	Customer time.Duration `json:"customer"`
}

// CadencePolicy says, per severity, how often updates are due (seed 000:
// "CL informs the customer and keeps them updated every hour"; seed 004:
// "regular updates are being given in the IM channel").
type CadencePolicy struct {
	// Customer is the customer cadence of every severity, while customers
	// are affected: Policy.CustomerUpdateInterval (default 1h).
	Customer time.Duration
	// MajorInternal is the internal cadence of major incidents (default
	// 30m); minor incidents have none unless BySeverity gives one.
	MajorInternal time.Duration
	// BySeverity replaces both defaults for a severity; a zero field
	// there means no cadence for that audience.
	BySeverity map[Severity]Cadence
	// ReminderLead is how long before an update is due its owner is
	// reminded (default 5m).
	ReminderLead time.Duration
}

// DefaultCadencePolicy returns the documented defaults, with the customer
// cadence of p.
func DefaultCadencePolicy(p Policy) CadencePolicy {
	return CadencePolicy{Customer: p.CustomerUpdateInterval, MajorInternal: 30 * time.Minute, ReminderLead: 5 * time.Minute}
}

// Validate reports the first setting that makes no sense.
func (cp CadencePolicy) Validate() error {
	switch {
	case cp.Customer <= 0:
		return Invalid("customer_update_interval", "customer update interval must be positive")
	case cp.MajorInternal < 0:
		return Invalid("internal_update_interval", "internal update interval must not be negative")
	case cp.ReminderLead < 0:
		return Invalid("update_reminder_lead", "update reminder lead must not be negative")
	}
	for sev, c := range cp.BySeverity {
		if !sev.Valid() {
			return Invalid("update_cadence", "unknown severity %q", sev)
		}
		if c.Internal < 0 || c.Customer < 0 {
			return Invalid("update_cadence", "%s: intervals must not be negative", sev)
		}
		if (c.Internal > 0 && c.Internal < time.Minute) || (c.Customer > 0 && c.Customer < time.Minute) {
			return Invalid("update_cadence", "%s: intervals are at least 1m", sev)
		}
	}
	return nil
}

// For returns the cadence of an incident in its current state. The
// customer cadence applies only while customers are affected
// (AffectsCustomers).
func (cp CadencePolicy) For(inc *Incident) Cadence {
	c := Cadence{Customer: cp.Customer}
	if inc.Major {
		c.Internal = cp.MajorInternal
	}
	if o, ok := cp.BySeverity[inc.Severity]; ok {
		c = o
	}
	if !AffectsCustomers(inc) {
		c.Customer = 0
	}
	return c
}

// Interval returns the cadence of one audience (executives have none:
// their summary is asked for).
func (c Cadence) Interval(a Audience) time.Duration {
	switch a {
	case AudienceInternal:
		return c.Internal
	case AudienceCustomers:
		return c.Customer
	}
	return 0
}

// AffectsCustomers reports whether an incident affects customers, so
// that they are owed updates.
func AffectsCustomers(inc *Incident) bool {
	return inc.Impact.CustomerImpact || inc.Impact.SLAImpact || len(inc.Impact.Customers) > 0
}

// CadenceOwner returns who owes an incident's updates: the Communications
// Lead, the Incident Commander while nobody holds that role (seed 000: the
// IC "assumes all roles that have not been delegated yet"), else the
// Incident Owner, else the first responder; "" when there is nobody yet.
func CadenceOwner(inc *Incident) (string, Role) {
	for _, r := range []Role{RoleCommunicationsLead, RoleIncidentCommander, RoleIncidentOwner} {
		if h := inc.Holder(r); h != "" {
			return h, r
		}
	}
	return inc.FirstResponderID, ""
}

// Cadence states.
const (
	CadenceOff  = "off"  // no cadence for the audience, or the incident is recovered or closed
	CadenceOK   = "ok"   // the next update is not due yet
	CadenceDue  = "due"  // due within the reminder lead: the owner is reminded
	CadenceLate = "late" // a deadline passed without an update: the IC is told
)

// CadenceStatus is where an incident's updates to one audience stand:
// what is due when, and the record so far (updates sent, deadlines
// missed, the longest gap without an update).
type CadenceStatus struct {
	Audience Audience `json:"audience"`
	State    string   `json:"state"`
	Interval Duration `json:"interval"`
	OwnerID  string   `json:"owner_id,omitempty"`
	// OwnerRole is the role the owner owes the updates by; empty for the
	// first responder.
	OwnerRole Role       `json:"owner_role,omitempty"`
	LastAt    *time.Time `json:"last_at,omitempty"`
	// DueAt is the next deadline; RemindAt is when its owner is
	// reminded. Both are absent while the cadence is off.
	DueAt    *time.Time `json:"due_at,omitempty"`
	RemindAt *time.Time `json:"remind_at,omitempty"`
	// MissedAt is the deadline last passed without an update, while late.
	MissedAt   *time.Time `json:"missed_at,omitempty"`
	Sent       int        `json:"sent"`
	Missed     int        `json:"missed"`
	LongestGap Duration   `json:"longest_gap"`
}

// CadenceSince returns when the cadence of an audience last started to
// apply over an incident's events (its timeline, in order): the
// declaration for a cadence that applied from the start, the moment it
// became major or customers became affected for one that did not. Zero
// if it does not apply now.
func CadenceSince(events []Event, cp CadencePolicy, a Audience) time.Time {
	inc := &Incident{}
	var since time.Time
	on := false
	for i := range events {
		if inc.Apply(&events[i]) != nil {
			break
		}
		now := cp.For(inc).Interval(a) > 0
		if now && !on {
			since = events[i].At
		}
		on = now
	}
	if !on {
		return time.Time{}
	}
	return since
}

// CadenceOf measures an incident's updates to one audience at now. sent
// holds when each update to the audience was sent. The cadence runs from
// since (CadenceSince; zero: the declaration) until service is
// recovered, with the interval of the incident's current state: each
// interval that passes without an update is one missed deadline, and the
// next deadline is the first one after now. The longest gap counts from
// the start to the first update, between updates, and from the last
// update to now while it runs (to the recovery once recovered).
func CadenceOf(inc *Incident, cp CadencePolicy, a Audience, sent []time.Time, since, now time.Time) CadenceStatus {
	interval := cp.For(inc).Interval(a)
	st := CadenceStatus{Audience: a, State: CadenceOff, Interval: Duration(interval), Sent: len(sent)}
	st.OwnerID, st.OwnerRole = CadenceOwner(inc)
	times := slices.Clone(sent)
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	if n := len(times); n > 0 {
		last := times[n-1]
		st.LastAt = &last
	}
	running := inc.Stage.Open() && !inc.Stage.Recovered()
	end := now
	if !running {
		end = inc.UpdatedAt
		if inc.RecoveredAt != nil {
			end = *inc.RecoveredAt
		}
	}
	anchor := inc.DeclaredAt
	if since.After(anchor) {
		anchor = since
	}
	var gap time.Duration
	for _, t := range times {
		if t.Before(anchor) || t.After(end) {
			continue
		}
		gap = max(gap, t.Sub(anchor))
		st.Missed += missedBetween(anchor, t, interval)
		anchor = t
	}
	if end.After(anchor) {
		gap = max(gap, end.Sub(anchor))
		tail := missedBetween(anchor, end, interval)
		if running && interval > 0 {
			// While it runs, a deadline is missed from its very instant:
			// the IC is told when it comes.
			tail = int(end.Sub(anchor) / interval)
		}
		st.Missed += tail
		if running && tail > 0 {
			missed := anchor.Add(time.Duration(tail) * interval)
			st.MissedAt = &missed
		}
	}
	st.LongestGap = Duration(gap)
	if !running || interval <= 0 {
		st.MissedAt = nil
		return st
	}
	// The next deadline is the first after now.
	due := anchor.Add(time.Duration(int(now.Sub(anchor)/interval)+1) * interval)
	remind := due.Add(-cp.ReminderLead)
	st.DueAt, st.RemindAt = &due, &remind
	switch {
	case st.MissedAt != nil:
		st.State = CadenceLate
	case !now.Before(remind):
		st.State = CadenceDue
	default:
		st.State = CadenceOK
	}
	return st
}

// missedBetween counts the deadlines from+k·interval (k ≥ 1) strictly
// before to: an update exactly at its deadline is on time.
func missedBetween(from, to time.Time, interval time.Duration) int {
	if interval <= 0 || !to.After(from) {
		return 0
	}
	return int((to.Sub(from) - 1) / interval)
}

// NextCadenceCheck is when the cadence of st needs looking at again
// after now: at its reminder, else at its deadline; false while off.
func NextCadenceCheck(st CadenceStatus, now time.Time) (time.Time, bool) {
	if st.DueAt == nil {
		return time.Time{}, false
	}
	if st.RemindAt.After(now) {
		return *st.RemindAt, true
	}
	return *st.DueAt, true
}

// CadenceReminder is the text that reminds the owner of an update due.
func CadenceReminder(inc *Incident, st CadenceStatus) (subject, text string) {
	subject = fmt.Sprintf("%s: %s update due by %s", inc.Ref, st.Audience, st.DueAt.UTC().Format("15:04 UTC"))
	last := "none was sent yet"
	if st.LastAt != nil {
		last = "the last was sent at " + st.LastAt.UTC().Format("15:04 UTC")
	}
	by := "as first responder"
	if st.OwnerRole != "" {
		by = "as " + st.OwnerRole.Title()
	}
	text = fmt.Sprintf("An update to %s on %s (%s) is due by %s; %s. You owe it %s: every %s, say the impact, what we know, what we are doing and when the next update comes.",
		audienceWords(st.Audience), inc.Ref, inc.Title, st.DueAt.UTC().Format("15:04 UTC"), last, by, ShortDuration(time.Duration(st.Interval)))
	return subject, text
}

// CadenceLateNotice is the text that tells the IC an update is late.
func CadenceLateNotice(inc *Incident, st CadenceStatus, owner string) (subject, text string) {
	subject = fmt.Sprintf("%s: %s update is late", inc.Ref, st.Audience)
	text = fmt.Sprintf("The update to %s on %s (%s) was due at %s and has not been sent; its owner is %s. Deadlines missed so far: %d.",
		audienceWords(st.Audience), inc.Ref, inc.Title, st.MissedAt.UTC().Format("15:04 UTC"), owner, st.Missed)
	return subject, text
}

func audienceWords(a Audience) string {
	switch a {
	case AudienceCustomers:
		return "customers"
	case AudienceInternal:
		return "the internal team"
	}
	return strings.ToLower(string(a))
}
