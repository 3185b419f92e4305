package postmortem

import (
	"context"

	"github.com/warroom/warroom"
)

// The tracker side of action items: a tracker integration makes each
// item's ticket from the jobs of Config.ItemJobs, then tells the service
// what became of it. These calls act as warroom itself, not as a person:
// they follow the tracker, whose people may not be warroom's.

// system is warroom acting on its own (no person).
var system = warroom.Actor{Role: warroom.AccountAdmin}

// RecordTicket records the ticket made for an action item, its key and
// URL (for tickets.Config.OnMade). ENotFound for an unknown item.
func (s *Service) RecordTicket(ctx context.Context, itemID, key, url string) error {
	_, err := s.cfg.Store.ChangeActionItem(ctx, itemID, func(_ *warroom.Incident, it *warroom.ActionItem) (*warroom.ActionItem, []warroom.Event, error) {
		if it.TicketKey == key && it.TicketURL == url {
			return nil, nil, nil // told twice: nothing changes
		}
		next, err := warroom.ChangeActionItem(it, system, warroom.ActionItemInput{TicketKey: &key, TicketURL: &url}, s.now(), s.cfg.Location)
		return next, nil, err
	}, nil)
	return err
}

// TicketDone marks an action item done because its ticket was closed in
// the tracker (for tickets.Config.OnChange); the incident's timeline
// records it, as done by warroom. An item already done or cancelled is
// left as it is.
func (s *Service) TicketDone(ctx context.Context, itemID string) error {
	done := warroom.ActionDone
	_, err := s.cfg.Store.ChangeActionItem(ctx, itemID, func(inc *warroom.Incident, it *warroom.ActionItem) (*warroom.ActionItem, []warroom.Event, error) {
		if it.Status.Finished() {
			return nil, nil, nil
		}
		now := s.now()
		next, err := warroom.ChangeActionItem(it, system, warroom.ActionItemInput{Status: &done}, now, s.cfg.Location)
		if err != nil {
			return nil, nil, err
		}
		events, err := warroom.Decide(inc, system, warroom.RecordActionItemDone{Item: next}, now, s.cfg.Policy)
		return next, events, err
	}, s.itemJobs(false))
	return err
}
