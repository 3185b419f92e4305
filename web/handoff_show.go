package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
)

// handoffView is an incident's "handoff and after the fire" page: the
// shift handoff (in progress or the last one, with who still has to
// acknowledge the brief), the brief form prefilled from the record, the
// return-to-baseline check (the checklist and what Alertmanager says),
// the timeline session and its draft follow-ups.
type handoffView struct {
	base
	Inc      *warroom.Incident
	Handoff  *afterfire.HandoffView
	Brief    warroom.HandoffBrief
	Silences *warroom.SilenceCheck
	Users    []*warroom.User
	People   map[string]string // user ID -> @handle
	Errors   map[string]string // form -> the service's message
	Baseline warroom.BaselineChecklist
	Override string
	// Review is the Post Mortem Review (nil Review inside while none).
	Review *afterfire.ReviewView
	grace  time.Duration
}

// Name shows a user ID as @handle.
func (v handoffView) Name(id string) string {
	if n, ok := v.People[id]; ok {
		return n
	}
	return id
}

// Names shows user IDs as @handles.
func (v handoffView) Names(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = v.Name(id)
	}
	return strings.Join(out, ", ")
}

// GraceEnds is when the outgoing people of the last handoff must have
// disengaged (handoff+30).
func (v handoffView) GraceEnds() time.Time {
	if l := v.Handoff.Last; l != nil && l.CompletedAt != nil {
		return l.CompletedAt.Add(v.grace)
	}
	return time.Time{}
}

// IsIncomingCommander reports whether the viewer names the incoming team.
func (v handoffView) IsIncomingCommander() bool {
	return v.Handoff.Pending != nil && v.User != nil && v.Handoff.Pending.IncomingCommander == v.User.ID
}

// MustAcknowledge reports whether the viewer is an incoming person who
// has not yet acknowledged the last brief.
func (v handoffView) MustAcknowledge() bool {
	l := v.Handoff.Last
	if l == nil || v.User == nil {
		return false
	}
	for _, id := range l.PendingAcknowledgement() {
		if id == v.User.ID {
			return true
		}
	}
	return false
}

func (h *Handler) afterFireService() (*afterfire.Service, error) {
	if h.afterfire == nil {
		return nil, warroom.Errorf(warroom.EUnavailable, "handoffs and the return to baseline are not available on this server")
	}
	return h.afterfire, nil
}

// handoffShow is the page.
func (h *Handler) handoffShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.handoffPage(r, nil)
	if err != nil {
		return err
	}
	return h.ok(w, "handoff_show", v)
}

// handoffPage reads what the page shows as the viewer sees it; typed is
// the brief as submitted, shown again after a refusal (nil: the draft).
func (h *Handler) handoffPage(r *http.Request, typed *warroom.HandoffBrief) (*handoffView, error) {
	svc, err := h.afterFireService()
	if err != nil {
		return nil, err
	}
	ctx, a, ref := r.Context(), actor(r), r.PathValue("ref")
	iv, err := h.incidents.Get(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	hv, err := svc.Handoff(ctx, a, ref)
	if err != nil {
		return nil, err
	}
	v := &handoffView{base: h.base(r, iv.Incident.Ref+" handoff"), Inc: iv.Incident, Handoff: hv, Brief: hv.Draft,
		People: map[string]string{}, Errors: map[string]string{}, grace: h.incidents.Policy.HandoffGrace}
	if typed != nil {
		v.Brief = *typed
	}
	for id, handle := range iv.People {
		v.People[id] = "@" + strings.TrimPrefix(handle, "@")
	}
	if iv.Incident.Stage == warroom.StageBaseline {
		if v.Silences, err = svc.CheckSilences(ctx, a, ref); err != nil {
			return nil, err
		}
	}
	if v.Review, err = svc.ReviewOrNone(ctx, a, ref); err != nil && warroom.ErrorCode(err) != warroom.EUnavailable {
		return nil, err
	}
	if v.Users, err = h.store.ListUsers(ctx); err != nil {
		return nil, err
	}
	for _, u := range v.Users {
		if _, ok := v.People[u.ID]; !ok {
			v.People[u.ID] = "@" + u.Handle
		}
	}
	return v, nil
}

// afterFireDone answers a form: back to the page on success, the page
// with the service's message next to the form otherwise.
func (h *Handler) afterFireDone(w http.ResponseWriter, r *http.Request, form string, err error, keep func(*handoffView)) error {
	if err == nil {
		return redirect(w, r, "/incidents/"+r.PathValue("ref")+"/handoff")
	}
	switch warroom.ErrorCode(err) {
	case warroom.EInvalid, warroom.EConflict, warroom.EForbidden:
	default:
		return err
	}
	var typed *warroom.HandoffBrief
	if form == "complete" {
		b := briefForm(r)
		typed = &b
	}
	v, perr := h.handoffPage(r, typed)
	if perr != nil {
		return perr
	}
	v.Errors[form] = warroom.ErrorMessage(err)
	if keep != nil {
		keep(v)
	}
	return h.render(w, status(err), "handoff_show", v)
}

// handoffStart names the incoming Incident Commander.
func (h *Handler) handoffStart(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.afterFireService()
	if err != nil {
		return err
	}
	_, err = svc.StartHandoff(r.Context(), actor(r), r.PathValue("ref"), r.PostFormValue("incoming_commander"), warroom.Idempotency{})
	return h.afterFireDone(w, r, "start", err, nil)
}

// handoffTeam names the incoming Technical Lead and supporting people.
func (h *Handler) handoffTeam(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.afterFireService()
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return warroom.Invalid("form", "the form could not be read")
	}
	_, err = svc.NameHandoffTeam(r.Context(), actor(r), r.PathValue("ref"), r.PostFormValue("technical_lead"), r.PostForm["supporting"], warroom.Idempotency{})
	return h.afterFireDone(w, r, "team", err, nil)
}

// briefForm reads the brief form.
func briefForm(r *http.Request) warroom.HandoffBrief {
	lines := func(name string) []string {
		var out []string
		for _, l := range strings.Split(r.PostFormValue(name), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	return warroom.HandoffBrief{
		TechnicalStatus: r.PostFormValue("technical_status"), OpenHypotheses: lines("open_hypotheses"),
		EliminatedHypotheses: lines("eliminated_hypotheses"), ConfirmedHypotheses: lines("confirmed_hypotheses"),
		HypothesesNote: r.PostFormValue("hypotheses_note"), CustomerUpdateNote: r.PostFormValue("customer_update_note"),
		Channels: warroom.HandoffChannels{Chat: r.PostFormValue("chat"), Bridge: r.PostFormValue("bridge"),
			TrackingDoc: r.PostFormValue("tracking_doc"), EmailThread: r.PostFormValue("email_thread")},
		ExternalPeople: r.PostFormValue("external_people"),
	}
}

// handoffComplete completes the handoff with the brief; the last
// customer update is always the record's.
func (h *Handler) handoffComplete(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.afterFireService()
	if err != nil {
		return err
	}
	_, err = svc.CompleteHandoff(r.Context(), actor(r), r.PathValue("ref"), briefForm(r), warroom.Idempotency{})
	return h.afterFireDone(w, r, "complete", err, nil)
}

// handoffAcknowledge records that the viewer read the brief.
func (h *Handler) handoffAcknowledge(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.afterFireService()
	if err != nil {
		return err
	}
	_, err = svc.AcknowledgeHandoff(r.Context(), actor(r), r.PathValue("ref"), warroom.Idempotency{})
	return h.afterFireDone(w, r, "acknowledge", err, nil)
}

// baselineComplete completes the return to baseline.
func (h *Handler) baselineComplete(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.afterFireService()
	if err != nil {
		return err
	}
	list := warroom.BaselineChecklist{ResilienceRestored: r.PostFormValue("resilience_restored") != "",
		ChangesPersisted: r.PostFormValue("changes_persisted") != "", MonitoringBaseline: r.PostFormValue("monitoring_baseline") != "",
		Notes: r.PostFormValue("notes")}
	override := r.PostFormValue("override_reason")
	_, err = svc.CompleteBaseline(r.Context(), actor(r), r.PathValue("ref"), list, override, warroom.Idempotency{})
	return h.afterFireDone(w, r, "baseline", err, func(v *handoffView) { v.Baseline, v.Override = list, override })
}

// followUpCreate drafts a follow-up at the timeline session.
func (h *Handler) followUpCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.afterFireService()
	if err != nil {
		return err
	}
	_, err = svc.DraftFollowUp(r.Context(), actor(r), r.PathValue("ref"), r.PostFormValue("title"), r.PostFormValue("proposed_owner"), warroom.Idempotency{})
	return h.afterFireDone(w, r, "follow-up", err, nil)
}
