package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/paging"
)

// contactForm adds a way to reach the signed-in person.
type contactForm struct{ Channel, Address string }

// contactCreate adds a contact method of the signed-in person's own
// (viewers included, as in the API): paging.AddContactMethod checks the
// address, that this server can send by the channel, and the outbound
// policy for webhooks.
func (h *Handler) contactCreate(w http.ResponseWriter, r *http.Request) error {
	store, err := h.escalationStore()
	if err != nil {
		return err
	}
	f := contactForm{Channel: strings.TrimSpace(r.PostFormValue("channel")), Address: strings.TrimSpace(r.PostFormValue("address"))}
	m := &warroom.ContactMethod{UserID: currentUser(r).ID, Channel: warroom.ContactChannel(f.Channel), Address: f.Address}
	if err := paging.AddContactMethod(r.Context(), store, h.pages.pager, h.pages.outbound, m); err != nil {
		return h.profileProblem(w, r, "contact", err, func(v *profileView) { v.Contact = f }, "channel", "address")
	}
	return redirect(w, r, withDone("/profile", "Added "+m.Address+" ("+string(m.Channel)+")."))
}
