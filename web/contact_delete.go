package web

import (
	"net/http"

	"github.com/warroom/warroom"
)

// contactDelete removes a contact method of the signed-in person's and
// the notification rules that used it (warroom.DeleteContactMethod).
func (h *Handler) contactDelete(w http.ResponseWriter, r *http.Request) error {
	store, err := h.escalationStore()
	if err != nil {
		return err
	}
	m, err := warroom.DeleteContactMethod(r.Context(), store, currentUser(r), r.PathValue("contact"))
	if err != nil {
		return err
	}
	return redirect(w, r, withDone("/profile", "Removed "+m.Address+"."))
}
