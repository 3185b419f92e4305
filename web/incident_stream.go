package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/warroom/warroom"
)

// heartbeat keeps idle streams open through proxies that close silent
// connections, and is when a stream checks that its session still exists.
// A variable so that tests can shorten it.
var heartbeat = 25 * time.Second

// incidentStream is the live stream of one incident page (server-sent
// events): new entries, changed entries, and a note to reload the
// incident's state. ?after= is the version the page showed, so nothing
// committed between the page and the stream is missed; ?type= and
// ?starred= are the page's timeline filter. The viewer must be able to
// see the incident now, and the broadcaster checks again at every change.
func (h *Handler) incidentStream(w http.ResponseWriter, r *http.Request) error {
	inc, err := h.incidents.GetRecent(r.Context(), actor(r), r.PathValue("ref"), 0, 1)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	if after <= 0 || after > inc.Incident.Version {
		after = inc.Incident.Version
	}
	f := timelineFilter{Type: q.Get("type"), Starred: q.Get("starred") == "1"}
	if !f.valid() {
		return warroom.Invalid("type", "unknown entry type %q", f.Type)
	}
	return h.serveStream(w, r, &stream{incID: inc.Incident.ID, after: after, filter: f})
}

// incidentListStream is the live stream of the incident list: a note to
// reload the rows when an incident the viewer may see changes.
func (h *Handler) incidentListStream(w http.ResponseWriter, r *http.Request) error {
	return h.serveStream(w, r, &stream{})
}

// serveStream follows s until the browser leaves, the broadcaster drops
// the stream or the server stops.
func (h *Handler) serveStream(w http.ResponseWriter, r *http.Request, s *stream) error {
	u := currentUser(r)
	s.viewer, s.loc, s.write = u.Actor(), viewerLocation(u), u.Role.CanWrite()
	s.frames, s.dropped = make(chan []byte, streamBuffer), make(chan struct{})
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	if !h.live.join(s) {
		return warroom.Errorf(warroom.EUnavailable, "live updates are off on this server")
	}
	defer h.live.leave(s)
	w.WriteHeader(http.StatusOK)
	// retry: how long the browser waits before reconnecting.
	if _, err := w.Write([]byte("retry: 2000\n: live\n\n")); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.dropped:
			return nil
		case f := <-s.frames:
			if _, err := w.Write(f); err != nil {
				return nil
			}
			// Write what else is queued before flushing once.
			for n := len(s.frames); n > 0; n-- {
				if _, err := w.Write(<-s.frames); err != nil {
					return nil
				}
			}
		case <-beat.C:
			// A session that ended (signed out, revoked, expired) ends
			// its streams too, at the latest one heartbeat later.
			if !h.sessionAlive(r) {
				return nil
			}
			if _, err := w.Write([]byte(": beat\n\n")); err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// sessionAlive reports whether the session of r's visit still exists.
func (h *Handler) sessionAlive(r *http.Request) bool {
	v := visitOf(r)
	_, _, err := h.store.FindSession(r.Context(), warroom.HashTokenSecret(v.secret), h.now().UTC())
	return err == nil || warroom.ErrorCode(err) != warroom.EUnauthorized
}
