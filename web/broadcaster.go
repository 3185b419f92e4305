package web

// broadcaster fans committed incident changes out to the live streams of
// this process (live.go). This first version only holds the wiring.
type broadcaster struct {
	h   *Handler
	src CommitSource
}

func newBroadcaster(h *Handler, src CommitSource) *broadcaster { return &broadcaster{h: h, src: src} }

func (b *broadcaster) close() {}
