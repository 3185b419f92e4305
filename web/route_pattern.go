package web

import "net/http"

// RoutePattern returns the pattern of the page r matches ("GET
// /incidents/{ref}"), "" for none (the API's routes, which the web UI
// passes on): warroom's own /metrics labels request latency with it.
func (h *Handler) RoutePattern(r *http.Request) string {
	_, p := h.mux.Handler(r)
	return p
}
