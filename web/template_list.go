package web

import (
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
)

// templatesView is the update templates page: each audience's template,
// editable by admins, with the fields a template may use.
type templatesView struct {
	base
	Templates []warroom.UpdateTemplate
	// Failed is the audience whose edit was refused, with its error and
	// what was typed.
	Failed  warroom.Audience
	Error   string
	Subject string
	Body    string
}

func (h *Handler) templatesPage(r *http.Request) (*templatesView, error) {
	c, err := h.commsService()
	if err != nil {
		return nil, err
	}
	v := &templatesView{base: h.base(r, "Update templates")}
	v.Templates, err = c.Templates(r.Context())
	return v, err
}

// templateList is the update templates page.
func (h *Handler) templateList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.templatesPage(r)
	if err != nil {
		return err
	}
	return h.ok(w, "template_list", v)
}

// templateSave replaces an audience's template (admins); one that does
// not render comes back with the template's error and what was typed.
func (h *Handler) templateSave(w http.ResponseWriter, r *http.Request) error {
	c, err := h.commsService()
	if err != nil {
		return err
	}
	aud := warroom.Audience(r.PathValue("audience"))
	in := comms.TemplateInput{Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	_, err = c.PutTemplate(r.Context(), actor(r), aud, in)
	if err == nil {
		return redirect(w, r, "/update-templates")
	}
	if warroom.ErrorCode(err) != warroom.EInvalid {
		return err
	}
	v, perr := h.templatesPage(r)
	if perr != nil {
		return perr
	}
	v.Failed, v.Error, v.Subject, v.Body = aud, warroom.ErrorMessage(err), in.Subject, in.Body
	for i := range v.Templates {
		if v.Templates[i].Audience == aud {
			v.Templates[i].Subject, v.Templates[i].Body = in.Subject, in.Body
		}
	}
	return h.render(w, http.StatusUnprocessableEntity, "template_list", v)
}
