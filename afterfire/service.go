// Package afterfire runs what happens around and after recovery: shift
// handoffs with their brief, the checked return to baseline (with the
// Alertmanager silence check) and the timeline session's draft
// follow-ups. The rules are the domain's (handoff.go, handoffgrace.go,
// baseline.go, timelinesession.go); this service gathers what they need
// from outside the incident (the last customer update, the chat channel,
// the incident's alerts, Alertmanager's silences) and runs the commands
// through warroom.Incidents.
package afterfire

import (
	"context"
	"errors"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
)

// Updates lists an incident's updates, newest first (the comms store).
type Updates interface {
	ListUpdates(ctx context.Context, incidentID string, audience warroom.Audience) ([]*warroom.Update, error)
}

// Alerts lists alerts (the alert store).
type Alerts interface {
	ListAlerts(ctx context.Context, f warroom.AlertFilter) ([]*warroom.Alert, error)
}

// ChatStates tells an incident's chat channel (the chat store).
type ChatStates interface {
	ChatState(ctx context.Context, incidentID string) (*chat.State, error)
}

// Silences asks Alertmanager for its silences (*alertmanager.Client).
type Silences interface {
	Check(ctx context.Context) ([]warroom.Silence, map[string]string)
	Sources() []string
}

// Config is what the service uses. Incidents is required; each of the
// others is optional and its part of the brief or check is then left to
// people (no chat channel prefilled, no silence check: "no Alertmanager
// configured").
type Config struct {
	Incidents *warroom.Incidents
	Updates   Updates
	Alerts    Alerts
	Chat      ChatStates
	Silences  Silences
	// Review configures the Post Mortem Review (pmr.go); without a
	// store its routes answer 503.
	Review ReviewConfig
}

// Service is the after-the-fire service.
type Service struct{ cfg Config }

// New returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.Incidents == nil {
		return nil, errors.New("afterfire: Incidents is required")
	}
	return &Service{cfg: cfg}, nil
}

// maxAlerts bounds the alerts compared with the silences: an incident
// that gathered more is an alert storm, whose first alerts stand for it.
const maxAlerts = 5000

// find returns the incident a may see; ENotFound otherwise, in the same
// words as for one that does not exist. Every method calls it before it
// asks anything outside or writes anything.
func (s *Service) find(ctx context.Context, a warroom.Actor, idOrRef string) (*warroom.Incident, error) {
	inc, err := s.cfg.Incidents.Store.FindIncident(ctx, idOrRef)
	if err != nil {
		return nil, err
	}
	if !inc.VisibleTo(a) {
		return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", idOrRef)
	}
	return inc, nil
}

// user resolves a user ID or @handle; EInvalid naming field if unknown.
func (s *Service) user(ctx context.Context, field, idOrHandle string) (*warroom.User, error) {
	idOrHandle = strings.TrimPrefix(strings.TrimSpace(idOrHandle), "@")
	if idOrHandle == "" {
		return nil, warroom.Invalid(field, "say who: a user ID or handle")
	}
	u, err := s.cfg.Incidents.Store.FindUser(ctx, idOrHandle)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Invalid(field, "no user %q", idOrHandle)
	}
	return u, err
}

// HandoffView is the handoff screen's content: the handoff in progress
// (nil if none), the last completed one, the brief as warroom fills it in
// from the record, and what is still missing for that draft.
type HandoffView struct {
	Pending *warroom.HandoffState `json:"pending,omitempty"`
	Last    *warroom.HandoffState `json:"last,omitempty"`
	Draft   warroom.HandoffBrief  `json:"draft"`
	Missing []string              `json:"missing"`
}

// Handoff returns the handoff view of an incident a may see.
func (s *Service) Handoff(ctx context.Context, a warroom.Actor, idOrRef string) (*HandoffView, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	last, channel, err := s.record(ctx, inc)
	if err != nil {
		return nil, err
	}
	v := &HandoffView{Pending: inc.PendingHandoff(), Last: inc.LastHandoff(), Draft: warroom.BriefDraft(inc, last, channel)}
	v.Missing = warroom.HandoffMissing(v.Pending, v.Draft)
	if v.Missing == nil {
		v.Missing = []string{}
	}
	return v, nil
}

// record reads the brief's parts that live outside the incident: the most
// recent customer update and the chat channel's name.
func (s *Service) record(ctx context.Context, inc *warroom.Incident) (*warroom.Update, string, error) {
	var last *warroom.Update
	if s.cfg.Updates != nil {
		ups, err := s.cfg.Updates.ListUpdates(ctx, inc.ID, warroom.AudienceCustomers)
		if err != nil {
			return nil, "", err
		}
		if len(ups) > 0 {
			last = ups[0]
		}
	}
	channel := ""
	if s.cfg.Chat != nil {
		st, err := s.cfg.Chat.ChatState(ctx, inc.ID)
		switch {
		case err == nil && st.ChannelName != "":
			channel = "#" + strings.TrimPrefix(st.ChannelName, "#")
		case err == nil, warroom.ErrorCode(err) == warroom.ENotFound:
		default:
			return nil, "", err
		}
	}
	return last, channel, nil
}

// StartHandoff names the incoming Incident Commander (ID or handle).
func (s *Service) StartHandoff(ctx context.Context, a warroom.Actor, idOrRef, incoming string, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	if _, err := s.find(ctx, a, idOrRef); err != nil {
		return nil, err
	}
	u, err := s.user(ctx, "incoming_commander", incoming)
	if err != nil {
		return nil, err
	}
	return s.cfg.Incidents.Execute(ctx, a, idOrRef, warroom.StartHandoff{IncomingCommander: u.ID, UserTeamID: u.TeamID}, idem)
}

// NameHandoffTeam names the incoming Technical Lead and supporting
// responders (IDs or handles).
func (s *Service) NameHandoffTeam(ctx context.Context, a warroom.Actor, idOrRef, techLead string, supporting []string, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	if _, err := s.find(ctx, a, idOrRef); err != nil {
		return nil, err
	}
	teams := map[string]string{}
	tl, err := s.user(ctx, "technical_lead", techLead)
	if err != nil {
		return nil, err
	}
	teams[tl.ID] = tl.TeamID
	cmd := warroom.NameHandoffTeam{TechnicalLead: tl.ID, Teams: teams}
	for _, h := range supporting {
		if strings.TrimSpace(h) == "" {
			continue
		}
		u, err := s.user(ctx, "supporting", h)
		if err != nil {
			return nil, err
		}
		teams[u.ID] = u.TeamID
		cmd.Supporting = append(cmd.Supporting, u.ID)
	}
	return s.cfg.Incidents.Execute(ctx, a, idOrRef, cmd, idem)
}

// CompleteHandoff completes the handoff in progress with the brief; the
// record's parts left empty are filled in.
func (s *Service) CompleteHandoff(ctx context.Context, a warroom.Actor, idOrRef string, brief warroom.HandoffBrief, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	last, channel, err := s.record(ctx, inc)
	if err != nil {
		return nil, err
	}
	teams := map[string]string{}
	if h := inc.PendingHandoff(); h != nil {
		for _, id := range h.Incoming() {
			if u, err := s.cfg.Incidents.Store.FindUser(ctx, id); err == nil {
				teams[id] = u.TeamID
			}
		}
	}
	return s.cfg.Incidents.Execute(ctx, a, idOrRef, warroom.CompleteHandoff{Brief: brief, LastUpdate: last, ChatChannel: channel, Teams: teams}, idem)
}

// AcknowledgeHandoff records that a, an incoming person, read the brief.
func (s *Service) AcknowledgeHandoff(ctx context.Context, a warroom.Actor, idOrRef string, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	return s.cfg.Incidents.Execute(ctx, a, idOrRef, warroom.AcknowledgeHandoff{}, idem)
}

// CheckSilences asks Alertmanager for the active silences matching the
// incident's alerts now. With no Alertmanager configured the check has
// no sources and finds nothing.
func (s *Service) CheckSilences(ctx context.Context, a warroom.Actor, idOrRef string) (*warroom.SilenceCheck, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	return s.checkSilences(ctx, inc)
}

func (s *Service) checkSilences(ctx context.Context, inc *warroom.Incident) (*warroom.SilenceCheck, error) {
	c := &warroom.SilenceCheck{CheckedAt: s.cfg.Incidents.Now().UTC()}
	if s.cfg.Silences == nil {
		return c, nil
	}
	var labels []map[string]string
	if s.cfg.Alerts != nil {
		alerts, err := s.cfg.Alerts.ListAlerts(ctx, warroom.AlertFilter{IncidentID: inc.ID, Limit: maxAlerts})
		if err != nil {
			return nil, err
		}
		for _, al := range alerts {
			labels = append(labels, al.Labels)
		}
	}
	silences, failed := s.cfg.Silences.Check(ctx)
	c.Sources, c.Unreachable, c.Alerts = s.cfg.Silences.Sources(), failed, len(labels)
	c.Matching = warroom.ActiveMatching(silences, labels)
	return c, nil
}

// CompleteBaseline checks the silences and completes the return to
// baseline with the checklist, or is refused with what is missing.
func (s *Service) CompleteBaseline(ctx context.Context, a warroom.Actor, idOrRef string, list warroom.BaselineChecklist, override string, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	check, err := s.checkSilences(ctx, inc)
	if err != nil {
		return nil, err
	}
	return s.cfg.Incidents.Execute(ctx, a, idOrRef, warroom.CompleteBaseline{Checklist: list, OverrideReason: override, Silences: check}, idem)
}

// DraftFollowUp records a follow-up drafted at the timeline session; the
// proposed owner (ID or handle) is optional.
func (s *Service) DraftFollowUp(ctx context.Context, a warroom.Actor, idOrRef, title, owner string, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	if _, err := s.find(ctx, a, idOrRef); err != nil {
		return nil, err
	}
	cmd := warroom.DraftFollowUp{Title: title}
	if strings.TrimSpace(owner) != "" {
		u, err := s.user(ctx, "proposed_owner", owner)
		if err != nil {
			return nil, err
		}
		cmd.ProposedOwner = u.ID
	}
	return s.cfg.Incidents.Execute(ctx, a, idOrRef, cmd, idem)
}
