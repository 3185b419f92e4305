package sqlstore

import (
	"context"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// UpdateIncidentEnqueuing runs a command on the incident idOrRef, as
// UpdateIncident does (without idempotency: decide must return no events
// when run again), and stores msgs, as EnqueueClaimedMessages does (due
// ones claimed by owner until now+lease, returned), in one transaction:
// both or neither. Paging stores the pages that ask people to take
// command of an incident with their invitation into it, so that nobody
// is paged to an incident their link cannot open. Errors: ENotFound, and
// those of decide and EnqueueMessages.
func (s *Store) UpdateIncidentEnqueuing(ctx context.Context, idOrRef string, decide func(inc *warroom.Incident) ([]warroom.Event, error),
	msgs []notify.Outbox, owner string, now time.Time, lease time.Duration) (*warroom.CommandResult, []notify.Outbox, error) {
	if owner == "" {
		return nil, nil, warroom.Invalid("owner", "a claim needs an owner")
	}
	var claimed []notify.Outbox
	res, err := s.command(ctx, warroom.Idempotency{}, func(t *tx) (*warroom.CommandResult, error) {
		res, err := s.updateIncident(ctx, t, idOrRef, decide)
		if err != nil {
			return nil, err
		}
		claimed, err = s.enqueueClaimedMessages(ctx, t, msgs, owner, now, lease)
		return res, err
	})
	if err != nil {
		return nil, nil, err
	}
	return res, claimed, nil
}
