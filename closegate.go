package warroom

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The close gate (seed 004: the Incident Owner "is responsible for
// running and documenting the post mortem and root cause analysis and
// bring the incident to full closure"): only the Incident Owner closes,
// and only once what the process asks for after the fire is there.

// CloseFacts is what the close gate needs to know beyond the incident's
// own state: its postmortem, its action items, and whether it paged
// anyone. The store reads them (CloseFactsReader).
type CloseFacts struct {
	Postmortem *Postmortem // nil: nobody saved anything yet (a draft)
	Items      []*ActionItem
	// Paged: warroom paged someone for the incident (seed 003: "every
	// incident that we get paged for should have at least one followup").
	Paged bool
	// TicketsRequired: a tracker is configured for the incident, so every
	// action item needs a ticket (seed 004: "each action item must be
	// tracked by a corresponding ticket").
	TicketsRequired bool
}

// CloseFactsReader reads an incident's CloseFacts (TicketsRequired
// aside); sqlstore.Store is one.
type CloseFactsReader interface {
	CloseFacts(ctx context.Context, incidentID string) (CloseFacts, error)
}

// TicketPolicy says whether an incident's action items must have tickets:
// true when a tracker is configured for it. The tracker package provides
// one; without one no tickets are required.
type TicketPolicy interface {
	TicketsRequired(ctx context.Context, inc *Incident) (bool, error)
}

// CloseMissing lists, in words, what keeps an incident from closing;
// empty when it may close:
//
//   - the postmortem, where one is required (PostmortemRequiredReasons),
//     is published;
//   - an incident that paged someone has at least one follow-up;
//   - every action item has an owner and a target date, and a ticket
//     where a tracker is configured.
func CloseMissing(inc *Incident, f CloseFacts) []string {
	var missing []string
	pm := f.Postmortem
	if pm == nil {
		pm = NewPostmortem(inc.ID)
	}
	if reasons := PostmortemRequiredReasons(inc, pm); len(reasons) > 0 && pm.State != PostmortemPublished {
		missing = append(missing, fmt.Sprintf("the postmortem is required (%s) and is %s, not published",
			strings.Join(reasons, ", "), pm.State))
	}
	live := 0
	for _, it := range f.Items {
		if it.Status == ActionCancelled {
			continue
		}
		live++
		if it.OwnerID == "" {
			missing = append(missing, it.Label()+" has no owner")
		}
		if it.TargetDate == "" {
			missing = append(missing, it.Label()+" has no target date")
		}
		if f.TicketsRequired && it.TicketKey == "" {
			missing = append(missing, it.Label()+" has no ticket")
		}
	}
	if f.Paged && live == 0 {
		missing = append(missing, "it paged someone, so it needs at least one follow-up action item")
	}
	return missing
}

// CheckClose decides whether a may close inc: EForbidden unless a is its
// Incident Owner, EConflict with the list of what is missing otherwise.
func CheckClose(inc *Incident, a Actor, f CloseFacts) error {
	owners := effectiveOwners(inc)
	if !slices.Contains(owners, a.UserID) {
		return Errorf(EForbidden, "only the Incident Owner closes %s; ask them, or take the Incident Owner role over first", inc.Ref)
	}
	if missing := CloseMissing(inc, f); len(missing) > 0 {
		return Errorf(EConflict, "%s cannot close yet: %s", inc.Ref, strings.Join(missing, "; "))
	}
	return nil
}

// effectiveOwners are who holds the Incident Owner role, assigned or, while
// nobody is, through the Incident Commander.
func effectiveOwners(inc *Incident) []string {
	var out []string
	for _, h := range EffectiveHolders(inc) {
		if h.Role == RoleIncidentOwner {
			out = append(out, h.UserID)
		}
	}
	return out
}

// isClose reports whether a command closes an incident.
func isClose(cmd Command) bool {
	c, ok := cmd.(ChangeStage)
	return ok && c.Stage == StageClosed
}

// executeClose runs a close through the gate. The facts are read before
// the incident is locked; the gate is then checked against the locked
// state, so a concurrent role change is seen. A postmortem or item
// changing between the two reads is the one race left: publishing only
// moves forward, and items are never created without an owner and a
// date.
func (s *Incidents) executeClose(ctx context.Context, a Actor, idOrRef string, cmd Command, idem Idempotency) (*CommandResult, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	facts, err := s.closeFacts(ctx, inc)
	if err != nil {
		return nil, err
	}
	return s.Store.UpdateIncident(ctx, idOrRef, idem, func(cur *Incident) ([]Event, error) {
		now := s.Now().UTC()
		if cur.VisibleTo(a) && a.Role.CanWrite() && cur.Stage == StageResolved {
			if err := CheckClose(cur, a, facts); err != nil {
				return nil, err
			}
		}
		return Decide(cur, a, cmd, now, s.Policy)
	})
}

// CloseReadiness returns what keeps an incident from closing, for a page
// or an API answer, as a sees it.
func (s *Incidents) CloseReadiness(ctx context.Context, a Actor, idOrRef string) ([]string, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	facts, err := s.closeFacts(ctx, inc)
	if err != nil {
		return nil, err
	}
	return CloseMissing(inc, facts), nil
}

func (s *Incidents) closeFacts(ctx context.Context, inc *Incident) (CloseFacts, error) {
	var facts CloseFacts
	if r, ok := s.Store.(CloseFactsReader); ok {
		var err error
		if facts, err = r.CloseFacts(ctx, inc.ID); err != nil {
			return CloseFacts{}, err
		}
	}
	if s.Tickets != nil {
		req, err := s.Tickets.TicketsRequired(ctx, inc)
		if err != nil {
			return CloseFacts{}, err
		}
		facts.TicketsRequired = req
	}
	return facts, nil
}
