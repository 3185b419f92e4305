package web

import (
	"net/http"
	"net/url"

	"github.com/warroom/warroom/intake"
)

// integrationDelete removes an integration of a service: its key stops
// working at once; its alerts stay.
func (h *Handler) integrationDelete(w http.ResponseWriter, r *http.Request) error {
	store, err := h.alertStore()
	if err != nil {
		return err
	}
	svc, err := h.store.FindService(r.Context(), r.PathValue("service"))
	if err != nil {
		return err
	}
	ig, err := intake.DeleteIntegration(r.Context(), store, svc, r.PathValue("integration"))
	if err != nil {
		return err
	}
	return redirect(w, r, "/services/"+url.PathEscape(svc.Slug)+"?done="+url.QueryEscape("Removed the integration "+ig.Name+"; its key no longer works."))
}
