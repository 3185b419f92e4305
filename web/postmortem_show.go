package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/postmortem"
)

// postmortemRoutes registers the postmortem editor and the action items
// (docs/postmortems.md).
func (h *Handler) postmortemRoutes() {
	// Built here, while New runs, so that requests only read it.
	if h.postmortems == nil {
		if ps, ok := h.store.(postmortem.Store); ok {
			h.postmortems, _ = postmortem.New(postmortem.Config{Store: ps, Now: h.now, Policy: h.incidents.Policy, BaseURL: h.publicURL, Logger: h.log})
		}
	}
	h.handle("GET /incidents/{ref}/postmortem", signedIn, h.postmortemShow)
	h.handle("GET /incidents/{ref}/postmortem.md", signedIn, h.postmortemExport)
	h.handle("POST /incidents/{ref}/postmortem/sections/{section}", writer, h.sectionSave)
	h.handle("POST /incidents/{ref}/postmortem/{step}", writer, h.postmortemStep)
	h.handle("POST /incidents/{ref}/action-items", writer, h.actionItemCreate)
	h.handle("GET /action-items", signedIn, h.actionItemList)
	h.handle("POST /action-items/{id}", writer, h.actionItemUpdate)
}

// postmortemService is Config.Postmortems, or the one on the store that
// postmortemRoutes made (its reminders then run only where an engine has
// their handlers).
func (h *Handler) postmortemService() (*postmortem.Service, error) {
	if h.postmortems == nil {
		return nil, warroom.Errorf(warroom.EUnavailable, "postmortems are not available on this server")
	}
	return h.postmortems, nil
}

// postmortemView is the postmortem editor: the review state, why it is
// required, what keeps it from being published and the incident from
// closing, each section as its own form (with the version it was read
// at, so that a concurrent save is a conflict, not an overwrite), the
// blameless-lint findings, the facts drawn from the incident and the
// action items with the form to add one.
type postmortemView struct {
	base
	PM        *postmortem.View
	Inc       *warroom.Incident
	CloseGaps []string
	Findings  map[warroom.Section][]warroom.BlameFinding
	// Drafts holds what a person typed in a section whose save was
	// refused, shown instead of the stored text.
	Drafts     map[warroom.Section]string
	Errors     map[string]string
	Item       itemForm
	Categories []warroom.ActionCategory
	Crits      []warroom.Criticality
	Statuses   []warroom.ActionStatus
	Questions  []warroom.Section
	Lessons    []warroom.Section
	// FollowUps are the follow-ups drafted at the timeline session that
	// no action item has taken up yet (by title).
	FollowUps []warroom.DraftFollowUp
}

// itemForm is the add-an-action-item form.
type itemForm struct {
	Title, Owner, TargetDate, Category, Criticality string
}

// Name shows a user ID as @handle.
func (v postmortemView) Name(id string) string {
	if n, ok := v.PM.People[id]; ok {
		return n
	}
	return id
}

// Text is a section's text as the editor shows it: a refused draft, or
// the document's.
func (v postmortemView) Text(s postmortem.SectionView) string {
	if d, ok := v.Drafts[s.Section]; ok {
		return d
	}
	return s.Text
}

// Group tells the template which heading a section comes under.
func (v postmortemView) Group(s warroom.Section) string {
	switch s {
	case warroom.SectionSummary:
		return "1. Summary"
	case warroom.SectionImpactCustomers:
		return "2. Impact"
	case warroom.SectionRootCauses:
		return "3. Root causes"
	case warroom.SectionResolution:
		return "4. Resolution"
	case warroom.SectionDetection:
		return "5. Detection"
	case warroom.SectionProtectBetter:
		return "Questionnaire"
	case warroom.SectionWentWell:
		return "Lessons"
	}
	return ""
}

func (h *Handler) postmortemShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.postmortemPage(r, r.PathValue("ref"))
	if err != nil {
		return err
	}
	// ?follow_up=SEQ fills the add-an-action-item form from a follow-up
	// drafted at the timeline session: its title and proposed owner.
	if seq := r.URL.Query().Get("follow_up"); seq != "" {
		for _, d := range v.FollowUps {
			if strconv.FormatInt(d.Seq, 10) != seq {
				continue
			}
			v.Item.Title = d.Title
			if d.ProposedOwner != "" {
				if u, err := h.store.FindUser(r.Context(), d.ProposedOwner); err == nil {
					v.Item.Owner = u.Handle
				}
			}
		}
	}
	return h.ok(w, "postmortem_show", v)
}

// openFollowUps are the drafts no action item has taken up: none with the
// same title, case and surrounding spaces aside.
func openFollowUps(drafts []warroom.DraftFollowUp, items []*warroom.ActionItem) []warroom.DraftFollowUp {
	taken := map[string]bool{}
	for _, it := range items {
		taken[strings.ToLower(strings.TrimSpace(it.Title))] = true
	}
	var out []warroom.DraftFollowUp
	for _, d := range drafts {
		if !taken[strings.ToLower(strings.TrimSpace(d.Title))] {
			out = append(out, d)
		}
	}
	return out
}

// postmortemPage reads everything the editor shows, as the viewer sees
// it.
func (h *Handler) postmortemPage(r *http.Request, ref string) (*postmortemView, error) {
	svc, err := h.postmortemService()
	if err != nil {
		return nil, err
	}
	pm, err := svc.Get(r.Context(), actor(r), ref)
	if err != nil {
		return nil, err
	}
	gaps, err := h.incidents.CloseReadiness(r.Context(), actor(r), ref)
	if err != nil {
		return nil, err
	}
	v := &postmortemView{base: h.base(r, pm.Ref+" postmortem"), PM: pm, Inc: pm.Incident, CloseGaps: gaps,
		Findings: map[warroom.Section][]warroom.BlameFinding{}, Drafts: map[warroom.Section]string{}, Errors: map[string]string{},
		Categories: warroom.ActionCategories, Crits: warroom.Criticalities, Statuses: warroom.ActionStatuses,
		Item: itemForm{Criticality: string(warroom.CriticalityMedium)}}
	for _, f := range pm.Findings {
		v.Findings[f.Section] = append(v.Findings[f.Section], f)
	}
	if pm.Incident != nil {
		v.FollowUps = openFollowUps(pm.Incident.DraftFollowUps, pm.Items)
	}
	return v, nil
}

// postmortemExport sends the Markdown export as a download.
func (h *Handler) postmortemExport(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.postmortemService()
	if err != nil {
		return err
	}
	md, err := svc.Export(r.Context(), actor(r), r.PathValue("ref"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ToLower(r.PathValue("ref"))+`-postmortem.md"`)
	_, err = w.Write([]byte(md))
	return err
}

// refused shows the editor again with the service's message, answering
// 409 for a conflict and 422 for bad input; other errors go to the error
// page.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, ref string, err error, fill func(v *postmortemView)) error {
	status := http.StatusUnprocessableEntity
	switch warroom.ErrorCode(err) {
	case warroom.EInvalid:
	case warroom.EConflict:
		status = http.StatusConflict
	default:
		return err
	}
	v, perr := h.postmortemPage(r, ref)
	if perr != nil {
		return perr
	}
	if fill != nil {
		fill(v)
	}
	return h.render(w, status, "postmortem_show", v)
}
