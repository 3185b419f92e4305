package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

// actionItemUpdate changes an item's status, ticket, date or owner from
// the postmortem editor or the action items page, then goes back where
// the form came from (its "back" field, a local path).
func (h *Handler) actionItemUpdate(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.postmortemService()
	if err != nil {
		return err
	}
	var in warroom.ActionItemInput
	set := func(field string) *string {
		if _, ok := r.PostForm[field]; !ok {
			return nil
		}
		v := r.PostFormValue(field)
		return &v
	}
	if err := r.ParseForm(); err != nil {
		return warroom.Invalid("form", "the form could not be read")
	}
	if s := set("status"); s != nil {
		st := warroom.ActionStatus(*s)
		in.Status = &st
	}
	in.TicketKey, in.TicketURL, in.TargetDate, in.OwnerID = set("ticket_key"), set("ticket_url"), set("target_date"), set("owner")
	it, err := svc.ChangeItem(r.Context(), actor(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
		back = "/incidents/" + it.Ref + "/postmortem#action-items"
	}
	return redirect(w, r, back)
}
