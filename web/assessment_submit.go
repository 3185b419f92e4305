package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// assessmentSubmit answers assessment questions from the communications
// page; a question left empty keeps its answer.
func (h *Handler) assessmentSubmit(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("ref")
	f := assessForm{WhoAffected: r.PostFormValue("who_affected"), ActualImpact: r.PostFormValue("actual_impact"),
		StartedAt: strings.TrimSpace(r.PostFormValue("started_at"))}
	cmd := warroom.Assess{WhoAffected: f.WhoAffected, ActualImpact: f.ActualImpact}
	var err error
	if f.StartedAt != "" {
		loc := h.base(r, "").loc
		t, perr := time.ParseInLocation("2006-01-02T15:04", f.StartedAt, loc)
		if perr != nil {
			err = warroom.Invalid("started_at", "give the start as a date and time")
		}
		cmd.StartedAt = &t
	}
	if err == nil {
		_, err = h.incidents.Execute(r.Context(), actor(r), ref, cmd, warroom.Idempotency{})
	}
	if err == nil {
		return redirect(w, r, "/incidents/"+ref+"/updates")
	}
	if c := warroom.ErrorCode(err); c != warroom.EInvalid && c != warroom.EConflict {
		return err
	}
	f.Errors = map[string]string{warroom.ErrorField(err): warroom.ErrorMessage(err)}
	v, perr := h.updatesPage(r, ref, updateForm{Audience: string(warroom.AudienceInternal)}, true)
	if perr != nil {
		return perr
	}
	v.Assess = f
	return h.render(w, http.StatusUnprocessableEntity, "updates_show", v)
}

// helpSubmit asks a team or an escalation policy for help from the
// communications page.
func (h *Handler) helpSubmit(w http.ResponseWriter, r *http.Request) error {
	c, err := h.commsService()
	if err != nil {
		return err
	}
	ref := r.PathValue("ref")
	f := helpForm{Target: r.PostFormValue("target"), Reason: r.PostFormValue("reason")}
	cmd := warroom.RequestHelp{Reason: f.Reason}
	kind, name, _ := strings.Cut(f.Target, ":")
	switch kind {
	case "team":
		cmd.Team = name
	case "policy":
		cmd.EscalationPolicy = name
	}
	_, err = c.RequestHelp(r.Context(), actor(r), ref, cmd, warroom.Idempotency{})
	if err == nil {
		return redirect(w, r, "/incidents/"+ref+"/updates")
	}
	if c := warroom.ErrorCode(err); c != warroom.EInvalid && c != warroom.EConflict {
		return err
	}
	field := warroom.ErrorField(err)
	if field != "reason" {
		field = "target"
	}
	f.Errors = map[string]string{field: warroom.ErrorMessage(err)}
	v, perr := h.updatesPage(r, ref, updateForm{Audience: string(warroom.AudienceInternal)}, true)
	if perr != nil {
		return perr
	}
	v.Help = f
	return h.render(w, http.StatusUnprocessableEntity, "updates_show", v)
}
