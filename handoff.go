package warroom

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Shift handoff (seed 004, "Handoff"). A major incident that outlasts a
// shift is handed from one region's people to the next in three steps:
//
//  1. the outgoing Incident Commander names the incoming one (StartHandoff);
//  2. the incoming Incident Commander names the incoming Technical Lead and
//     any supporting responders (NameHandoffTeam);
//  3. the outgoing people brief the incoming ones, and the handoff is
//     completed with the brief (CompleteHandoff), which cannot be done while
//     anything the seed lists is missing (HandoffMissing).
//
// The incoming people then acknowledge the brief (AcknowledgeHandoff). The
// Incident Owner is not handed over at a shift change: it stays unless it is
// handed over on its own, with a reason (AssignRole, CheckRoleChange).
// After the handoff the outgoing people have handoff-grace (30 minutes) to
// disengage (handoffgrace.go).

// The handoff events.
const (
	EventHandoffStarted      EventType = "handoff.started"      // UserID: incoming IC; PreviousUserID: outgoing IC
	EventHandoffTeamNamed    EventType = "handoff.team_named"   // Handoff: incoming Technical Lead and supporting responders
	EventHandoffCompleted    EventType = "handoff.completed"    // Handoff: who hands to whom, with the brief
	EventHandoffAcknowledged EventType = "handoff.acknowledged" // the actor, an incoming person, read the brief
)

// HandoffChannels are the communication channels in play (seed 004: "IM
// channel, tracking doc, conference bridge, and email thread"). Each is
// written out, "none" included, so that the incoming shift knows it was
// not forgotten.
type HandoffChannels struct {
	Chat        string `json:"chat"`
	Bridge      string `json:"bridge"`
	TrackingDoc string `json:"tracking_doc"`
	EmailThread string `json:"email_thread"`
}

// HandoffBrief is what the outgoing people tell the incoming ones (seed
// 004, the five points of the handoff brief). Hypotheses and the most
// recent customer update are filled in from the record (BriefDraft); the
// rest is written by people.
type HandoffBrief struct {
	TechnicalStatus      string   `json:"technical_status"`
	OpenHypotheses       []string `json:"open_hypotheses,omitempty"`
	EliminatedHypotheses []string `json:"eliminated_hypotheses,omitempty"`
	ConfirmedHypotheses  []string `json:"confirmed_hypotheses,omitempty"`
	// HypothesesNote is needed when the timeline holds no hypothesis:
	// the brief then says why ("none yet: still gathering data").
	HypothesesNote string `json:"hypotheses_note,omitempty"`
	// The most recent customer update: when, and what it said.
	LastCustomerUpdateAt *time.Time `json:"last_customer_update_at,omitempty"`
	LastCustomerUpdate   string     `json:"last_customer_update,omitempty"`
	// CustomerUpdateNote is needed when no customer update was sent.
	CustomerUpdateNote string          `json:"customer_update_note,omitempty"`
	Channels           HandoffChannels `json:"channels"`
	// ExternalPeople: key support people and stakeholders outside the
	// team who are engaged ("none" if nobody).
	ExternalPeople string `json:"external_people"`
}

// Handoff is the payload of the handoff events.
type Handoff struct {
	OutgoingCommander  string   `json:"outgoing_commander,omitempty"`
	IncomingCommander  string   `json:"incoming_commander,omitempty"`
	IncomingTechLead   string   `json:"incoming_tech_lead,omitempty"`
	IncomingSupporting []string `json:"incoming_supporting,omitempty"`
	// Outgoing are the people who leave the incident at this handoff
	// (set when it completes): handoff+30 applies to them.
	Outgoing []string      `json:"outgoing,omitempty"`
	Brief    *HandoffBrief `json:"brief,omitempty"`
}

// HandoffState is a handoff as the incident's state holds it. StartedSeq
// identifies it; CompletedAt is the handoff time handoff+30 counts from.
type HandoffState struct {
	Handoff
	StartedSeq   int64      `json:"started_seq"`
	StartedAt    time.Time  `json:"started_at"`
	TeamNamed    bool       `json:"team_named"`
	CompletedSeq int64      `json:"completed_seq,omitempty"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	Acknowledged []string   `json:"acknowledged,omitempty"`
}

// Incoming lists the incoming people: Incident Commander, Technical Lead,
// supporting responders, without repeats.
func (h *HandoffState) Incoming() []string {
	var out []string
	for _, u := range append([]string{h.IncomingCommander, h.IncomingTechLead}, h.IncomingSupporting...) {
		if u != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// PendingAcknowledgement lists the incoming people who have not yet
// acknowledged the brief.
func (h *HandoffState) PendingAcknowledgement() []string {
	var out []string
	for _, u := range h.Incoming() {
		if !slices.Contains(h.Acknowledged, u) {
			out = append(out, u)
		}
	}
	return out
}

// PendingHandoff returns the handoff in progress (started, not completed),
// or nil.
func (inc *Incident) PendingHandoff() *HandoffState {
	if n := len(inc.Handoffs); n > 0 && inc.Handoffs[n-1].CompletedAt == nil {
		return &inc.Handoffs[n-1]
	}
	return nil
}

// LastHandoff returns the most recent completed handoff, or nil.
func (inc *Incident) LastHandoff() *HandoffState {
	for i := len(inc.Handoffs) - 1; i >= 0; i-- {
		if inc.Handoffs[i].CompletedAt != nil {
			return &inc.Handoffs[i]
		}
	}
	return nil
}

// Limits of the brief's text.
const (
	maxBriefText = 10000
	maxBriefList = 50
)

// BriefDraft is the brief as warroom can fill it in from the record: the
// hypotheses from the timeline, the most recent customer update (last, or
// nil if none was sent), the bridge and the incident channel (chat, "" if
// chat is not configured). People add the technical status, the other
// channels and who outside the team is engaged.
func BriefDraft(inc *Incident, last *Update, chat string) HandoffBrief {
	b := HandoffBrief{Channels: HandoffChannels{Chat: chat, Bridge: inc.BridgeURL}}
	for _, h := range inc.Hypotheses {
		text := fmt.Sprintf("#%d %s", h.Seq, h.Text)
		if h.Evidence != "" {
			text += " (" + h.Evidence + ")"
		}
		switch h.Status {
		case HypothesisOpen:
			b.OpenHypotheses = append(b.OpenHypotheses, text)
		case HypothesisEliminated:
			b.EliminatedHypotheses = append(b.EliminatedHypotheses, text)
		case HypothesisConfirmed:
			b.ConfirmedHypotheses = append(b.ConfirmedHypotheses, text)
		}
	}
	if last != nil {
		at := last.At
		b.LastCustomerUpdateAt = &at
		b.LastCustomerUpdate = strings.TrimSpace(last.Subject + "\n\n" + last.Body)
	}
	return b
}

// prefill completes b with what the draft knows and b leaves empty, so a
// client that sends only what people wrote still gets the record's parts.
func (b HandoffBrief) prefill(d HandoffBrief) HandoffBrief {
	if len(b.OpenHypotheses)+len(b.EliminatedHypotheses)+len(b.ConfirmedHypotheses) == 0 {
		b.OpenHypotheses, b.EliminatedHypotheses, b.ConfirmedHypotheses = d.OpenHypotheses, d.EliminatedHypotheses, d.ConfirmedHypotheses
	}
	if b.LastCustomerUpdateAt == nil && strings.TrimSpace(b.LastCustomerUpdate) == "" {
		b.LastCustomerUpdateAt, b.LastCustomerUpdate = d.LastCustomerUpdateAt, d.LastCustomerUpdate
	}
	if strings.TrimSpace(b.Channels.Chat) == "" {
		b.Channels.Chat = d.Channels.Chat
	}
	if strings.TrimSpace(b.Channels.Bridge) == "" {
		b.Channels.Bridge = d.Channels.Bridge
	}
	return b
}

// HandoffMissing lists, in the order of the seed's brief, what a handoff
// still lacks before it can be completed: the incoming Technical Lead
// (named by the incoming Incident Commander) and each part of the brief.
// Empty means complete.
func HandoffMissing(h *HandoffState, b HandoffBrief) []string {
	var missing []string
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	if h != nil && !h.TeamNamed {
		missing = append(missing, "the incoming Technical Lead, named by the incoming Incident Commander")
	}
	if blank(b.TechnicalStatus) {
		missing = append(missing, "technical status")
	}
	if len(b.OpenHypotheses)+len(b.EliminatedHypotheses)+len(b.ConfirmedHypotheses) == 0 && blank(b.HypothesesNote) {
		missing = append(missing, "open and eliminated hypotheses (the timeline has none: say why in hypotheses_note)")
	}
	switch {
	case b.LastCustomerUpdateAt == nil && blank(b.LastCustomerUpdate) && blank(b.CustomerUpdateNote):
		missing = append(missing, "the most recent customer update (none was sent: say why in customer_update_note)")
	case b.LastCustomerUpdateAt == nil && !blank(b.LastCustomerUpdate):
		missing = append(missing, "the time of the most recent customer update")
	case b.LastCustomerUpdateAt != nil && blank(b.LastCustomerUpdate):
		missing = append(missing, "the content of the most recent customer update")
	}
	for _, c := range []struct{ name, v string }{
		{"chat channel", b.Channels.Chat}, {"bridge", b.Channels.Bridge},
		{"tracking document", b.Channels.TrackingDoc}, {"email thread", b.Channels.EmailThread},
	} {
		if blank(c.v) {
			missing = append(missing, "channels in play: "+c.name+" (write none if there is none)")
		}
	}
	if blank(b.ExternalPeople) {
		missing = append(missing, "key people outside the team engaged (write none if nobody)")
	}
	return missing
}

// validate checks the brief's sizes.
func (b *HandoffBrief) validate() error {
	for _, f := range []struct{ name, v string }{
		{"brief.technical_status", b.TechnicalStatus}, {"brief.hypotheses_note", b.HypothesesNote},
		{"brief.last_customer_update", b.LastCustomerUpdate}, {"brief.customer_update_note", b.CustomerUpdateNote},
		{"brief.channels.chat", b.Channels.Chat}, {"brief.channels.bridge", b.Channels.Bridge},
		{"brief.channels.tracking_doc", b.Channels.TrackingDoc}, {"brief.channels.email_thread", b.Channels.EmailThread},
		{"brief.external_people", b.ExternalPeople},
	} {
		if err := checkText(f.name, f.v, maxBriefText, false); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"brief.open_hypotheses", b.OpenHypotheses}, {"brief.eliminated_hypotheses", b.EliminatedHypotheses}, {"brief.confirmed_hypotheses", b.ConfirmedHypotheses}} {
		if len(l.v) > maxBriefList {
			return Invalid(l.name, "at most %d hypotheses", maxBriefList)
		}
		for _, s := range l.v {
			if err := checkText(l.name, s, maxBriefText, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// StartHandoff begins a shift handoff: the outgoing Incident Commander
// (or an admin, when the IC is unreachable) names the incoming one.
// Starting again while a handoff is pending replaces it (the wrong person
// was named). UserTeamID is filled in by the service.
type StartHandoff struct {
	IncomingCommander string `json:"incoming_commander"`
	UserTeamID        string `json:"-"`
}

// Name implements Command.
func (StartHandoff) Name() string { return "start_handoff" }

func (c StartHandoff) decide(inc *Incident, a Actor, _ time.Time) ([]Event, error) {
	if !inc.Stage.Open() {
		return nil, Errorf(EConflict, "%s is %s: only an open incident is handed over", inc.Ref, inc.Stage)
	}
	ic := inc.Holder(RoleIncidentCommander)
	if ic == "" {
		return nil, Errorf(EConflict, "%s has no Incident Commander to hand over from: assign one first", inc.Ref)
	}
	if a.UserID != ic && a.Role != AccountAdmin {
		return nil, Errorf(EForbidden, "only the outgoing Incident Commander names the incoming one (seed 004)")
	}
	if c.IncomingCommander == "" {
		return nil, Invalid("incoming_commander", "name the incoming Incident Commander")
	}
	if c.IncomingCommander == ic {
		return nil, Invalid("incoming_commander", "the incoming Incident Commander must be someone other than the outgoing one")
	}
	return []Event{{Type: EventHandoffStarted, UserID: c.IncomingCommander, UserTeamID: c.UserTeamID, PreviousUserID: ic}}, nil
}

// NameHandoffTeam is the incoming Incident Commander naming the incoming
// Technical Lead and supporting responders (seed 004). Teams maps each
// named user to their team (filled in by the service).
type NameHandoffTeam struct {
	TechnicalLead string            `json:"technical_lead"`
	Supporting    []string          `json:"supporting,omitempty"`
	Teams         map[string]string `json:"-"`
}

// Name implements Command.
func (NameHandoffTeam) Name() string { return "name_handoff_team" }

func (c NameHandoffTeam) decide(inc *Incident, a Actor, _ time.Time) ([]Event, error) {
	h := inc.PendingHandoff()
	if h == nil {
		return nil, Errorf(EConflict, "%s has no handoff in progress: the outgoing Incident Commander starts one", inc.Ref)
	}
	if a.UserID != h.IncomingCommander {
		return nil, Errorf(EForbidden, "only the incoming Incident Commander names the incoming Technical Lead and supporting responders (seed 004)")
	}
	if c.TechnicalLead == "" {
		return nil, Invalid("technical_lead", "name the incoming Technical Lead")
	}
	if len(c.Supporting) > maxBriefList {
		return nil, Invalid("supporting", "at most %d supporting responders", maxBriefList)
	}
	var sup []string
	for _, u := range c.Supporting {
		if u != "" && u != c.TechnicalLead && u != h.IncomingCommander && !slices.Contains(sup, u) {
			sup = append(sup, u)
		}
	}
	return []Event{{Type: EventHandoffTeamNamed, UserID: c.TechnicalLead, UserTeamID: c.Teams[c.TechnicalLead],
		Handoff: &Handoff{IncomingTechLead: c.TechnicalLead, IncomingSupporting: sup}}}, nil
}

// CompleteHandoff completes the pending handoff with the brief, by the
// outgoing or the incoming Incident Commander (they brief together). It
// is refused, with the list, while anything is missing (HandoffMissing).
// The record's parts of the brief the client leaves empty are filled in
// (BriefDraft from LastUpdate and ChatChannel, which the service sets).
// It hands the Incident Commander and Technical Lead roles to the
// incoming people, brings in the supporting responders as parallel
// investigators and releases the outgoing ones; the Incident Owner stays.
type CompleteHandoff struct {
	Brief       HandoffBrief      `json:"brief"`
	LastUpdate  *Update           `json:"-"`
	ChatChannel string            `json:"-"`
	Teams       map[string]string `json:"-"`
}

// Name implements Command.
func (CompleteHandoff) Name() string { return "complete_handoff" }

func (c CompleteHandoff) decide(inc *Incident, a Actor, _ time.Time) ([]Event, error) {
	h := inc.PendingHandoff()
	if h == nil {
		return nil, Errorf(EConflict, "%s has no handoff in progress: the outgoing Incident Commander starts one", inc.Ref)
	}
	if a.UserID != h.OutgoingCommander && a.UserID != h.IncomingCommander && a.Role != AccountAdmin {
		return nil, Errorf(EForbidden, "only the outgoing or the incoming Incident Commander completes the handoff")
	}
	if err := c.Brief.validate(); err != nil {
		return nil, err
	}
	brief := c.Brief.prefill(BriefDraft(inc, c.LastUpdate, c.ChatChannel))
	if missing := HandoffMissing(h, brief); len(missing) > 0 {
		return nil, Invalid("brief", "the handoff cannot be completed; missing: %s", strings.Join(missing, "; "))
	}
	incoming := h.Incoming()
	// Everyone who worked the incident hands-on in the outgoing shift and
	// is not part of the incoming one leaves it.
	var outgoing []string
	for _, u := range append([]string{h.OutgoingCommander, inc.Holder(RoleTechnicalLead)}, inc.Roles[RoleParallelInvestigator]...) {
		if u != "" && !slices.Contains(incoming, u) && !slices.Contains(outgoing, u) {
			outgoing = append(outgoing, u)
		}
	}
	done := h.Handoff
	done.Outgoing, done.Brief = outgoing, &brief
	const why = "shift handoff"
	events := []Event{{Type: EventHandoffCompleted, Handoff: &done}}
	if inc.Holder(RoleIncidentCommander) != h.IncomingCommander {
		events = append(events, Event{Type: EventRoleAssigned, Role: RoleIncidentCommander, UserID: h.IncomingCommander,
			UserTeamID: c.Teams[h.IncomingCommander], PreviousUserID: inc.Holder(RoleIncidentCommander), Reason: why})
	}
	if tl := inc.Holder(RoleTechnicalLead); tl != h.IncomingTechLead {
		events = append(events, Event{Type: EventRoleAssigned, Role: RoleTechnicalLead, UserID: h.IncomingTechLead,
			UserTeamID: c.Teams[h.IncomingTechLead], PreviousUserID: tl, Reason: why})
	}
	for _, u := range inc.Roles[RoleParallelInvestigator] {
		if !slices.Contains(h.IncomingSupporting, u) {
			events = append(events, Event{Type: EventRoleReleased, Role: RoleParallelInvestigator, UserID: u, Reason: why})
		}
	}
	for _, u := range h.IncomingSupporting {
		if !slices.Contains(inc.Roles[RoleParallelInvestigator], u) {
			events = append(events, Event{Type: EventRoleAssigned, Role: RoleParallelInvestigator, UserID: u,
				UserTeamID: c.Teams[u], Reason: why})
		}
	}
	return events, nil
}

// AcknowledgeHandoff records that an incoming person has read the brief of
// the most recent handoff.
type AcknowledgeHandoff struct{}

// Name implements Command.
func (AcknowledgeHandoff) Name() string { return "acknowledge_handoff" }

func (AcknowledgeHandoff) decide(inc *Incident, a Actor, _ time.Time) ([]Event, error) {
	h := inc.LastHandoff()
	if h == nil {
		return nil, Errorf(EConflict, "%s has no completed handoff to acknowledge", inc.Ref)
	}
	if !slices.Contains(h.Incoming(), a.UserID) {
		return nil, Errorf(EForbidden, "only the incoming people of the handoff acknowledge its brief")
	}
	if slices.Contains(h.Acknowledged, a.UserID) {
		return nil, Errorf(EConflict, "you already acknowledged the brief of this handoff")
	}
	return []Event{{Type: EventHandoffAcknowledged, Ref: h.CompletedSeq}}, nil
}

// replaceLastHandoff stores h as the last handoff without touching the
// slice an earlier state shares (Clone copies the slice header only).
func (inc *Incident) replaceLastHandoff(h HandoffState) {
	hs := slices.Clone(inc.Handoffs)
	hs[len(hs)-1] = h
	inc.Handoffs = hs
}

func init() {
	applyEvent[EventHandoffStarted] = func(inc *Incident, e *Event) {
		h := HandoffState{Handoff: Handoff{OutgoingCommander: e.PreviousUserID, IncomingCommander: e.UserID},
			StartedSeq: e.Seq, StartedAt: e.At}
		inc.join(e.UserID, e.UserTeamID)
		if inc.PendingHandoff() != nil {
			inc.replaceLastHandoff(h)
			return
		}
		inc.Handoffs = append(slices.Clone(inc.Handoffs), h)
	}
	applyEvent[EventHandoffTeamNamed] = func(inc *Incident, e *Event) {
		p := inc.PendingHandoff()
		if p == nil || e.Handoff == nil {
			return
		}
		h := *p
		h.IncomingTechLead, h.IncomingSupporting, h.TeamNamed = e.Handoff.IncomingTechLead, slices.Clone(e.Handoff.IncomingSupporting), true
		inc.replaceLastHandoff(h)
		// The incoming people take part from now on, so that they can read
		// a private incident before the brief.
		inc.join(e.UserID, e.UserTeamID)
		for _, u := range h.IncomingSupporting {
			inc.join(u, "")
		}
	}
	applyEvent[EventHandoffCompleted] = func(inc *Incident, e *Event) {
		p := inc.PendingHandoff()
		if p == nil || e.Handoff == nil {
			return
		}
		h := *p
		at := e.At
		h.Outgoing, h.Brief, h.CompletedSeq, h.CompletedAt = slices.Clone(e.Handoff.Outgoing), e.Handoff.Brief, e.Seq, &at
		inc.replaceLastHandoff(h)
	}
	applyEvent[EventHandoffAcknowledged] = func(inc *Incident, e *Event) {
		for i := len(inc.Handoffs) - 1; i >= 0; i-- {
			if inc.Handoffs[i].CompletedSeq == e.Ref {
				hs := slices.Clone(inc.Handoffs)
				hs[i].Acknowledged = append(slices.Clone(hs[i].Acknowledged), e.ActorID)
				inc.Handoffs = hs
				return
			}
		}
	}
}

// describeHandoff renders the handoff events as timeline lines; the
// completed handoff carries the whole brief, so the incident channel gets
// it too.
func describeHandoff(e *Event, name func(string) string) string {
	switch e.Type {
	case EventHandoffStarted:
		return fmt.Sprintf("shift handoff started: %s hands the Incident Commander role to %s", name(e.PreviousUserID), name(e.UserID))
	case EventHandoffTeamNamed:
		if e.Handoff == nil {
			return "incoming team named"
		}
		s := "incoming Technical Lead: " + name(e.Handoff.IncomingTechLead)
		if len(e.Handoff.IncomingSupporting) > 0 {
			s += "; supporting: " + joinNames(e.Handoff.IncomingSupporting, name)
		}
		return s
	case EventHandoffAcknowledged:
		return fmt.Sprintf("%s acknowledged the handoff brief (#%d)", name(e.ActorID), e.Ref)
	}
	return BriefText(e.Handoff, name)
}

// BriefText renders a completed handoff and its brief for people.
func BriefText(h *Handoff, name func(string) string) string {
	if h == nil || h.Brief == nil {
		return "shift handoff completed"
	}
	b := h.Brief
	var s strings.Builder
	fmt.Fprintf(&s, "shift handoff: %s → %s (Incident Commander), Technical Lead %s", name(h.OutgoingCommander), name(h.IncomingCommander), name(h.IncomingTechLead))
	if len(h.IncomingSupporting) > 0 {
		s.WriteString(", supporting " + joinNames(h.IncomingSupporting, name))
	}
	if len(h.Outgoing) > 0 {
		s.WriteString("; leaving: " + joinNames(h.Outgoing, name))
	}
	fmt.Fprintf(&s, "\nTechnical status: %s", b.TechnicalStatus)
	list := func(title string, l []string) {
		if len(l) > 0 {
			fmt.Fprintf(&s, "\n%s: %s", title, strings.Join(l, "; "))
		}
	}
	list("Open hypotheses", b.OpenHypotheses)
	list("Eliminated hypotheses", b.EliminatedHypotheses)
	list("Confirmed hypotheses", b.ConfirmedHypotheses)
	if b.HypothesesNote != "" {
		fmt.Fprintf(&s, "\nHypotheses: %s", b.HypothesesNote)
	}
	if b.LastCustomerUpdateAt != nil {
		fmt.Fprintf(&s, "\nLast customer update (%s): %s", b.LastCustomerUpdateAt.UTC().Format("2006-01-02 15:04 UTC"), b.LastCustomerUpdate)
	}
	if b.CustomerUpdateNote != "" {
		fmt.Fprintf(&s, "\nCustomer updates: %s", b.CustomerUpdateNote)
	}
	fmt.Fprintf(&s, "\nChannels: chat %s; bridge %s; tracking doc %s; email thread %s", b.Channels.Chat, b.Channels.Bridge, b.Channels.TrackingDoc, b.Channels.EmailThread)
	fmt.Fprintf(&s, "\nOutside the team: %s", b.ExternalPeople)
	return cutBrief(s.String())
}

// maxBriefLine bounds the brief's rendering: a chat message has a limit
// (Slack's is 40,000 characters), and the whole brief stays in the
// event and on the handoff page.
const maxBriefLine = 30000

func cutBrief(s string) string {
	if len(s) <= maxBriefLine {
		return s
	}
	cut := maxBriefLine
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (cut: the whole brief is on the incident's handoff page)"
}

func joinNames(ids []string, name func(string) string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = name(id)
	}
	return strings.Join(out, ", ")
}
