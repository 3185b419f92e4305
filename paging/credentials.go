package paging

import (
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// NoWebhookSecret says why a person's webhook contact method cannot be
// reached on this server: every webhook is signed, and the setting that
// holds the key is empty. The API refuses such a contact method when it
// is created (CheckContactChannel); one made while the server had the
// setting fails its pages with this reason (Sender.deliver), in the
// message's delivery history, so that no page is dropped unseen.
const NoWebhookSecret = "webhook contact methods need the server's webhook-secret setting (--webhook-secret / WARROOM_WEBHOOK_SECRET)"

// CheckContactChannel returns an EInvalid error naming the missing
// setting if this server cannot send to a person's contact method of
// channel ch, nil if it can. The API calls it before storing a contact
// method: a contact accepted and never notified is a page lost. (A page
// to a contact made before its setting was removed fails in its delivery
// history: NoWebhookSecret, or notify's "no notifier configured".)
func (p *Pager) CheckContactChannel(ch warroom.ContactChannel) error {
	if ch == warroom.ContactWebhook && p.cfg.WebhookSecret == "" {
		return warroom.Invalid("channel", "%s", NoWebhookSecret)
	}
	if _, ok := p.cfg.Notifiers.Notifier(string(ch)); !ok {
		setting := map[warroom.ContactChannel]string{
			warroom.ContactEmail: "smtp-addr setting (--smtp-addr / WARROOM_SMTP_ADDR)",
			warroom.ContactSlack: "slack-token setting (--slack-token / WARROOM_SLACK_TOKEN)",
		}[ch]
		if setting == "" {
			setting = "notifier for it"
		}
		return warroom.Invalid("channel", "%s contact methods need the server's %s", ch, setting)
	}
	return nil
}

// credentials returns m as it goes out: with its one-click ack link (a
// page) and its webhook's signing secret. Neither is stored with the
// message, so that no message row holds anything that could be used
// again (an ack link works for AckTTL; the secret signs anything). Both
// are made again for every attempt, from the message's alert or incident
// and person and from the server's settings: a retry, or a message sent
// again under its ID after the process sending it died, carries a link
// valid for AckTTL from that send and the destination's current secret.
func (p *Pager) credentials(m *notify.Outbox, now time.Time) notify.Message {
	msg := m.Message
	msg.AckURL, msg.Secret = "", ""
	if msg.Kind == notify.KindPage && m.UserID != "" {
		c := ackClaims{UserID: m.UserID, Expires: now.Add(p.cfg.AckTTL).Unix()}
		// As pageMessage renders them: a page about an alert
		// acknowledges the alert; one without asks for an Incident
		// Commander.
		if msg.AlertID != "" {
			c.AlertID = msg.AlertID
		} else {
			c.IncidentID = msg.IncidentID
		}
		if c.AlertID != "" || c.IncidentID != "" {
			msg.AckURL = p.ackLink(c)
		}
	}
	if msg.Channel == notify.ChannelWebhook {
		msg.Secret = p.webhookSecret(m)
	}
	return msg
}

// webhookSecret is the key that signs a webhook message: WebhookSecret
// for a person's contact method, the announcement destination's own for
// an announcement; "" if the setting is gone, and then the sender fails
// the message saying why (unsigned, a receiver that checks signatures
// would reject it anyway).
func (p *Pager) webhookSecret(m *notify.Outbox) string {
	if m.UserID != "" {
		return p.cfg.WebhookSecret
	}
	for _, d := range p.cfg.Announce {
		if d.Channel == notify.ChannelWebhook && d.Address == m.Destination {
			return d.Secret
		}
	}
	return ""
}

// missingSecret says why a webhook message has no signing key
// (webhookSecret returned "").
func missingSecret(m *notify.Outbox) string {
	if m.UserID != "" {
		return NoWebhookSecret
	}
	return "this webhook is no longer one of the server's announce destinations, so there is no secret to sign it"
}
