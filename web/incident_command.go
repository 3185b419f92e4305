package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
)

// execute runs cmd on the incident of the request's {ref} as the viewer,
// through the same service as the API. On success the browser goes back
// to the incident page; a refusal the viewer can act on (invalid input, a
// rule, a conflict) is shown next to the form named form, with the
// service's own message, and anything else is the error page.
func (h *Handler) execute(w http.ResponseWriter, r *http.Request, form string, cmd warroom.Command) error {
	ref := r.PathValue("ref")
	_, err := h.incidents.Execute(r.Context(), actor(r), ref, cmd, warroom.Idempotency{})
	if err == nil {
		if isHTMX(r) {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return redirect(w, r, "/incidents/"+ref)
	}
	return h.formRefused(w, r, form, err)
}

// formRefused shows err next to the incident page's form named form.
func (h *Handler) formRefused(w http.ResponseWriter, r *http.Request, form string, err error) error {
	switch warroom.ErrorCode(err) {
	case warroom.EInvalid, warroom.EConflict, warroom.EForbidden:
	default:
		return err
	}
	if isHTMX(r) {
		return h.fragment(w, status(err), "error_message", errorView{Message: warroom.ErrorMessage(err)})
	}
	v, perr := h.incidentPage(r, r.PathValue("ref"), 0, timelineFilter{})
	if perr != nil {
		return perr
	}
	v.FormErrors = map[string]*warroom.Error{form: asError(err)}
	return h.render(w, status(err), "incident_show", v)
}

// stageChange moves the incident to the stage of the button pressed.
func (h *Handler) stageChange(w http.ResponseWriter, r *http.Request) error {
	return h.execute(w, r, "stage", warroom.ChangeStage{Stage: warroom.Stage(r.PostFormValue("stage")), Reason: r.PostFormValue("reason")})
}

// incidentReopen reopens a resolved incident.
func (h *Handler) incidentReopen(w http.ResponseWriter, r *http.Request) error {
	return h.execute(w, r, "stage", warroom.Reopen{Reason: r.PostFormValue("reason")})
}

// roleAssign assigns or hands over a role.
func (h *Handler) roleAssign(w http.ResponseWriter, r *http.Request) error {
	return h.execute(w, r, "role", warroom.AssignRole{Role: warroom.Role(r.PostFormValue("role")),
		UserID: r.PostFormValue("user"), Reason: r.PostFormValue("reason")})
}

// roleRelease releases a role from a holder.
func (h *Handler) roleRelease(w http.ResponseWriter, r *http.Request) error {
	return h.execute(w, r, "role", warroom.ReleaseRole{Role: warroom.Role(r.PostFormValue("role")),
		UserID: r.PostFormValue("user"), Reason: r.PostFormValue("reason")})
}

// entryStar stars or unstars an entry.
func (h *Handler) entryStar(w http.ResponseWriter, r *http.Request) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	return h.execute(w, r, "timeline", warroom.Star{Ref: seq, Starred: r.PostFormValue("starred") != "false"})
}

// entryCorrect adds a correction of an entry.
func (h *Handler) entryCorrect(w http.ResponseWriter, r *http.Request) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	return h.execute(w, r, "timeline", warroom.Correct{Ref: seq, Text: r.PostFormValue("text")})
}

// hypothesisUpdate eliminates or confirms a hypothesis with evidence.
func (h *Handler) hypothesisUpdate(w http.ResponseWriter, r *http.Request) error {
	seq, err := seqParam(r)
	if err != nil {
		return err
	}
	return h.execute(w, r, "hypothesis-"+strconv.FormatInt(seq, 10), warroom.UpdateHypothesis{Ref: seq,
		Status: r.PostFormValue("status"), Evidence: r.PostFormValue("evidence")})
}

func seqParam(r *http.Request) (int64, error) {
	seq, err := strconv.ParseInt(strings.TrimPrefix(r.PathValue("seq"), "#"), 10, 64)
	if err != nil || seq < 1 {
		return 0, warroom.Invalid("ref", "entry numbers are positive whole numbers, not %q", r.PathValue("seq"))
	}
	return seq, nil
}
