package warroom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/mail"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// This file holds the rules of the public status page (issue 11,
// docs/status-page.md): component statuses, incidents made public,
// maintenance windows, subscribers and the signed links they receive.

// ComponentStatus is what the status page says about a component.
type ComponentStatus string

// The component statuses, from best to worst (maintenance is planned, so
// it ranks below any outage).
const (
	StatusOperational   ComponentStatus = "operational"
	StatusMaintenance   ComponentStatus = "under_maintenance"
	StatusDegraded      ComponentStatus = "degraded_performance"
	StatusPartialOutage ComponentStatus = "partial_outage"
	StatusMajorOutage   ComponentStatus = "major_outage"
)

// ComponentStatuses lists the statuses, best first.
var ComponentStatuses = []ComponentStatus{StatusOperational, StatusMaintenance, StatusDegraded, StatusPartialOutage, StatusMajorOutage}

// Valid reports whether s is a known status.
func (s ComponentStatus) Valid() bool { return slices.Contains(ComponentStatuses, s) }

// Rank orders statuses: 0 is operational, higher is worse.
func (s ComponentStatus) Rank() int { return slices.Index(ComponentStatuses, s) }

// Label is the status as people read it.
func (s ComponentStatus) Label() string {
	switch s {
	case StatusMaintenance:
		return "Under maintenance"
	case StatusDegraded:
		return "Degraded performance"
	case StatusPartialOutage:
		return "Partial outage"
	case StatusMajorOutage:
		return "Major outage"
	}
	return "Operational"
}

// WorstStatus returns the worse of a and b (an unknown status counts as
// operational).
func WorstStatus(a, b ComponentStatus) ComponentStatus {
	if b.Rank() > a.Rank() {
		return b
	}
	if !a.Valid() {
		return StatusOperational
	}
	return a
}

// ImpactForSeverity is the impact an incident made public without one
// has on its components: SEV1 a major outage, SEV2 a partial outage,
// SEV3 and SEV4 degraded performance.
func ImpactForSeverity(s Severity) ComponentStatus {
	switch s {
	case SEV1:
		return StatusMajorOutage
	case SEV2:
		return StatusPartialOutage
	}
	return StatusDegraded
}

// StatusComponent is one component of the status page: a name customers
// know, grouping one or more services.
type StatusComponent struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Group       string    `json:"group,omitempty"`
	Description string    `json:"description,omitempty"`
	Position    int       `json:"position"`
	ServiceIDs  []string  `json:"service_ids"`
	CreatedAt   time.Time `json:"created_at"`
	// ManualStatus is a status set by hand, with its reason; it holds
	// until cleared ("": the status follows incidents and maintenance).
	ManualStatus ComponentStatus `json:"manual_status,omitempty"`
	ManualReason string          `json:"manual_reason,omitempty"`
}

// Validate checks a component's fields.
func (c *StatusComponent) Validate() error {
	c.Name, c.Group = strings.TrimSpace(c.Name), strings.TrimSpace(c.Group)
	switch {
	case c.Name == "":
		return Invalid("name", "name is required: what customers call this part of the service")
	case len(c.Name) > 100 || strings.ContainsAny(c.Name, "\r\n"):
		return Invalid("name", "name is one line of at most 100 characters")
	case len(c.Group) > 100 || strings.ContainsAny(c.Group, "\r\n"):
		return Invalid("group", "group is one line of at most 100 characters")
	case len(c.Description) > 1000:
		return Invalid("description", "description must be at most 1000 characters")
	}
	if c.ServiceIDs == nil {
		c.ServiceIDs = []string{}
	}
	return nil
}

// ComponentChange is one change of a component's status, kept for its
// history (the daily bars). Source says what caused it: "incident",
// "maintenance", "manual" or "auto" (the cause ended).
type ComponentChange struct {
	ComponentID string          `json:"component_id"`
	Status      ComponentStatus `json:"status"`
	At          time.Time       `json:"at"`
	Source      string          `json:"source"`
	Reason      string          `json:"reason,omitempty"`
	IncidentID  string          `json:"-"`
	ActorID     string          `json:"-"`
}

// EventMadePublic records on the timeline that an incident was made
// public on the status page (again, with a new title or impact).
const EventMadePublic EventType = "incident.made_public"

func init() {
	// The public record is its own (PublicIncident); the incident's state
	// does not change.
	applyEvent[EventMadePublic] = func(*Incident, *Event) {}
}

// MakePublic puts an incident on the status page under a title written
// for customers (the internal one is never shown) with an impact on its
// components (empty: from the severity).
type MakePublic struct {
	Title  string          `json:"title"`
	Impact ComponentStatus `json:"impact,omitempty"`
}

// Name implements Command.
func (MakePublic) Name() string { return "make_public" }

func (c MakePublic) decide(inc *Incident, _ Actor, _ time.Time) ([]Event, error) {
	if inc.Private {
		return nil, Errorf(EConflict, "%s is private: a private incident cannot be made public", inc.Ref)
	}
	title := strings.TrimSpace(c.Title)
	if err := checkText("title", title, 200, true); err != nil {
		return nil, Invalid("title", "the published title is required (at most 200 characters): customers never see the internal one")
	}
	if strings.ContainsAny(title, "\r\n") {
		return nil, Invalid("title", "the published title is one line")
	}
	impact := c.ImpactOn(inc)
	if impact.Rank() < StatusDegraded.Rank() {
		return nil, Invalid("impact", "impact must be degraded_performance, partial_outage or major_outage")
	}
	return []Event{{Type: EventMadePublic, Title: title,
		Text: fmt.Sprintf("made public on the status page as %q (%s)", title, impact.Label())}}, nil
}

// ImpactOn is the impact the command gives inc's components: the one
// given, else the one of its severity.
func (c MakePublic) ImpactOn(inc *Incident) ComponentStatus {
	if c.Impact == "" {
		return ImpactForSeverity(inc.Severity)
	}
	return c.Impact
}

// PublicIncident is what the status page knows of an incident made
// public: its published title and impact, the components its services
// belong to, and when its impact started and ended. Nothing else of the
// incident is ever shown.
type PublicIncident struct {
	IncidentID   string          `json:"-"`
	Ref          string          `json:"-"`
	Slug         string          `json:"id"` // the public name in URLs: a hash, not the internal ID
	Title        string          `json:"title"`
	Impact       ComponentStatus `json:"impact"`
	ComponentIDs []string        `json:"component_ids"`
	StartedAt    time.Time       `json:"started_at"`
	PublishedAt  time.Time       `json:"published_at"`
	ResolvedAt   *time.Time      `json:"resolved_at,omitempty"`
}

// PublicSlug is the name of a public incident in the page's URLs: it
// does not reveal the internal ID or the incident count.
func PublicSlug(incidentID string) string {
	h := sha256.Sum256([]byte("warroom-status:" + incidentID))
	return base64.RawURLEncoding.EncodeToString(h[:9])
}

// PublicIncidentOf makes the public record of inc made public by c in
// event e (EventMadePublic), with the components whose services it
// affects.
func PublicIncidentOf(inc *Incident, c MakePublic, e Event, components []*StatusComponent) *PublicIncident {
	p := &PublicIncident{IncidentID: inc.ID, Ref: inc.Ref, Slug: PublicSlug(inc.ID), Title: e.Title,
		Impact: c.ImpactOn(inc), PublishedAt: e.At, StartedAt: inc.ImpactStartedAt}
	p.ComponentIDs = AffectedComponents(inc.Impact.ServiceIDs, components)
	if inc.Stage.Recovered() && inc.RecoveredAt != nil {
		t := *inc.RecoveredAt
		p.ResolvedAt = &t
	}
	return p
}

// AffectedComponents returns the IDs of the components grouping any of
// services, in the components' order.
func AffectedComponents(services []string, components []*StatusComponent) []string {
	out := []string{}
	for _, c := range components {
		for _, s := range c.ServiceIDs {
			if slices.Contains(services, s) {
				out = append(out, c.ID)
				break
			}
		}
	}
	return out
}

// Active reports whether the incident still affects its components at t.
func (p *PublicIncident) Active(t time.Time) bool {
	return p.ResolvedAt == nil || p.ResolvedAt.After(t)
}

// Maintenance is a scheduled maintenance window.
type Maintenance struct {
	ID           string              `json:"id"`
	Title        string              `json:"title"`
	Description  string              `json:"description"`
	ComponentIDs []string            `json:"component_ids"`
	StartsAt     time.Time           `json:"starts_at"`
	EndsAt       time.Time           `json:"ends_at"`
	CreatedBy    string              `json:"-"`
	CreatedAt    time.Time           `json:"created_at"`
	CancelledAt  *time.Time          `json:"cancelled_at,omitempty"`
	Updates      []MaintenanceUpdate `json:"updates"`
}

// MaintenanceUpdate is a note posted on a maintenance window.
type MaintenanceUpdate struct {
	ID   string    `json:"id"`
	Body string    `json:"body"`
	At   time.Time `json:"at"`
}

// Validate checks a new window at now.
func (m *Maintenance) Validate(now time.Time) error {
	m.Title = strings.TrimSpace(m.Title)
	switch {
	case m.Title == "" || len(m.Title) > 200 || strings.ContainsAny(m.Title, "\r\n"):
		return Invalid("title", "title is required: one line of at most 200 characters")
	case len(m.Description) > 10000:
		return Invalid("description", "description must be at most 10000 characters")
	case m.StartsAt.IsZero() || m.EndsAt.IsZero():
		return Invalid("starts_at", "a window needs its start and end (RFC 3339 times)")
	case !m.EndsAt.After(m.StartsAt):
		return Invalid("ends_at", "the window must end after it starts")
	case !m.EndsAt.After(now):
		return Invalid("ends_at", "the window is already over")
	case m.EndsAt.Sub(m.StartsAt) > 7*24*time.Hour:
		return Invalid("ends_at", "a window lasts at most 7 days")
	}
	if m.ComponentIDs == nil {
		m.ComponentIDs = []string{}
	}
	return nil
}

// Phase of a window at t: scheduled, in_progress, completed or cancelled.
func (m *Maintenance) Phase(t time.Time) string {
	switch {
	case m.CancelledAt != nil:
		return "cancelled"
	case t.Before(m.StartsAt):
		return "scheduled"
	case t.Before(m.EndsAt):
		return "in_progress"
	}
	return "completed"
}

// ComponentStatusAt is a component's status at t: a status set by hand
// while it holds; else the worst impact of the public incidents active at
// t that affect it, or under maintenance during one of its windows.
func ComponentStatusAt(c *StatusComponent, incidents []*PublicIncident, windows []*Maintenance, t time.Time) ComponentStatus {
	if c.ManualStatus != "" {
		return c.ManualStatus
	}
	s := StatusOperational
	for _, p := range incidents {
		if p.Active(t) && slices.Contains(p.ComponentIDs, c.ID) {
			s = WorstStatus(s, p.Impact)
		}
	}
	for _, m := range windows {
		if m.Phase(t) == "in_progress" && slices.Contains(m.ComponentIDs, c.ID) {
			s = WorstStatus(s, StatusMaintenance)
		}
	}
	return s
}

// OverallStatus is the page's headline: the worst component status.
func OverallStatus(statuses []ComponentStatus) ComponentStatus {
	s := StatusOperational
	for _, x := range statuses {
		s = WorstStatus(s, x)
	}
	return s
}

// DayBar is one day of a component's history: the worst status it had
// that day and the public incidents behind it.
type DayBar struct {
	Day       time.Time       `json:"day"` // midnight, in the page's zone
	Status    ComponentStatus `json:"status"`
	Incidents []string        `json:"incidents,omitempty"` // public slugs
}

// DailyBars returns the last days days of a component's history up to
// now, oldest first, with days cut at midnight in loc (so a day is 23 or
// 25 hours long when the clocks change). changes are the component's
// status changes in time order; before the first it was operational.
func DailyBars(componentID string, changes []ComponentChange, incidents []*PublicIncident, days int, now time.Time, loc *time.Location) []DayBar {
	y, m, d := now.In(loc).Date()
	bars := make([]DayBar, days)
	for i := range days {
		start := time.Date(y, m, d-(days-1-i), 0, 0, 0, 0, loc)
		end := time.Date(y, m, d-(days-1-i)+1, 0, 0, 0, 0, loc)
		if end.After(now) {
			end = now
		}
		// The status in effect at the start of the day, then the worst
		// of every change during it.
		s := StatusOperational
		for _, c := range changes {
			if c.At.After(start) {
				break
			}
			s = c.Status
		}
		worst := s
		for _, c := range changes {
			if c.At.After(start) && c.At.Before(end) {
				worst = WorstStatus(worst, c.Status)
			}
		}
		bar := DayBar{Day: start, Status: worst}
		for _, p := range incidents {
			if !slices.Contains(p.ComponentIDs, componentID) || !p.StartedAt.Before(end) {
				continue
			}
			if p.ResolvedAt == nil || p.ResolvedAt.After(start) {
				bar.Incidents = append(bar.Incidents, p.Slug)
			}
		}
		bars[i] = bar
	}
	return bars
}

// Subscriber kinds.
const (
	SubscriberEmail   = "email"
	SubscriberWebhook = "webhook"
)

// Subscriber receives the page's notices: by email once confirmed, or by
// webhook (added by an admin, signed with its secret). ComponentIDs empty
// means every component.
type Subscriber struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Address      string     `json:"address"`
	Secret       string     `json:"-"`
	ComponentIDs []string   `json:"component_ids"`
	Network      string     `json:"network,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	ConfirmedAt  *time.Time `json:"confirmed_at,omitempty"`
}

// Wants reports whether a notice about components reaches s: a notice
// about no component in particular reaches everyone.
func (s *Subscriber) Wants(components []string) bool {
	if len(s.ComponentIDs) == 0 || len(components) == 0 {
		return true
	}
	for _, c := range components {
		if slices.Contains(s.ComponentIDs, c) {
			return true
		}
	}
	return false
}

// ParseSubscriberEmail checks an address typed in a subscription form:
// one plain address (no display name), at most 254 characters, with a
// dotted domain. It returns the address with its domain in lower case.
func ParseSubscriberEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := Invalid("email", "%q is not an email address: type one address such as name@example.com", s)
	if s == "" {
		return "", Invalid("email", "an email address is required")
	}
	if len(s) > 254 || strings.ContainsAny(s, "<>\r\n ,;") {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", bad
	}
	local, domain, ok := strings.Cut(a.Address, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", bad
	}
	return local + "@" + strings.ToLower(domain), nil
}

// NetworkOf is the network a subscription comes from, as rate limits
// count it: the /24 of an IPv4 address, the /64 of an IPv6 one.
func NetworkOf(ip netip.Addr) string {
	ip = ip.Unmap()
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return ip.String()
	}
	return p.String()
}

// SubscribeLimits bounds subscription requests per window: per address
// and per network.
type SubscribeLimits struct {
	Window     time.Duration
	PerAddress int
	PerNetwork int
}

// DefaultSubscribeLimits: 3 requests an hour for an address, 20 for a
// network.
var DefaultSubscribeLimits = SubscribeLimits{Window: time.Hour, PerAddress: 3, PerNetwork: 20}

// CheckSubscribeRate refuses a subscription request when the address or
// the network already made as many in the window as allowed.
func (l SubscribeLimits) CheckSubscribeRate(byAddress, byNetwork int) error {
	if byAddress >= l.PerAddress {
		return Errorf(ERateLimited, "too many subscription requests for this address; try again in %s", l.Window)
	}
	if byNetwork >= l.PerNetwork {
		return Errorf(ERateLimited, "too many subscription requests from your network; try again in %s", l.Window)
	}
	return nil
}

// Link purposes of SubscriberToken.
const (
	LinkConfirm     = "confirm"
	LinkUnsubscribe = "unsubscribe"
)

// SubscriberToken signs a subscriber's link for a purpose: an HMAC-SHA256
// under the page's key of the purpose, the subscriber and its address, so
// that a link cannot be guessed nor used for another address or purpose.
func SubscriberToken(key []byte, purpose, subscriberID, address string) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s\x00%s\x00%s", purpose, subscriberID, strings.ToLower(address))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// CheckSubscriberToken reports whether token is the one SubscriberToken
// makes, in constant time.
func CheckSubscriberToken(key []byte, purpose, subscriberID, address, token string) bool {
	want := SubscriberToken(key, purpose, subscriberID, address)
	return hmac.Equal([]byte(want), []byte(token))
}

// StatusDeliveryID is the outbox row of a notice to a subscriber: the
// same notice reaches the same subscriber once.
func StatusDeliveryID(noticeKey, subscriberID string) string {
	h := sha256.Sum256([]byte(noticeKey + "\x00" + subscriberID))
	return base64.RawURLEncoding.EncodeToString(h[:18])
}
