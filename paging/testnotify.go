package paging

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// SendTestNotification sends owner a test message by their contact
// method methodID at once, so that they can see it reaches them before a
// real page has to. It is an ordinary outbox message (an update: it asks
// for no acknowledgement), delivered, retried and throttled as any other,
// and returned as stored. Who may send it (warroom.CanManageContacts) is
// the caller's to check first. Errors: ENotFound when owner has no such
// method; EInvalid when this server cannot send by its channel
// (CheckContactChannel).
func (p *Pager) SendTestNotification(ctx context.Context, owner *warroom.User, methodID string) (*notify.Outbox, error) {
	methods, err := p.cfg.Store.ListContactMethods(ctx, owner.ID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(methods, func(m *warroom.ContactMethod) bool { return m.ID == methodID })
	if i < 0 {
		return nil, warroom.Errorf(warroom.ENotFound, "@%s has no contact method %s", owner.Handle, methodID)
	}
	m := methods[i]
	if err := p.CheckContactChannel(m.Channel); err != nil {
		return nil, err
	}
	now := p.cfg.Now()
	msg := notify.Outbox{Message: notify.Message{
		ID: uuid.Must(uuid.NewV7()).String(), Kind: notify.KindUpdate,
		Channel: channelOf(m.Channel), Destination: m.Address,
		Subject: "warroom test notification",
		Text:    "This is a test of your " + string(m.Channel) + " contact method, sent at your request. Pages reach you here.",
		Fields:  []notify.Field{{Name: "For", Value: "@" + owner.Handle}},
	}, Queue: notify.Queue(channelOf(m.Channel)), State: notify.StatePending, UserID: owner.ID, DueAt: now, CreatedAt: now}
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	if err := p.enqueue(ctx, []notify.Outbox{msg}); err != nil {
		return nil, err
	}
	return &msg, nil
}
