package httpapi

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// linkPattern finds URLs in a message's text and fields.
var linkPattern = regexp.MustCompile(`https?://[^\s"'<>)]+`)

// Every link a message carries that points at warroom opens something for
// the person who gets it, with nothing but their phone's browser (no API
// token): on the running server none answers 404. Checked over every kind
// of message: an alert's pages (webhook and email), the announcement, the
// Incident Commander page, the first responder's instruction and the
// announcement that no IC joined.
func TestNoPageLinkAnswers404(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		t0 := time.Date(2026, 11, 22, 0, 9, 0, 0, time.UTC)
		a := newAcceptance(t, db, t0, func(c *paging.Config) {
			c.ICEscalationPolicy = "ic-leads"
			c.Announce = []paging.Destination{{Channel: notify.ChannelSlack, Address: "C0INCIDENTS"}}
		})
		a.rules("ada", a.contact("ada", warroom.ContactWebhook, a.hook+"/ada"), "0s", a.contact("ada", warroom.ContactEmail, "ada@example.com"), "0s")
		a.rules("carol", a.contact("carol", warroom.ContactSlack, "U0CAROL01"), "0s")
		a.policy("ic-leads", "5m", 0, "carol")
		a.servicePaging(a.policy("checkout-primary", "5m", 0, "ada").Name,
			map[string]string{"min_severity": "critical", "action": "declare", "incident_severity": "SEV1"})
		in := a.integration(warroom.IntegrationAlertmanager, "prometheus")
		if r := a.postFixture("001-webhook", in.Key); r.Status != http.StatusAccepted {
			t.Fatalf("alerts: %s", r)
		}
		ok[warroom.CommandResult](t, a.do("ada", "POST", "/api/v1/incidents", map[string]any{"title": "Checkout pages time out",
			"severity": "SEV3"}), http.StatusCreated)
		a.tick()
		a.at(10 * time.Minute) // no IC for ada's incident: carol paged, ada told to halt

		kinds := map[string]int{}
		checked := 0
		for _, d := range a.out.all() {
			kinds[d.Msg.Kind]++
			var links []string
			if d.Msg.AckURL != "" {
				links = append(links, d.Msg.AckURL)
			}
			texts := []string{d.Msg.Text}
			for _, f := range d.Msg.Fields {
				texts = append(texts, f.Value)
			}
			links = append(links, linkPattern.FindAllString(strings.Join(texts, "\n"), -1)...)
			for _, l := range links {
				if !strings.HasPrefix(l, a.srv.URL+"/") {
					continue // the bridge, a runbook: not warroom's
				}
				r, err := http.Get(l)
				if err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				if r.StatusCode == http.StatusNotFound {
					t.Errorf("%s %s to %s (%s) carries %s, which answers 404", d.Msg.Kind, d.Channel, d.To, d.Msg.Subject, l)
				}
				checked++
			}
		}
		if kinds[notify.KindPage] < 3 || kinds[notify.KindUpdate] < 2 || kinds[notify.KindAnnouncement] < 1 || checked < 3 {
			t.Fatalf("messages by kind %v, %d warroom links checked: the scenario did not page, tell and announce", kinds, checked)
		}
	})
}
