package web

import (
	"bytes"
	"context"
	"html/template"
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

// entryView is one timeline entry, flattened for the template: the
// incident page renders a hundred of them, and html/template's
// reflection over promoted fields and methods would cost more than the
// rest of the page.
type entryView struct {
	E          *warroom.Event
	Kind       string // CSS class: note, decision, hypothesis-updated, system...
	Label      string // the kind for people
	Time       template.HTML
	Actor      string
	Describe   string // a system event as one line
	HypStatus  string // the status of the hypothesis this entry opened
	Starred    bool
	CanWrite   bool
	CanCorrect bool
	Ref        string // the incident's
	CSRF       string
}

// Entries wraps events for the "entries" partial.
func (tv *timelineView) Entries(events []warroom.Event) []entryView {
	out := make([]entryView, len(events))
	canWrite := tv.CanWrite()
	for i := range events {
		e := &events[i]
		ev := entryView{E: e, Kind: entryKind(e.Type), Label: entryLabel(e), Time: tv.base.Time(e.At),
			Actor: tv.Name(e.ActorID), Starred: tv.starred[e.Seq], CanWrite: canWrite, Ref: tv.Ref, CSRF: tv.CSRF,
			CanCorrect: e.Type.IsEntry() && e.Type != warroom.EntryCorrection}
		if ev.Kind == "system" {
			ev.Describe = warroom.Describe(e, tv.Name)
		}
		if e.Type == warroom.EntryHypothesis {
			ev.HypStatus = tv.hypotheses[e.Seq].Status
		}
		out[i] = ev
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

// entryKind is an entry's kind as a CSS class.
func entryKind(t warroom.EventType) string {
	if !t.IsEntry() {
		return "system"
	}
	return strings.ReplaceAll(string(t), ".", "-")
}

// entryLabel names an entry's kind for people.
func entryLabel(e *warroom.Event) string {
	switch e.Type {
	case warroom.EntryHypothesisUpdate:
		return "hypothesis " + e.HypothesisStatus
	case warroom.EntryCorrection:
		return "correction"
	}
	if !e.Type.IsEntry() {
		return "event"
	}
	return string(e.Type)
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
