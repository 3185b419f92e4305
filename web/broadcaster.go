package web

import (
	"context"
	"sync"
	"time"

	"github.com/warroom/warroom"
)

// broadcaster fans committed incident changes out to the live streams of
// this process. It learns of changes only from the store's commits
// (CommitSource: in-process on SQLite, LISTEN/NOTIFY on PostgreSQL, so a
// change made through another replica arrives the same way), never from
// the handler that made them. One goroutine (run) owns all state: it
// reads each changed incident and its new events once, checks per stream
// whether the stream's viewer may see the incident, renders each entry
// once per kind of viewer (time zone, may write), and queues the frames
// on the streams.
type broadcaster struct {
	h      *Handler
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	joins  chan *stream
	leaves chan *stream

	// owned by run:
	topics map[string]*topic // incident ID -> its followers
	lists  map[*stream]bool  // followers of the incident list
	names  map[string]string // user ID -> "@handle", for rendering entries
}

// topic is one followed incident: the last version streamed and the
// streams following it.
type topic struct {
	version int64
	streams map[*stream]bool
}

// streamBuffer is how many frames a stream may fall behind before it is
// dropped (the browser reconnects and catches up from its version).
const streamBuffer = 256

// stream is one browser's server-sent events connection.
type stream struct {
	viewer  warroom.Actor
	loc     *time.Location
	write   bool           // the viewer may change things: entries get their controls
	csrf    string         // for the controls of rendered entries
	incID   string         // "" for the incident list
	after   int64          // the version the page showed
	filter  timelineFilter // which entries the page shows
	frames  chan []byte    // queued frames
	dropped chan struct{}  // closed when the broadcaster gives up on the stream
	once    sync.Once
}

func (s *stream) drop() { s.once.Do(func() { close(s.dropped) }) }

// send queues a frame without ever blocking the broadcaster: a stream
// that cannot keep up is dropped.
func (s *stream) send(frame []byte) {
	select {
	case s.frames <- frame:
	default:
		s.drop()
	}
}

func newBroadcaster(h *Handler, src CommitSource) *broadcaster {
	ctx, cancel := context.WithCancel(context.Background())
	b := &broadcaster{h: h, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		joins: make(chan *stream), leaves: make(chan *stream, 64),
		topics: map[string]*topic{}, lists: map[*stream]bool{}, names: map[string]string{}}
	if src == nil {
		close(b.done)
		return b
	}
	commits, err := src.ListenIncidents(ctx)
	if err != nil {
		h.log.Error("live updates are off: cannot listen for incident commits", "err", err)
		close(b.done)
		return b
	}
	go b.run(commits)
	return b
}

// enabled reports whether pages update live.
func (b *broadcaster) enabled() bool {
	select {
	case <-b.done:
		return false
	default:
		return true
	}
}

// close ends every stream and stops the broadcaster.
func (b *broadcaster) close() {
	b.cancel()
	<-b.done
}

// join adds a stream; false if the broadcaster is stopped.
func (b *broadcaster) join(s *stream) bool {
	select {
	case b.joins <- s:
		return true
	case <-b.done:
		return false
	}
}

func (b *broadcaster) leave(s *stream) {
	select {
	case b.leaves <- s:
	case <-b.done:
	}
}

func (b *broadcaster) run(commits <-chan warroom.IncidentCommit) {
	defer close(b.done)
	defer b.dropAll()
	for {
		select {
		case <-b.ctx.Done():
			return
		case s := <-b.joins:
			b.add(s)
		case s := <-b.leaves:
			b.remove(s)
		case c, ok := <-commits:
			if !ok {
				return
			}
			b.commit(c)
		}
	}
}

func (b *broadcaster) add(s *stream) {
	if s.incID == "" {
		b.lists[s] = true
		return
	}
	t := b.topics[s.incID]
	if t == nil {
		t = &topic{version: s.after, streams: map[*stream]bool{}}
		b.topics[s.incID] = t
	}
	t.streams[s] = true
	if s.after < t.version {
		// The page is older than what others follow: catch it up alone.
		b.deliver(s.incID, s.after, map[*stream]bool{s: true})
	}
}

func (b *broadcaster) remove(s *stream) {
	delete(b.lists, s)
	if t := b.topics[s.incID]; t != nil {
		delete(t.streams, s)
		if len(t.streams) == 0 {
			delete(b.topics, s.incID)
		}
	}
	s.drop()
}

func (b *broadcaster) dropAll() {
	for s := range b.lists {
		s.drop()
	}
	for _, t := range b.topics {
		for s := range t.streams {
			s.drop()
		}
	}
}

// commit handles one incident commit; an empty one (commits may have been
// missed) refreshes everything followed.
func (b *broadcaster) commit(c warroom.IncidentCommit) {
	if c.IncidentID == "" {
		for id, t := range b.topics {
			t.version = b.deliver(id, t.version, t.streams)
		}
		b.reloadLists(nil)
		return
	}
	var inc *warroom.Incident
	if t := b.topics[c.IncidentID]; t != nil && c.Version > t.version {
		t.version, inc = b.deliverIncident(c.IncidentID, t.version, t.streams)
	}
	if len(b.lists) > 0 {
		if inc == nil {
			var err error
			if inc, err = b.h.store.FindIncident(b.ctx, c.IncidentID); err != nil {
				b.h.log.Warn("live list update: read incident", "incident", c.IncidentID, "err", err)
				return
			}
		}
		b.reloadLists(inc)
	}
}

// reloadLists tells the incident lists whose viewer may see inc (all of
// them for nil) to reload their rows.
func (b *broadcaster) reloadLists(inc *warroom.Incident) {
	head := "incident-rows reload"
	if inc != nil {
		head += " " + inc.Ref // for tests and debugging; app.js reads the first two words
	}
	frame := sseFrame(head, "")
	for s := range b.lists {
		if inc == nil || inc.VisibleTo(s.viewer) {
			s.send(frame)
		}
	}
}

// deliver streams an incident's events after version to streams and
// returns the version reached.
func (b *broadcaster) deliver(id string, version int64, streams map[*stream]bool) int64 {
	v, _ := b.deliverIncident(id, version, streams)
	return v
}

func (b *broadcaster) deliverIncident(id string, version int64, streams map[*stream]bool) (int64, *warroom.Incident) {
	ctx := b.ctx
	inc, err := b.h.store.FindIncident(ctx, id)
	if err != nil {
		b.h.log.Warn("live update: read incident", "incident", id, "err", err)
		return version, nil
	}
	events, err := b.h.store.Timeline(ctx, id, version, 0)
	if err != nil || len(events) == 0 {
		if err != nil {
			b.h.log.Warn("live update: read timeline", "incident", id, "err", err)
		}
		return version, inc
	}
	r := b.newRender(ctx, inc, events)
	for s := range streams {
		if !inc.VisibleTo(s.viewer) {
			// The incident became private to this viewer: the stream
			// ends and carries nothing more.
			s.drop()
			continue
		}
		for _, f := range r.frames(s, version) {
			s.send(f)
		}
	}
	return events[len(events)-1].Seq, inc
}

// sseFrame formats one server-sent event named "update": the first data
// line says where the HTML goes (app.js), the rest is the HTML.
func sseFrame(head, html string) []byte {
	buf := make([]byte, 0, len(html)+64)
	buf = append(buf, "event: update\ndata: "...)
	buf = append(buf, head...)
	start := 0
	for i := 0; i <= len(html); i++ {
		if i == len(html) || html[i] == '\n' {
			if i > start || i < len(html) {
				buf = append(buf, "\ndata: "...)
				buf = append(buf, html[start:i]...)
			}
			start = i + 1
		}
	}
	return append(buf, "\n\n"...)
}

// frameKey is a kind of viewer: entries are rendered once per kind.
type frameKey struct {
	loc   string
	write bool
}

func keyOf(s *stream) frameKey { return frameKey{loc: s.loc.String(), write: s.write} }
