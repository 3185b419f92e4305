package paging

import (
	"context"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify/outbound"
)

// AddContactMethod validates m (warroom.ContactMethod.Validate), checks
// that this server can reach it, and stores it. p may be nil (a server
// without paging), in which case only the outbound policy is applied.
// Who may add it (warroom.CanManageContacts) is the caller's to check
// first. Errors: EInvalid naming the field at fault; the store's.
func AddContactMethod(ctx context.Context, store warroom.EscalationStore, p *Pager, policy outbound.Policy, m *warroom.ContactMethod) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if p != nil {
		// A contact this server cannot send to (a webhook without the
		// signing secret) would be accepted and never notified.
		if err := p.CheckContactChannel(m.Channel); err != nil {
			return err
		}
	}
	if m.Channel == warroom.ContactWebhook {
		// Refused here already when the URL names an internal address;
		// a name is checked each time it is dialed.
		if err := policy.CheckURL(m.Address); err != nil {
			return warroom.Invalid("address", "%s", strings.TrimPrefix(err.Error(), "outbound: "))
		}
	}
	return store.CreateContactMethod(ctx, m)
}
