package statuspage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
)

// SubscribeInput is the public subscription form: an email address and
// the components wanted (none: all).
type SubscribeInput struct {
	Email      string   `json:"email"`
	Components []string `json:"components"`
}

// Subscribe records a subscription by email from the address remote:
// nothing is sent to it but the confirmation request until the address
// confirms (double opt-in). Malformed addresses and unknown components
// are refused (EInvalid); past the limits per address and per network,
// ERateLimited. Subscribing again changes the components and, while
// unconfirmed, asks again.
func (s *Service) Subscribe(ctx context.Context, in SubscribeInput, remote netip.Addr) (*warroom.Subscriber, error) {
	addr, err := warroom.ParseSubscriberEmail(in.Email)
	if err != nil {
		return nil, err
	}
	comps, err := s.resolveComponents(ctx, "components", in.Components)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	sub := &warroom.Subscriber{ID: newID(), Kind: warroom.SubscriberEmail, Address: addr, ComponentIDs: comps,
		Network: warroom.NetworkOf(remote), CreatedAt: now}
	stored, err := s.cfg.Store.Subscribe(ctx, sub, s.cfg.Limits, now, func(stored *warroom.Subscriber) []engine.Job {
		if stored.ConfirmedAt != nil {
			return nil
		}
		return []engine.Job{newJob(KindConfirmMail, fmt.Sprintf("status-confirm:%s:%d", stored.ID, now.UnixMicro()), now,
			ConfirmPayload{SubscriberID: stored.ID})}
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// errBadLink is the answer to a link that does not check.
var errBadLink = warroom.Errorf(warroom.ENotFound, "this link is not valid: it may be mistyped, or the subscription was removed")

func (s *Service) checkLink(ctx context.Context, purpose, id, token string) (*warroom.Subscriber, error) {
	sub, err := s.cfg.Store.FindSubscriber(ctx, id)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, errBadLink
	}
	if err != nil {
		return nil, err
	}
	if !warroom.CheckSubscriberToken(s.cfg.Key, purpose, sub.ID, sub.Address, token) {
		return nil, errBadLink
	}
	return sub, nil
}

// Confirm confirms a subscription by its signed link.
func (s *Service) Confirm(ctx context.Context, id, token string) (*warroom.Subscriber, error) {
	sub, err := s.checkLink(ctx, warroom.LinkConfirm, id, token)
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Store.ConfirmSubscriber(ctx, sub.ID, s.cfg.Now().UTC()); err != nil {
		return nil, err
	}
	return sub, nil
}

// Unsubscribe removes a subscription by its signed link; nothing more is
// sent to it.
func (s *Service) Unsubscribe(ctx context.Context, id, token string) (*warroom.Subscriber, error) {
	sub, err := s.checkLink(ctx, warroom.LinkUnsubscribe, id, token)
	if err != nil {
		return nil, err
	}
	return sub, s.cfg.Store.DeleteSubscriber(ctx, sub.ID)
}

// WebhookInput adds a webhook subscriber (admins).
type WebhookInput struct {
	URL        string   `json:"url"`
	Components []string `json:"components"`
}

// NewWebhook is a webhook subscriber with its signing secret, shown once.
type NewWebhook struct {
	*warroom.Subscriber
	Secret string `json:"secret"`
}

// AddWebhook adds a webhook subscriber (admins): its notices are POSTed
// signed with HMAC-SHA256 under the secret returned (X-Warroom-Signature,
// as warroom's pages), through the outbound policy, with retries.
func (s *Service) AddWebhook(ctx context.Context, a warroom.Actor, in WebhookInput) (*NewWebhook, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	u, err := url.Parse(strings.TrimSpace(in.URL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.URL) > 2000 {
		return nil, warroom.Invalid("url", "url must be an http(s) URL")
	}
	if s.cfg.CheckURL != nil {
		if err := s.cfg.CheckURL(u.String()); err != nil {
			return nil, warroom.Invalid("url", "%v", err)
		}
	}
	comps, err := s.resolveComponents(ctx, "components", in.Components)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	sub := &warroom.Subscriber{ID: newID(), Kind: warroom.SubscriberWebhook, Address: u.String(), Secret: hex.EncodeToString(key),
		ComponentIDs: comps, Network: "admin", CreatedAt: now, ConfirmedAt: &now}
	stored, err := s.cfg.Store.Subscribe(ctx, sub, warroom.SubscribeLimits{}, now, func(*warroom.Subscriber) []engine.Job { return nil })
	if err != nil {
		return nil, err
	}
	if stored.ID != sub.ID {
		return nil, warroom.Errorf(warroom.EConflict, "a webhook subscriber at %s exists; remove it first", u.Redacted())
	}
	return &NewWebhook{Subscriber: stored, Secret: sub.Secret}, nil
}

// Subscribers lists every subscriber (admins).
func (s *Service) Subscribers(ctx context.Context, a warroom.Actor) ([]*warroom.Subscriber, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.cfg.Store.ListSubscribers(ctx, false)
}

// RemoveSubscriber removes a subscriber (admins).
func (s *Service) RemoveSubscriber(ctx context.Context, a warroom.Actor, id string) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.cfg.Store.DeleteSubscriber(ctx, id)
}

// confirmJob handles status.confirm: the confirmation request, sent
// straight (it is the only mail an unconfirmed address gets); the engine
// retries it on failure.
func (s *Service) confirmJob(ctx context.Context, job engine.Job, _ time.Time) ([]engine.Job, error) {
	var p ConfirmPayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	sub, err := s.cfg.Store.FindSubscriber(ctx, p.SubscriberID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if sub.ConfirmedAt != nil || s.cfg.Sender == nil {
		return nil, nil
	}
	unsub := s.linkURL(warroom.LinkUnsubscribe, sub)
	m := notify.Message{ID: "status-confirm-" + job.ID, Kind: notify.KindUpdate, Channel: notify.ChannelEmail, Destination: sub.Address,
		Subject: fmt.Sprintf("Confirm your subscription to %s status", s.cfg.Name),
		Text: fmt.Sprintf("Someone (hopefully you) asked to receive %s status updates at this address.\n\nConfirm: %s\n\n"+
			"If you did not ask, ignore this mail: nothing more will be sent.\n\nUnsubscribe: %s\n",
			s.cfg.Name, s.linkURL(warroom.LinkConfirm, sub), unsub),
		Unsubscribe: unsub}
	if _, err := s.cfg.Sender.Send(ctx, m); err != nil {
		if notify.IsRetryable(err) {
			return nil, err
		}
		return nil, engine.Permanent{Err: err}
	}
	return nil, nil
}
