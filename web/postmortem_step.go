package web

import (
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/postmortem"
)

// postmortemStep moves the postmortem through its review (submit,
// approve, reject, publish) or requires it by hand; a refusal shows the
// editor with the service's message, e.g. the list of what is missing.
func (h *Handler) postmortemStep(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.postmortemService()
	if err != nil {
		return err
	}
	ctx, a, ref := r.Context(), actor(r), r.PathValue("ref")
	switch r.PathValue("step") {
	case "submit":
		_, err = svc.Submit(ctx, a, ref)
	case "approve":
		_, err = svc.Approve(ctx, a, ref)
	case "reject":
		_, err = svc.Reject(ctx, a, ref)
	case "publish":
		_, err = svc.Publish(ctx, a, ref)
	case "require":
		_, err = svc.Require(ctx, a, ref, postmortem.RequireInput{Required: r.PostFormValue("required") != "false", Reason: r.PostFormValue("reason")})
	default:
		return warroom.Errorf(warroom.ENotFound, "no such page")
	}
	if err == nil {
		return redirect(w, r, "/incidents/"+ref+"/postmortem")
	}
	if warroom.ErrorCode(err) == warroom.EForbidden {
		return err
	}
	return h.refused(w, r, ref, err, func(v *postmortemView) { v.Errors["review"] = warroom.ErrorMessage(err) })
}
