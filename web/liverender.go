package web

import (
	"context"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// liveRender turns one incident's new events into the frames each stream
// gets. Entries are rendered once per kind of viewer (frameKey), however
// many streams follow the incident.
type liveRender struct {
	b       *broadcaster
	inc     *warroom.Incident
	events  []warroom.Event
	refs    []warroom.Event // earlier entries these events change (stars, hypothesis outcomes)
	state   bool            // the incident's header, roles or stage may have changed
	starred map[int64]bool
	byKey   map[frameKey]*rendered
}

// rendered is the HTML of the new events (one string each) and of the
// changed earlier entries, for one kind of viewer.
type rendered struct {
	entries []string
	refs    string
}

func (b *broadcaster) newRender(ctx context.Context, inc *warroom.Incident, events []warroom.Event) *liveRender {
	r := &liveRender{b: b, inc: inc, events: events, starred: map[int64]bool{}, byKey: map[frameKey]*rendered{}}
	for _, s := range inc.Starred {
		r.starred[s] = true
	}
	var refSeqs []int64
	for i := range events {
		switch e := &events[i]; e.Type {
		case warroom.EntryNote, warroom.EntryAction, warroom.EntryDecision, warroom.EntryLink, warroom.EntryCorrection:
		case warroom.EventEntryStarred, warroom.EventEntryUnstarred, warroom.EntryHypothesisUpdate:
			refSeqs = append(refSeqs, e.Ref)
			r.state = r.state || e.Type == warroom.EntryHypothesisUpdate
		default:
			r.state = true
		}
	}
	first := events[0].Seq
	for _, seq := range refSeqs {
		if seq >= first {
			continue // rendered among the new events, with its new state
		}
		if evs, err := b.h.store.Timeline(ctx, inc.ID, seq-1, 1); err == nil && len(evs) == 1 {
			r.refs = append(r.refs, evs[0])
		}
	}
	b.h.peopleOf(ctx, inc, append(events[:len(events):len(events)], r.refs...), b.names)
	return r
}

// frames are the frames for stream s, whose page showed events up to
// version from.
func (r *liveRender) frames(s *stream, from int64) [][]byte {
	rd := r.render(s)
	var out [][]byte
	var html strings.Builder
	for i := range r.events {
		if e := &r.events[i]; e.Seq > from && s.filter.match(e, func(seq int64) bool { return r.starred[seq] }) {
			html.WriteString(rd.entries[i])
		}
	}
	if html.Len() > 0 {
		out = append(out, sseFrame("timeline prepend", html.String()))
	}
	if rd.refs != "" {
		out = append(out, sseFrame("timeline replace", rd.refs))
	}
	if r.state {
		out = append(out, sseFrame("incident-state reload", ""))
	}
	return out
}

func (r *liveRender) render(s *stream) *rendered {
	key := keyOf(s)
	if rd := r.byKey[key]; rd != nil {
		return rd
	}
	b := base{User: &warroom.User{Role: roleFor(s.write)}, loc: s.loc, now: r.b.h.now()}
	tv := newTimelineView(b, r.inc, r.b.names)
	rd := &rendered{entries: make([]string, len(r.events))}
	for i := range r.events {
		html, err := r.b.h.renderEntries(tv, r.events[i:i+1])
		if err != nil {
			r.b.h.log.Error("live update: render entry", "err", err)
		}
		rd.entries[i] = html
	}
	if len(r.refs) > 0 {
		rd.refs, _ = r.b.h.renderEntries(tv, r.refs)
	}
	r.byKey[key] = rd
	return rd
}

// roleFor is an account role that renders entries with or without their
// controls.
func roleFor(write bool) warroom.AccountRole {
	if write {
		return warroom.AccountResponder
	}
	return warroom.AccountViewer
}

// viewerLocation is the time zone of u's profile (UTC if unknown).
func viewerLocation(u *warroom.User) *time.Location {
	if loc, err := time.LoadLocation(u.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}
