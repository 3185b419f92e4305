package statuspage

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/warroom/warroom"
)

// Page is the public state of the status page: what the HTML shows and
// the JSON API returns. Everything in it is meant for customers: the
// published titles, customer updates and components of public incidents,
// and the page's own records; nothing else of an incident.
type Page struct {
	Name        string                  `json:"name"`
	LogoURL     string                  `json:"logo_url,omitempty"`
	Links       []Link                  `json:"links"`
	URL         string                  `json:"url"`
	GeneratedAt time.Time               `json:"generated_at"`
	Status      warroom.ComponentStatus `json:"status"`
	StatusLabel string                  `json:"status_label"`
	Groups      []Group                 `json:"groups"`
	Active      []IncidentView          `json:"active_incidents"`
	Maintenance []MaintenanceView       `json:"maintenance"`
	Past        []PastDay               `json:"past_incidents"`
	// incidents by slug, for the bars' and the feeds' use
	bySlug map[string]*IncidentView
	loc    *time.Location
}

// Group is a named group of components ("" for those in none).
type Group struct {
	Name       string          `json:"name"`
	Components []ComponentView `json:"components"`
}

// ComponentView is a component on the page.
type ComponentView struct {
	ID          string                  `json:"id"`
	Name        string                  `json:"name"`
	Description string                  `json:"description,omitempty"`
	Status      warroom.ComponentStatus `json:"status"`
	StatusLabel string                  `json:"status_label"`
	History     []warroom.DayBar        `json:"history"`
}

// IncidentView is a public incident on the page.
type IncidentView struct {
	ID          string                  `json:"id"`
	Title       string                  `json:"title"`
	Impact      warroom.ComponentStatus `json:"impact"`
	State       string                  `json:"state"` // ongoing or resolved
	StartedAt   time.Time               `json:"started_at"`
	ResolvedAt  *time.Time              `json:"resolved_at,omitempty"`
	URL         string                  `json:"url"`
	Components  []string                `json:"components"` // names
	Updates     []UpdateView            `json:"updates"`    // newest first
	componentID []string
}

// UpdateView is a customer update as published: its text and time.
type UpdateView struct {
	At   time.Time `json:"at"`
	Body string    `json:"body"`
}

// MaintenanceView is a window on the page.
type MaintenanceView struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Phase       string       `json:"phase"`
	StartsAt    time.Time    `json:"starts_at"`
	EndsAt      time.Time    `json:"ends_at"`
	Components  []string     `json:"components"`
	Updates     []UpdateView `json:"updates"`
	componentID []string
}

// PastDay is the incidents that started on one day (in the page's zone).
type PastDay struct {
	Day       time.Time      `json:"day"`
	Incidents []IncidentView `json:"incidents"`
}

// pastDays is how many days of past incidents the page lists.
const pastDays = 14

// Build reads the page's state at now.
func (s *Service) Build(ctx context.Context, now time.Time) (*Page, error) {
	st, err := s.load(ctx, now)
	if err != nil {
		return nil, err
	}
	p := &Page{Name: s.cfg.Name, LogoURL: s.cfg.LogoURL, Links: s.cfg.Links, URL: s.pageURL("/status"), GeneratedAt: now,
		bySlug: map[string]*IncidentView{}, loc: s.cfg.Location}
	if p.Links == nil {
		p.Links = []Link{}
	}
	names := map[string]string{}
	for _, c := range st.components {
		names[c.ID] = c.Name
	}
	nameList := func(ids []string) []string {
		out := []string{}
		for _, id := range ids {
			if n, ok := names[id]; ok {
				out = append(out, n)
			}
		}
		return out
	}
	var statuses []warroom.ComponentStatus
	for _, c := range st.components {
		cs := warroom.ComponentStatusAt(c, st.incidents, st.windows, now)
		statuses = append(statuses, cs)
		cv := ComponentView{ID: c.ID, Name: c.Name, Description: c.Description, Status: cs, StatusLabel: cs.Label(),
			History: warroom.DailyBars(c.ID, st.changes[c.ID], st.incidents, historyDays, now, s.cfg.Location)}
		i := slices.IndexFunc(p.Groups, func(g Group) bool { return g.Name == c.Group })
		if i < 0 {
			p.Groups = append(p.Groups, Group{Name: c.Group})
			i = len(p.Groups) - 1
		}
		p.Groups[i].Components = append(p.Groups[i].Components, cv)
	}
	if p.Groups == nil {
		p.Groups = []Group{}
	}
	p.Status = warroom.OverallStatus(statuses)
	p.StatusLabel = overallLabel(p.Status)

	p.Active, p.Past = []IncidentView{}, []PastDay{}
	pastFrom := time.Date(now.In(s.cfg.Location).Year(), now.In(s.cfg.Location).Month(), now.In(s.cfg.Location).Day()-pastDays+1, 0, 0, 0, 0, s.cfg.Location)
	for _, pi := range st.incidents {
		v, err := s.incidentView(ctx, pi, nameList)
		if err != nil {
			return nil, err
		}
		p.bySlug[v.ID] = &v
		if pi.Active(now) {
			p.Active = append(p.Active, v)
			continue
		}
		if pi.StartedAt.Before(pastFrom) {
			continue
		}
		y, m, d := pi.StartedAt.In(s.cfg.Location).Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, s.cfg.Location)
		if n := len(p.Past); n > 0 && p.Past[n-1].Day.Equal(day) {
			p.Past[n-1].Incidents = append(p.Past[n-1].Incidents, v)
		} else {
			p.Past = append(p.Past, PastDay{Day: day, Incidents: []IncidentView{v}})
		}
	}
	p.Maintenance = []MaintenanceView{}
	for _, m := range st.windows {
		phase := m.Phase(now)
		if phase != "scheduled" && phase != "in_progress" {
			continue
		}
		mv := MaintenanceView{ID: m.ID, Title: m.Title, Description: m.Description, Phase: phase, StartsAt: m.StartsAt,
			EndsAt: m.EndsAt, Components: nameList(m.ComponentIDs), Updates: []UpdateView{}, componentID: m.ComponentIDs}
		for _, u := range m.Updates {
			mv.Updates = append(mv.Updates, UpdateView{At: u.At, Body: u.Body})
		}
		p.Maintenance = append(p.Maintenance, mv)
	}
	sort.SliceStable(p.Maintenance, func(i, j int) bool { return p.Maintenance[i].StartsAt.Before(p.Maintenance[j].StartsAt) })
	return p, nil
}

func overallLabel(s warroom.ComponentStatus) string {
	switch s {
	case warroom.StatusOperational:
		return "All systems operational"
	case warroom.StatusMaintenance:
		return "Maintenance in progress"
	case warroom.StatusDegraded:
		return "Degraded performance"
	case warroom.StatusPartialOutage:
		return "Partial outage"
	}
	return "Major outage"
}

// incidentView is what the page shows of a public incident: its
// published title, impact, times, component names and customer updates.
func (s *Service) incidentView(ctx context.Context, pi *warroom.PublicIncident, names func([]string) []string) (IncidentView, error) {
	v := IncidentView{ID: pi.Slug, Title: pi.Title, Impact: pi.Impact, State: "ongoing", StartedAt: pi.StartedAt,
		ResolvedAt: pi.ResolvedAt, URL: s.pageURL("/status/incidents/" + pi.Slug), Components: names(pi.ComponentIDs),
		Updates: []UpdateView{}, componentID: pi.ComponentIDs}
	if pi.ResolvedAt != nil {
		v.State = "resolved"
	}
	updates, err := s.cfg.Store.ListUpdates(ctx, pi.IncidentID, warroom.AudienceCustomers)
	if err != nil {
		return v, err
	}
	for _, u := range updates {
		v.Updates = append(v.Updates, UpdateView{At: u.At, Body: u.Body})
	}
	return v, nil
}

// Incident is one public incident's page state; ENotFound for anything
// that is not a public incident.
func (p *Page) Incident(slug string) (*IncidentView, bool) {
	v, ok := p.bySlug[slug]
	return v, ok
}

// Component returns a component's view.
func (p *Page) Component(id string) (*ComponentView, bool) {
	for gi := range p.Groups {
		for ci := range p.Groups[gi].Components {
			if c := &p.Groups[gi].Components[ci]; c.ID == id {
				return c, true
			}
		}
	}
	return nil, false
}
