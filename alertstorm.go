package warroom

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// An alert storm must not become an incident storm: when the alerts of one
// service open many new groups at once (a new Alertmanager group per
// instance, say), each would declare an incident of its own and page for
// it, and responders would drown in incidents about one outage. So
// warroom declares at most AlertIncidentLimit.Count incidents from alerts
// per service in any AlertIncidentLimit.Window; the groups past the limit
// are folded into the service's newest open incident, whose timeline says
// so, and a person may split any of them out (declare from one of its
// alerts).

// AlertIncidentLimit is the most incidents warroom declares from alerts of
// one service in any window of Window. Count 0 means no limit.
type AlertIncidentLimit struct {
	Count  int
	Window time.Duration
}

// DefaultAlertIncidentLimit is 3 incidents per 10 minutes: a service with
// three distinct problems at once still gets three incidents (and three
// pages), while a storm of a hundred new alert groups gets no more.
func DefaultAlertIncidentLimit() AlertIncidentLimit {
	return AlertIncidentLimit{Count: 3, Window: 10 * time.Minute}
}

// Limited reports whether the limit applies at all.
func (l AlertIncidentLimit) Limited() bool { return l.Count > 0 }

// String writes the limit as ParseAlertIncidentLimit reads it: "3/10m",
// or "off".
func (l AlertIncidentLimit) String() string {
	if !l.Limited() {
		return "off"
	}
	return strconv.Itoa(l.Count) + "/" + ShortDuration(l.Window)
}

// ParseAlertIncidentLimit reads "COUNT/WINDOW" ("3/10m") or "off" (also
// "0"): no limit.
func ParseAlertIncidentLimit(s string) (AlertIncidentLimit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return AlertIncidentLimit{}, nil
	}
	count, window, ok := strings.Cut(s, "/")
	if !ok {
		return AlertIncidentLimit{}, fmt.Errorf("%q is not COUNT/WINDOW like 3/10m, or off", s)
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n < 1 {
		return AlertIncidentLimit{}, fmt.Errorf("count %q of %q is not a whole number of at least 1 (use off for no limit)", count, s)
	}
	w, err := time.ParseDuration(strings.TrimSpace(window))
	if err != nil || w <= 0 {
		return AlertIncidentLimit{}, fmt.Errorf("window %q of %q is not a positive duration like 10m or 1h", window, s)
	}
	return AlertIncidentLimit{Count: n, Window: w}, nil
}

// Set parses s into l (a configuration setting's value).
func (l *AlertIncidentLimit) Set(s string) error {
	v, err := ParseAlertIncidentLimit(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// MarshalText writes the limit as "3/10m" or "off", in JSON too.
func (l AlertIncidentLimit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (l *AlertIncidentLimit) UnmarshalText(b []byte) error { return l.Set(string(b)) }

// Validate reports a limit that makes no sense.
func (l AlertIncidentLimit) Validate() error {
	if l.Count < 0 || (l.Count > 0 && l.Window <= 0) {
		return Invalid("alert_incident_limit", "alert incident limit must be COUNT/WINDOW with a count of at least 1 and a positive window, or off")
	}
	return nil
}

// StormDecision is what MayDeclareFromAlert decided for a new alert group.
type StormDecision struct {
	// Declare: the group declares an incident of its own.
	Declare bool
	// Recent is how many incidents the service declared from alerts
	// within the window before now: the reason when it may not.
	Recent int
}

// MayDeclareFromAlert decides whether a new alert group of a service (one
// with no incident of its own) may declare an incident at now, given when
// the service's incidents were declared from alerts (any order, older
// ones too) and whether the service has an open incident the group could
// join instead. With no limit, or fewer than Count declarations after
// now-Window, it may. A declaration stamped after now counts too: it was
// made by a router whose clock was read a moment later, and committed
// before this decision, so it is within the window all the same (two
// routers of one service, on the page queue and in bulk, each read their
// own now; excluding the later one let a storm's first burst declare one
// incident over the limit). At the limit it may not, unless the
// service has no open incident: an alert the rules declare for must never
// be left with no incident at all (the earlier ones were resolved).
func MayDeclareFromAlert(l AlertIncidentLimit, declared []time.Time, hasOpen bool, now time.Time) StormDecision {
	if !l.Limited() {
		return StormDecision{Declare: true}
	}
	recent := 0
	for _, at := range declared {
		if at.After(now.Add(-l.Window)) {
			recent++
		}
	}
	return StormDecision{Declare: recent < l.Count || !hasOpen, Recent: recent}
}

// AlertLimitState is what the alert incident limit of a service decides
// on, as read for a forecast of routing (paging's RouteQueue), which must
// foresee, before routing runs, that a new alert group will be folded
// rather than declare and page.
type AlertLimitState struct {
	// Declared is when the incidents that count against the limit were
	// declared from alerts (those within the window, at least).
	Declared []time.Time
	// InFlight is how many declarations from alerts were decided on
	// (the alert groups marked declaring) and not yet made: during the
	// first seconds of a storm of new groups, the limit's worth of them
	// are still on their way, and without them every new group would be
	// forecast to declare.
	InFlight int
	// HasOpen: the service has an open incident a group could fold into.
	HasOpen bool
}

// FoldsNewGroup reports whether a new alert group of the service would be
// folded at now (MayDeclareFromAlert), counting the declarations in
// flight, and extra more (forecast since the state was read), as made at
// now, and as incidents the group could join.
func (s AlertLimitState) FoldsNewGroup(l AlertIncidentLimit, extra int, now time.Time) bool {
	pending := s.InFlight + max(extra, 0)
	declared := s.Declared
	if pending > 0 {
		declared = make([]time.Time, len(s.Declared), len(s.Declared)+pending)
		copy(declared, s.Declared)
		for range pending {
			declared = append(declared, now)
		}
	}
	return !MayDeclareFromAlert(l, declared, s.HasOpen || pending > 0, now).Declare
}

// NoteFoldedGroup reports whether the timeline of an incident notes the
// nth alert group (1-based) the limit folded into it: each of the first
// five, then the 10th, 20th, 50th, 100th, 200th, 500th, and so on, so
// that a storm of 10,000 groups writes 5 + 10 notes instead of 10,000,
// each saying how many groups joined so far.
func NoteFoldedGroup(n int) bool {
	if n <= 0 {
		return false
	}
	if n <= 5 {
		return true
	}
	for n%10 == 0 {
		n /= 10
	}
	return n == 1 || n == 2 || n == 5
}

// AlertDeclareOutcome is what a declaration for an alert did when it did
// not declare: the alert's group had an open incident (Joined), or the
// limit folded the group into its service's newest open incident
// (Folded).
type AlertDeclareOutcome struct {
	// Joined: the group's own incident is open; the alert joins it.
	Joined bool
	// Folded: the service is at its AlertIncidentLimit; the group joins
	// the service's newest open incident instead of declaring.
	Folded bool
	// FoldedGroups counts the groups folded into that incident so far,
	// this one included (for NoteFoldedGroup).
	FoldedGroups int
	// Recent is how many incidents the service declared from alerts
	// within the limit's window: why it was folded.
	Recent int
}

// AlertSplit is what a person's declaration from an alert moved: the
// incident the alert was attached to (nil if it was attached to none) and
// the alerts moved from it to the new incident (the alert and, when its
// group was attached or folded there by routing, the group's other
// alerts there).
type AlertSplit struct {
	From  *Incident
	Moved []string
}

// GroupToFold is a new alert group that bulk routing would fold into its
// service's newest open incident: its key ("" for an alert of no group,
// which is a group of its own) and its first alert.
type GroupToFold struct {
	GroupKey string
	AlertID  string
}

// GroupFold is what folding a batch of new groups did with one of them.
// Incident nil: nothing was decided for it (the service may still declare
// from alerts, or the group's incident was declared for this very alert),
// and it is routed alone, as a declaration. Otherwise the outcome says
// whether it joined its group's open incident (another process recorded
// one meanwhile) or was folded, and the count of folded groups.
type GroupFold struct {
	Incident *Incident
	AlertDeclareOutcome
}
