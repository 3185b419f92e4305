package web

import (
	"net/http"

	"github.com/warroom/warroom"
)

// actionItemCreate adds an action item from the postmortem editor; a
// refused item (unknown owner, past date, ...) comes back with the message
// next to its field and what was typed kept.
func (h *Handler) actionItemCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.postmortemService()
	if err != nil {
		return err
	}
	ref := r.PathValue("ref")
	f := itemForm{Title: r.PostFormValue("title"), Owner: r.PostFormValue("owner"), TargetDate: r.PostFormValue("target_date"),
		Category: r.PostFormValue("category"), Criticality: r.PostFormValue("criticality")}
	cat, crit := warroom.ActionCategory(f.Category), warroom.Criticality(f.Criticality)
	in := warroom.ActionItemInput{Title: &f.Title, OwnerID: &f.Owner, TargetDate: &f.TargetDate, Category: &cat}
	if f.Criticality != "" {
		in.Criticality = &crit
	}
	_, err = svc.AddItem(r.Context(), actor(r), ref, in)
	if err == nil {
		return redirect(w, r, "/incidents/"+ref+"/postmortem#action-items")
	}
	return h.refused(w, r, ref, err, func(v *postmortemView) {
		v.Item = f
		field := warroom.ErrorField(err)
		if field == "" {
			field = "item"
		}
		v.Errors["item_"+field] = warroom.ErrorMessage(err)
	})
}
