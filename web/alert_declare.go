package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/warroom/warroom"
)

// alertDeclare declares an incident from an alert at the severity chosen
// (paging.Pager.DeclareFromAlert: the person is its first responder, the
// alert is attached and acknowledged) and opens the incident. A refusal
// is shown on the alert's page, next to the form.
func (h *Handler) alertDeclare(w http.ResponseWriter, r *http.Request) error {
	p, err := h.pager()
	if err != nil {
		return err
	}
	sev := warroom.Severity(strings.ToUpper(strings.TrimSpace(r.PostFormValue("severity"))))
	res, err := p.DeclareFromAlert(r.Context(), actor(r), r.PathValue("alert"), sev)
	if err != nil {
		return h.alertFormProblem(w, r, err, func(v *alertView) { v.Severity = sev })
	}
	return redirect(w, r, "/incidents/"+url.PathEscape(res.Incident.Ref))
}

// alertFormProblem shows the alert's page again with the service's
// refusal of one of its forms, what was chosen kept by keep; errors that
// are not the person's mistake are the error page.
func (h *Handler) alertFormProblem(w http.ResponseWriter, r *http.Request, err error, keep func(*alertView)) error {
	code, ok := formProblem(err)
	if !ok {
		return err
	}
	v, perr := h.alertPage(r)
	if perr != nil {
		return perr
	}
	keep(v)
	v.Problem = newProblem(err, "severity", "incident")
	return h.render(w, code, "alert_show", v)
}
