package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

// alertAttach attaches an alert to an open incident the person chose
// (paging.Pager.AttachAlerts: the incident and the alert must both be
// visible to them, checked before anything is written).
func (h *Handler) alertAttach(w http.ResponseWriter, r *http.Request) error {
	p, err := h.pager()
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(r.PostFormValue("incident"))
	if ref == "" {
		return h.alertFormProblem(w, r, warroom.Invalid("incident", "choose the incident to attach the alert to"), func(*alertView) {})
	}
	res, err := p.AttachAlerts(r.Context(), actor(r), ref, []string{r.PathValue("alert")}, warroom.Idempotency{})
	if warroom.ErrorCode(err) == warroom.ENotFound {
		err = warroom.Invalid("incident", "no open incident %q", ref)
	}
	if err != nil {
		return h.alertFormProblem(w, r, err, func(v *alertView) { v.Attach = ref })
	}
	return redirect(w, r, alertURL(&warroom.Alert{ID: r.PathValue("alert")}, "Attached to "+res.Incident.Ref+"."))
}
