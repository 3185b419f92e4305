package web

import "net/http"

// contactTest sends the signed-in person a test notification by one of
// their contact methods (paging.Pager.SendTestNotification), so they
// know pages reach them before one has to.
func (h *Handler) contactTest(w http.ResponseWriter, r *http.Request) error {
	p, err := h.pager()
	if err != nil {
		return err
	}
	msg, err := p.SendTestNotification(r.Context(), currentUser(r), r.PathValue("contact"))
	if err != nil {
		return h.profileProblem(w, r, "contact", err, func(*profileView) {}, "channel")
	}
	return redirect(w, r, withDone("/profile", "Sent a test notification by "+msg.Channel+": check that it reaches you."))
}
