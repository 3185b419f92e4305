package httpapi

import (
	"testing"

	"github.com/warroom/warroom"
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
