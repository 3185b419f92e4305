package web

import (
	"net/http"
	"strconv"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/postmortem"
)

// sectionSave saves one section of the postmortem from the version the
// form was read at. A conflict (someone saved it since) shows the editor
// again with the other person's text in the document and this person's
// text kept in the form, so that nothing is lost and nothing is
// overwritten.
func (h *Handler) sectionSave(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.postmortemService()
	if err != nil {
		return err
	}
	ref, section := r.PathValue("ref"), warroom.Section(r.PathValue("section"))
	text := r.PostFormValue("text")
	version, perr := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if perr != nil {
		err = warroom.Invalid("version", "the form's version is not a number; reload the page")
	} else {
		_, err = svc.EditSection(r.Context(), actor(r), ref, section, postmortem.SectionInput{Text: text, Version: version})
	}
	if err == nil {
		return redirect(w, r, "/incidents/"+ref+"/postmortem#s-"+string(section))
	}
	return h.refused(w, r, ref, err, func(v *postmortemView) {
		v.Drafts[section] = text
		v.Errors[string(section)] = warroom.ErrorMessage(err)
	})
}
