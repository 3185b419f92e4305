package warroom_test

import (
	"fmt"
	"testing"

	"github.com/warroom/warroom"
)

// TestCustomerValidate normalizes emails and refuses bad fields.
func TestCustomerValidate(t *testing.T) {
	c := warroom.Customer{Name: " Acme ", Contacts: []warroom.CustomerContact{{Email: "Ops@Acme.Test"}}, ManagerEmail: "MIA@example.com"}
	if err := c.Validate(); err != nil || c.Name != "Acme" || c.Contacts[0].Email != "ops@acme.test" || c.ManagerEmail != "mia@example.com" {
		t.Fatalf("%v %+v", err, c)
	}
	for _, bad := range []struct {
		c     warroom.Customer
		field string
	}{
		{warroom.Customer{}, "name"},
		{warroom.Customer{Name: "A", Contacts: []warroom.CustomerContact{{Email: "nope"}}}, "contacts.email"},
		{warroom.Customer{Name: "A", Contacts: []warroom.CustomerContact{{Email: "Wile <w@a.test>"}}}, "contacts.email"},
		{warroom.Customer{Name: "A", Contacts: []warroom.CustomerContact{{Email: "w@a.test"}, {Email: "W@a.test"}}}, "contacts.email"},
		{warroom.Customer{Name: "A", ManagerEmail: "x"}, "manager_email"},
		{warroom.Customer{Name: "A", SlackChannel: "#general"}, "slack_channel"},
	} {
		if err := bad.c.Validate(); warroom.ErrorCode(err) != warroom.EInvalid || warroom.ErrorField(err) != bad.field {
			t.Errorf("%+v: %v", bad.c, err)
		}
	}
}

// TestCustomerDeliveries: affected customers (by service or by name) get
// one email to all their contacts with their manager in copy (not twice
// if the manager is a contact) and one post to their shared channel.
func TestCustomerDeliveries(t *testing.T) {
	inc := &warroom.Incident{ID: "inc-1", Impact: warroom.Impact{ServiceIDs: []string{"s-checkout"}, Customers: []string{"initech"}}}
	cs := []*warroom.Customer{
		{ID: "c-acme", Name: "Acme", Contacts: []warroom.CustomerContact{{Email: "a@acme.test"}, {Email: "b@acme.test"}},
			ManagerEmail: "mia@example.com", SlackChannel: "C0ACME0001", ServiceIDs: []string{"s-checkout"}},
		{ID: "c-globex", Name: "Globex", Contacts: []warroom.CustomerContact{{Email: "g@globex.test"}}, ServiceIDs: []string{"s-search"}},
		{ID: "c-initech", Name: "Initech", Contacts: []warroom.CustomerContact{{Email: "mia@example.com"}}, ManagerEmail: "mia@example.com"},
	}
	u := &warroom.Update{ID: "u-1", At: at(0)}
	id := func(parts ...string) string { return fmt.Sprint(parts) }
	ds := warroom.CustomerDeliveries(u, inc, cs, id)
	got := map[string]string{}
	for _, d := range ds {
		got[d.ID] = fmt.Sprint(d.Channel, d.To, d.CC)
	}
	want := map[string]string{
		"[u-1 c-acme email]":    "email[a@acme.test b@acme.test] [mia@example.com]",
		"[u-1 c-acme slack]":    "slack[C0ACME0001] []",
		"[u-1 c-initech email]": "email[mia@example.com] []",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("deliveries\n got %v\nwant %v", got, want)
	}
	if again := warroom.CustomerDeliveries(u, inc, cs, id); fmt.Sprint(again) != fmt.Sprint(ds) {
		t.Error("making them twice makes other deliveries")
	}
}
