package httpapi

import (
	"strings"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// A server without the webhook secret cannot sign, so never sends, a
// page to a webhook: a webhook contact method is refused when it is
// made, with a 400 naming the setting, and nothing is stored. Other
// channels are accepted; with the secret set, webhooks are.
func TestWebhookContactRefusedWithoutWebhookSecret(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		e := envOnStore(t, db)
		e.api.outbound = loopbackAllowed
		withPager(t, e, recorders(&sentLog{}), func(c *paging.Config) { c.WebhookSecret = "" })
		hook := map[string]string{"channel": "webhook", "address": "https://hooks.example.com/ada"}
		for _, who := range []string{"ada", "root"} {
			msg := wantErr(t, e.do(who, "POST", "/api/v1/users/ada/contact-methods", hook), 400, warroom.EInvalid, "channel")
			if msg != paging.NoWebhookSecret {
				t.Errorf("refused for %s with %q, want %q", who, msg, paging.NoWebhookSecret)
			}
		}
		ok[warroom.ContactMethod](t, e.do("ada", "POST", "/api/v1/users/ada/contact-methods",
			map[string]string{"channel": "email", "address": "ada@example.com"}), 201)
		list := ok[contactList](t, e.do("ada", "GET", "/api/v1/users/ada/contact-methods", nil), 200)
		if len(list.ContactMethods) != 1 || list.ContactMethods[0].Channel != warroom.ContactEmail {
			t.Fatalf("contact methods %+v, want the email one alone", list.ContactMethods)
		}

		withPager(t, e, recorders(&sentLog{}), nil) // restarted with the secret
		ok[warroom.ContactMethod](t, e.do("ada", "POST", "/api/v1/users/ada/contact-methods", hook), 201)
	})
}

// TestContactRefusedWithoutItsNotifier: a server with no mail relay
// (--smtp-addr) or Slack token sends no email or Slack pages, so it
// refuses those contact methods, naming the setting, instead of storing
// a contact that is never notified.
func TestContactRefusedWithoutItsNotifier(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		e := envOnStore(t, db)
		e.api.outbound = loopbackAllowed
		var webhookOnly []notify.Notifier
		for _, n := range recorders(&sentLog{}) {
			if n.Channel() == notify.ChannelWebhook {
				webhookOnly = append(webhookOnly, n)
			}
		}
		withPager(t, e, webhookOnly, nil)
		for _, c := range []struct{ channel, address, setting string }{
			{"email", "ada@example.com", "--smtp-addr"},
			{"slack", "U0123ABCD", "--slack-token"},
		} {
			msg := wantErr(t, e.do("ada", "POST", "/api/v1/users/ada/contact-methods",
				map[string]string{"channel": c.channel, "address": c.address}), 400, warroom.EInvalid, "channel")
			if !strings.Contains(msg, c.setting) {
				t.Errorf("%s contact refused with %q, want it to name %s", c.channel, msg, c.setting)
			}
		}
		ok[warroom.ContactMethod](t, e.do("ada", "POST", "/api/v1/users/ada/contact-methods",
			map[string]string{"channel": "webhook", "address": "https://hooks.example.com/ada"}), 201)
		if list := ok[contactList](t, e.do("ada", "GET", "/api/v1/users/ada/contact-methods", nil), 200); len(list.ContactMethods) != 1 {
			t.Fatalf("contact methods %+v, want the webhook alone", list.ContactMethods)
		}
	})
}
