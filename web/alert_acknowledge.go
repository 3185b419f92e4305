package web

import (
	"net/http"
	"net/url"

	"github.com/warroom/warroom"
)

// alertAcknowledge acknowledges an alert as the signed-in person
// (paging.Pager.AcknowledgeAlert: visibility first, then the alert and
// its incident), so that its escalation stops. It returns to the page
// the button was on (the list, with ?return=) or the alert's page.
func (h *Handler) alertAcknowledge(w http.ResponseWriter, r *http.Request) error {
	p, err := h.pager()
	if err != nil {
		return err
	}
	res, err := p.AcknowledgeAlert(r.Context(), actor(r), r.PathValue("alert"))
	if err != nil {
		return err
	}
	done := "Acknowledged: " + res.Message + "."
	if back := safeReturn(r.PostFormValue("return")); back != "/" {
		return redirect(w, r, withDone(back, done)) // the list the button was on
	}
	return redirect(w, r, alertURL(res.Alert, done))
}

// alertURL is an alert's page, saying done when it is not empty.
func alertURL(a *warroom.Alert, done string) string {
	u := "/alerts/" + url.PathEscape(a.ID)
	if done != "" {
		u += "?done=" + url.QueryEscape(done)
	}
	return u
}
