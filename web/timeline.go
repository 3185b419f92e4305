package web

import (
	"bytes"
	"context"
	"slices"
	"strings"

	"github.com/warroom/warroom"
)

// timelineView is what the timeline's entries are rendered with, on the
// page and in live updates: the viewer's kind (time zone, may write) and
// the incident's state that entries show (stars, hypotheses, people).
type timelineView struct {
	base
	Ref        string
	people     map[string]string
	starred    map[int64]bool
	hypotheses map[int64]warroom.Hypothesis
}

func newTimelineView(b base, inc *warroom.Incident, people map[string]string) *timelineView {
	tv := &timelineView{base: b, Ref: inc.Ref, people: people, starred: map[int64]bool{}, hypotheses: map[int64]warroom.Hypothesis{}}
	for _, s := range inc.Starred {
		tv.starred[s] = true
	}
	for _, hy := range inc.Hypotheses {
		tv.hypotheses[hy.Seq] = hy
	}
	return tv
}

// entryView is one timeline entry.
type entryView struct {
	*timelineView
	E *warroom.Event
}

// Entries wraps events for the "entries" partial.
func (tv *timelineView) Entries(events []warroom.Event) []entryView {
	out := make([]entryView, len(events))
	for i := range events {
		out[i] = entryView{tv, &events[i]}
	}
	return out
}

// Name shows a user ID as their handle.
func (tv *timelineView) Name(id string) string {
	if id == "" {
		return "warroom"
	}
	if n, ok := tv.people[id]; ok {
		return n
	}
	return id
}

// Kind is the entry's kind as a CSS class and label.
func (ev entryView) Kind() string {
	if !ev.E.Type.IsEntry() {
		return "system"
	}
	return strings.ReplaceAll(string(ev.E.Type), ".", "-")
}

// Label names the entry's kind for people.
func (ev entryView) Label() string {
	switch ev.E.Type {
	case warroom.EntryHypothesisUpdate:
		return "hypothesis " + ev.E.HypothesisStatus
	case warroom.EntryCorrection:
		return "correction"
	}
	if !ev.E.Type.IsEntry() {
		return "event"
	}
	return string(ev.E.Type)
}

// Starred reports whether the entry is starred for the postmortem.
func (ev entryView) Starred() bool { return ev.starred[ev.E.Seq] }

// HypothesisStatus is the status of the hypothesis this entry opened
// ("" for other entries).
func (ev entryView) HypothesisStatus() string { return ev.hypotheses[ev.E.Seq].Status }

// Describe is a system event as one line.
func (ev entryView) Describe() string { return warroom.Describe(ev.E, ev.Name) }

// CanCorrect reports whether the entry may be corrected: every event can
// be starred, but only responders' entries (not corrections) corrected.
func (ev entryView) CanCorrect() bool {
	return ev.E.Type.IsEntry() && ev.E.Type != warroom.EntryCorrection
}

// entryTypes are the timeline filter's choices.
var entryTypes = []warroom.EventType{warroom.EntryNote, warroom.EntryAction, warroom.EntryDecision,
	warroom.EntryHypothesis, warroom.EntryLink, warroom.EntryHypothesisUpdate, warroom.EntryCorrection}

// timelineFilter selects which events a timeline shows.
type timelineFilter struct {
	Type    string // an entry type, "system", or "" for all
	Starred bool
}

// match reports whether e passes the filter, with starred the incident's
// starred entries.
func (f timelineFilter) match(e *warroom.Event, starred func(int64) bool) bool {
	switch {
	case f.Starred && !starred(e.Seq):
		return false
	case f.Type == "":
		return true
	case f.Type == "system":
		return !e.Type.IsEntry()
	}
	return string(e.Type) == f.Type
}

func (f timelineFilter) valid() bool {
	return f.Type == "" || f.Type == "system" || slices.Contains(entryTypes, warroom.EventType(f.Type))
}

// renderEntries renders events as timeline items (the "entries" partial).
func (h *Handler) renderEntries(tv *timelineView, events []warroom.Event) (string, error) {
	var buf bytes.Buffer
	if err := h.tmpl.partial(&buf, "entries", tv.Entries(events)); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// peopleOf maps the users events and inc mention to handles, through
// cache (user ID -> "@handle"), which it fills.
func (h *Handler) peopleOf(ctx context.Context, inc *warroom.Incident, events []warroom.Event, cache map[string]string) map[string]string {
	add := func(id string) {
		if _, ok := cache[id]; ok || id == "" {
			return
		}
		if u, err := h.store.FindUser(ctx, id); err == nil {
			cache[id] = "@" + u.Handle
		}
	}
	for _, id := range inc.Participants {
		add(id)
	}
	for i := range events {
		add(events[i].ActorID)
		add(events[i].UserID)
		add(events[i].PreviousUserID)
	}
	return cache
}
