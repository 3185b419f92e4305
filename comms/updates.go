package comms

import (
	"context"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// UpdateInput is an update to send. An empty body sends the audience's
// template rendered for the incident's current state; an empty subject
// takes the template's.
type UpdateInput struct {
	Audience warroom.Audience `json:"audience"`
	Subject  string           `json:"subject"`
	Body     string           `json:"body"`
}

// SendUpdate records an update a sent about an incident; the timeline
// records it was sent (update.sent), and a customer update goes to every
// affected customer (Reactor, deliver). Errors: those of warroom.Decide
// (ENotFound for a hidden incident, EForbidden for viewers, EInvalid,
// EConflict on a closed incident), EConflict for a reused idempotency key.
func (s *Service) SendUpdate(ctx context.Context, a warroom.Actor, idOrRef string, in UpdateInput, idem warroom.Idempotency) (*warroom.Update, error) {
	if !in.Audience.Valid() {
		return nil, warroom.Invalid("audience", "audience must be internal, customers or executives")
	}
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	if !a.Role.CanWrite() {
		return nil, warroom.Errorf(warroom.EForbidden, "viewers can read updates but not send them")
	}
	if strings.TrimSpace(in.Body) == "" || strings.TrimSpace(in.Subject) == "" {
		d, err := s.draftFor(ctx, inc, in.Audience)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(in.Body) == "" {
			in.Body = d.Body
		}
		if strings.TrimSpace(in.Subject) == "" {
			in.Subject = d.Subject
		}
	}
	cmd := warroom.SendUpdate{ID: newID(), Audience: in.Audience, Subject: in.Subject, Body: in.Body}
	return s.cfg.Store.RecordUpdate(ctx, inc.ID, idem, func(cur *warroom.Incident) (*warroom.Update, []warroom.Event, error) {
		return warroom.DecideUpdate(cur, a, cmd, s.cfg.Now().UTC(), s.cfg.Policy)
	})
}

// Draft is an update prefilled from the audience's template.
type Draft struct {
	Audience warroom.Audience `json:"audience"`
	Subject  string           `json:"subject"`
	Body     string           `json:"body"`
	// NextDueAt is when the audience's next update is due, if it has a
	// cadence: the draft's "next update" line says so.
	NextDueAt *time.Time `json:"next_due_at,omitempty"`
}

// Draft renders the audience's template for the incident as it stands.
func (s *Service) Draft(ctx context.Context, a warroom.Actor, idOrRef string, audience warroom.Audience) (*Draft, error) {
	if !audience.Valid() {
		return nil, warroom.Invalid("audience", "audience must be internal, customers or executives")
	}
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	return s.draftFor(ctx, inc, audience)
}

func (s *Service) draftFor(ctx context.Context, inc *warroom.Incident, audience warroom.Audience) (*Draft, error) {
	t, err := s.Template(ctx, audience)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	d := &Draft{Audience: audience}
	var next time.Time
	if audience != warroom.AudienceExecutives {
		st, err := s.cadenceOf(ctx, inc, audience, now)
		if err != nil {
			return nil, err
		}
		if st.DueAt != nil {
			// The update being written resets the clock: the next is due
			// one interval after it.
			next = now.Add(time.Duration(st.Interval))
			d.NextDueAt = &next
		}
	}
	data := warroom.TemplateDataOf(inc, s.name(ctx), next, now)
	if d.Subject, err = warroom.RenderTemplate(t.Subject, data); err != nil {
		return nil, warroom.Errorf(warroom.EInternal, "the %s subject template does not render: %v", audience, err)
	}
	if d.Body, err = warroom.RenderTemplate(t.Body, data); err != nil {
		return nil, warroom.Errorf(warroom.EInternal, "the %s body template does not render: %v", audience, err)
	}
	d.Subject = strings.Join(strings.Fields(d.Subject), " ")
	return d, nil
}

// ListUpdates returns an incident's updates, newest first, to one
// audience or ("") all.
func (s *Service) ListUpdates(ctx context.Context, a warroom.Actor, idOrRef string, audience warroom.Audience) ([]*warroom.Update, error) {
	if audience != "" && !audience.Valid() {
		return nil, warroom.Invalid("audience", "audience must be internal, customers or executives")
	}
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.ListUpdates(ctx, inc.ID, audience)
}

// CustomerUpdates returns the customer updates of an incident, newest
// first: what the public status page shows. It checks no visibility: the
// caller (the status page) decides which incidents are public.
func (s *Service) CustomerUpdates(ctx context.Context, incidentID string) ([]*warroom.Update, error) {
	return s.cfg.Store.ListUpdates(ctx, incidentID, warroom.AudienceCustomers)
}

// Summary is the executive summary of an incident.
type Summary struct {
	Ref        string          `json:"ref"`
	Text       string          `json:"text"`
	LastUpdate *warroom.Update `json:"last_update,omitempty"`
}

// Summary returns the executive summary of an incident as it stands.
func (s *Service) Summary(ctx context.Context, a warroom.Actor, idOrRef string) (*Summary, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	ups, err := s.cfg.Store.ListUpdates(ctx, inc.ID, "")
	if err != nil {
		return nil, err
	}
	var last *warroom.Update
	if len(ups) > 0 {
		last = ups[0]
	}
	return &Summary{Ref: inc.Ref, Text: warroom.ExecutiveSummary(inc, s.name(ctx), last, s.cfg.Now().UTC()), LastUpdate: last}, nil
}

// Deliveries returns the deliveries of an incident's customer updates.
func (s *Service) Deliveries(ctx context.Context, a warroom.Actor, idOrRef string) ([]*warroom.CustomerDelivery, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.ListDeliveries(ctx, inc.ID)
}

// Templates returns the template of every audience.
func (s *Service) Templates(ctx context.Context) ([]warroom.UpdateTemplate, error) {
	var out []warroom.UpdateTemplate
	for _, a := range warroom.Audiences {
		t, err := s.Template(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, nil
}

// Template returns an audience's template: the edited one, or the
// default.
func (s *Service) Template(ctx context.Context, a warroom.Audience) (*warroom.UpdateTemplate, error) {
	if !a.Valid() {
		return nil, warroom.Invalid("audience", "audience must be internal, customers or executives")
	}
	t, err := s.cfg.Store.GetUpdateTemplate(ctx, a)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		d := warroom.DefaultUpdateTemplates()[a]
		return &d, nil
	}
	return t, err
}

// TemplateInput is an edited template; an empty subject keeps the
// default subject.
type TemplateInput struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// PutTemplate stores an audience's template after rendering it against a
// sample incident: a template that does not render is refused with the
// template's error (EInvalid). Admins only.
func (s *Service) PutTemplate(ctx context.Context, a warroom.Actor, audience warroom.Audience, in TemplateInput) (*warroom.UpdateTemplate, error) {
	if a.Role != warroom.AccountAdmin {
		return nil, warroom.Errorf(warroom.EForbidden, "only admins edit update templates")
	}
	if !audience.Valid() {
		return nil, warroom.Invalid("audience", "audience must be internal, customers or executives")
	}
	if strings.TrimSpace(in.Body) == "" {
		return nil, warroom.Invalid("body", "body is required")
	}
	if strings.TrimSpace(in.Subject) == "" {
		in.Subject = warroom.DefaultUpdateTemplates()[audience].Subject
	}
	if err := warroom.CheckTemplate("subject", in.Subject); err != nil {
		return nil, err
	}
	if err := warroom.CheckTemplate("body", in.Body); err != nil {
		return nil, err
	}
	t := &warroom.UpdateTemplate{Audience: audience, Subject: in.Subject, Body: in.Body, UpdatedBy: a.UserID,
		UpdatedAt: s.cfg.Now().UTC()}
	if err := s.cfg.Store.PutUpdateTemplate(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// SendChatUpdate sends an update typed in the incident's chat channel
// (chat.Updates): the text is its body, the subject comes from the
// audience's template.
func (s *Service) SendChatUpdate(ctx context.Context, a warroom.Actor, incidentID, audience, text string, idem warroom.Idempotency) error {
	_, err := s.SendUpdate(ctx, a, incidentID, UpdateInput{Audience: warroom.Audience(audience), Body: text}, idem)
	return err
}
