package postmortem

import (
	"context"
	"strings"

	"github.com/warroom/warroom"
)

// SectionView is one section as the editor shows it.
type SectionView struct {
	Section   warroom.Section `json:"section"`
	Title     string          `json:"title"`
	Text      string          `json:"text"`
	Version   int64           `json:"version"`              // send it back when saving: a newer one is a conflict
	Prefilled bool            `json:"prefilled"`            // nobody saved it: the text follows the incident
	UpdatedBy string          `json:"updated_by,omitempty"` // "@handle"
}

// View is a postmortem as a reader sees it.
type View struct {
	IncidentID string                  `json:"incident_id"`
	Ref        string                  `json:"ref"`
	Title      string                  `json:"title"`
	Stage      warroom.Stage           `json:"stage"`
	State      warroom.PostmortemState `json:"state"`
	Version    int64                   `json:"version"`
	// Required lists why a postmortem is required; empty: optional.
	Required   []string              `json:"required_because"`
	Sections   []SectionView         `json:"sections"`
	Items      []*warroom.ActionItem `json:"action_items"`
	AuthorID   string                `json:"author_id,omitempty"`
	ApprovedBy string                `json:"approved_by,omitempty"`
	// Missing is what keeps it from being published (empty once
	// published or ready).
	Missing  []string                `json:"missing"`
	Findings []warroom.BlameFinding  `json:"blame_findings"`
	Facts    warroom.PostmortemFacts `json:"facts"`
	People   map[string]string       `json:"people"`
	Document *warroom.Postmortem     `json:"-"`
	Incident *warroom.Incident       `json:"-"`
}

// Get returns the postmortem of incident idOrRef as a sees it; every
// incident has one from its declaration (the empty draft until someone
// saves a section). ENotFound for an unknown or hidden incident.
func (s *Service) Get(ctx context.Context, a warroom.Actor, idOrRef string) (*View, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	pm, err := s.cfg.Store.FindPostmortem(ctx, inc.ID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		pm, err = warroom.NewPostmortem(inc.ID), nil
	}
	if err != nil {
		return nil, err
	}
	return s.view(ctx, inc, pm)
}

func (s *Service) view(ctx context.Context, inc *warroom.Incident, pm *warroom.Postmortem) (*View, error) {
	items, err := s.cfg.Store.ListActionItems(ctx, warroom.ActionItemFilter{IncidentID: inc.ID, Limit: 10000})
	if err != nil {
		return nil, err
	}
	events, err := s.cfg.Store.Timeline(ctx, inc.ID, 0, 0)
	if err != nil {
		return nil, err
	}
	names, lintPeople, err := s.people(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	v := &View{IncidentID: inc.ID, Ref: inc.Ref, Title: inc.Title, Stage: inc.Stage, State: pm.State, Version: pm.Version,
		Required: nonNil(warroom.PostmortemRequiredReasons(inc, pm)), Items: items, AuthorID: pm.AuthorID, ApprovedBy: pm.ApprovedBy,
		Facts: warroom.FactsOf(inc, events), People: names, Document: pm, Incident: inc}
	texts := map[warroom.Section]string{}
	for _, sec := range warroom.Sections {
		st := pm.Effective(inc, sec, now)
		texts[sec] = st.Text
		sv := SectionView{Section: sec, Title: sec.Title(), Text: st.Text, Version: st.Version, Prefilled: st.Version == 0}
		if st.UpdatedBy != "" {
			sv.UpdatedBy = nameOf(names)(st.UpdatedBy)
		}
		v.Sections = append(v.Sections, sv)
	}
	if pm.State != warroom.PostmortemPublished {
		v.Missing = warroom.PublishMissing(inc, pm, items, now)
	}
	v.Missing = nonNil(v.Missing)
	v.Findings = nonNil(warroom.LintPostmortem(texts, s.cfg.BlamePatterns, lintPeople))
	return v, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// SectionInput saves one section: the text, and the version the editor
// started from (0 for a section nobody saved).
type SectionInput struct {
	Text    string `json:"text"`
	Version int64  `json:"version"`
}

// EditSection saves one section as a. EConflict if someone saved it since
// in.Version (nothing is overwritten), EInvalid for an unknown section or
// a text too long, EForbidden for viewers.
func (s *Service) EditSection(ctx context.Context, a warroom.Actor, idOrRef string, section warroom.Section, in SectionInput) (*View, error) {
	return s.change(ctx, a, idOrRef, func(inc *warroom.Incident, pm *warroom.Postmortem, _ []*warroom.ActionItem) (
		*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error) {
		next, rev, err := warroom.EditSection(pm, a, section, in.Text, in.Version, s.now())
		if err != nil {
			return nil, nil, nil, err
		}
		return next, []warroom.PostmortemRevision{rev}, nil, nil
	})
}

// RequireInput asks for a postmortem by hand, or withdraws the request.
type RequireInput struct {
	Required bool   `json:"required"`
	Reason   string `json:"reason,omitempty"`
}

// Require records that a postmortem is required by hand (with a reason)
// or no longer is.
func (s *Service) Require(ctx context.Context, a warroom.Actor, idOrRef string, in RequireInput) (*View, error) {
	return s.simple(ctx, a, idOrRef, func(pm *warroom.Postmortem) (*warroom.Postmortem, error) {
		return warroom.RequirePostmortem(pm, a, in.Required, in.Reason, s.now())
	})
}

// Submit sends the draft for review; a becomes its author.
func (s *Service) Submit(ctx context.Context, a warroom.Actor, idOrRef string) (*View, error) {
	return s.simple(ctx, a, idOrRef, func(pm *warroom.Postmortem) (*warroom.Postmortem, error) {
		return warroom.SubmitPostmortem(pm, a, s.now())
	})
}

// Approve records a's approval; the author cannot approve (EForbidden).
func (s *Service) Approve(ctx context.Context, a warroom.Actor, idOrRef string) (*View, error) {
	return s.simple(ctx, a, idOrRef, func(pm *warroom.Postmortem) (*warroom.Postmortem, error) {
		return warroom.ApprovePostmortem(pm, a, s.now())
	})
}

// Reject takes a postmortem in review back to draft.
func (s *Service) Reject(ctx context.Context, a warroom.Actor, idOrRef string) (*View, error) {
	return s.simple(ctx, a, idOrRef, func(pm *warroom.Postmortem) (*warroom.Postmortem, error) {
		return warroom.ReturnToDraft(pm, a, s.now())
	})
}

// Publish publishes the postmortem and records it on the incident's
// timeline, in one transaction; EConflict with the list of what is
// missing until the six items are complete and a reviewer other than the
// author approved.
func (s *Service) Publish(ctx context.Context, a warroom.Actor, idOrRef string) (*View, error) {
	return s.change(ctx, a, idOrRef, func(inc *warroom.Incident, pm *warroom.Postmortem, items []*warroom.ActionItem) (
		*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error) {
		now := s.now()
		next, err := warroom.PublishPostmortem(inc, pm, items, a, now)
		if err != nil {
			return nil, nil, nil, err
		}
		events, err := warroom.Decide(inc, a, warroom.RecordPostmortemPublished{}, now, s.cfg.Policy)
		return next, nil, events, err
	})
}

func (s *Service) simple(ctx context.Context, a warroom.Actor, idOrRef string, fn func(pm *warroom.Postmortem) (*warroom.Postmortem, error)) (*View, error) {
	return s.change(ctx, a, idOrRef, func(_ *warroom.Incident, pm *warroom.Postmortem, _ []*warroom.ActionItem) (
		*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error) {
		next, err := fn(pm)
		return next, nil, nil, err
	})
}

// change checks that a may see and change the incident, then runs fn in
// the store's transaction and returns the new view.
func (s *Service) change(ctx context.Context, a warroom.Actor, idOrRef string, fn func(inc *warroom.Incident, pm *warroom.Postmortem, items []*warroom.ActionItem) (
	*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error)) (*View, error) {
	inc, err := s.writable(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	pm, after, err := s.cfg.Store.ChangePostmortem(ctx, inc.ID, func(cur *warroom.Incident, pm *warroom.Postmortem, items []*warroom.ActionItem) (
		*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error) {
		if !cur.VisibleTo(a) { // made private since it was read
			return nil, nil, nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
		}
		return fn(cur, pm, items)
	})
	if err != nil {
		return nil, err
	}
	return s.view(ctx, after, pm)
}

// Export returns the postmortem as Markdown with the whole timeline.
func (s *Service) Export(ctx context.Context, a warroom.Actor, idOrRef string) (string, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return "", err
	}
	pm, err := s.cfg.Store.FindPostmortem(ctx, inc.ID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		pm, err = warroom.NewPostmortem(inc.ID), nil
	}
	if err != nil {
		return "", err
	}
	items, err := s.cfg.Store.ListActionItems(ctx, warroom.ActionItemFilter{IncidentID: inc.ID, Limit: 10000})
	if err != nil {
		return "", err
	}
	events, err := s.cfg.Store.Timeline(ctx, inc.ID, 0, 0)
	if err != nil {
		return "", err
	}
	names, _, err := s.people(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = warroom.ExportMarkdown(&b, inc, pm, items, events, nameOf(names), s.now())
	return b.String(), err
}

// History returns the saved versions of a section ("" for every
// section), oldest first.
func (s *Service) History(ctx context.Context, a warroom.Actor, idOrRef string, section warroom.Section) ([]warroom.PostmortemRevision, error) {
	if section != "" && !section.Valid() {
		return nil, warroom.Invalid("section", "unknown section %q", section)
	}
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.ListPostmortemRevisions(ctx, inc.ID, section)
}
