package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
)

// composerForm is the timeline composer: a note, action, decision (with
// its reasoning and trade-off), hypothesis or link.
type composerForm struct {
	Type, Text, Reason, TradeOff, URL, Title string
	Errors                                   map[string]string
	Ref                                      string
	CSRF                                     string
	Key                                      string // the form's idempotency key (idempotency.go)
}

func parseComposer(r *http.Request) composerForm {
	f := composerForm{Type: r.PostFormValue("type"), Text: r.PostFormValue("text"), Reason: r.PostFormValue("reason"),
		TradeOff: r.PostFormValue("trade_off"), URL: strings.TrimSpace(r.PostFormValue("url")), Title: r.PostFormValue("title")}
	if f.Type == "" {
		f.Type = string(warroom.EntryNote)
	}
	return f
}

func (f composerForm) command() warroom.AddEntry {
	return warroom.AddEntry{Type: warroom.EventType(f.Type), Text: f.Text, Reason: f.Reason, TradeOff: f.TradeOff, URL: f.URL, Title: f.Title}
}

// Is reports whether the composer's type is t (for the radio buttons).
func (f composerForm) Is(t string) bool { return f.Type == t }

// entryCreate writes an entry on the timeline. The entry reaches this page
// and every other through the live stream, like anyone else's; the
// composer comes back empty (keeping its type), or with the service's
// message next to the field at fault and what was typed.
func (h *Handler) entryCreate(w http.ResponseWriter, r *http.Request) error {
	f := parseComposer(r)
	ref := r.PathValue("ref")
	f.Ref, f.CSRF = ref, visitOf(r).token()
	_, err := h.incidents.Execute(r.Context(), actor(r), ref, f.command(), formIdempotency(r))
	f.Key = newFormKey()
	if err != nil {
		switch warroom.ErrorCode(err) {
		case warroom.EInvalid, warroom.EConflict, warroom.EForbidden:
		default:
			return err
		}
		field := warroom.ErrorField(err)
		if field == "" {
			field = "form"
		}
		f.Errors = map[string]string{field: warroom.ErrorMessage(err)}
		if isHTMX(r) {
			return h.fragment(w, http.StatusUnprocessableEntity, "composer", f)
		}
		v, perr := h.incidentPage(r, ref, 0, timelineFilter{})
		if perr != nil {
			return perr
		}
		v.Composer = f
		return h.render(w, status(err), "incident_show", v)
	}
	if isHTMX(r) {
		if !h.live.enabled() {
			// Nothing will bring the entry to this page: reload it.
			w.Header().Set("HX-Refresh", "true")
		}
		return h.fragment(w, http.StatusOK, "composer", composerForm{Type: f.Type, Ref: ref, CSRF: f.CSRF, Key: f.Key})
	}
	return redirect(w, r, "/incidents/"+ref)
}
