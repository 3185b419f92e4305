package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestCommsStore: customers with services (unique names in any case, a
// deleted service unlinks, a deleted customer's deliveries stay),
// templates replaced in place, deliveries added once and their attempts
// recorded, a sent delivery staying sent.
func TestCommsStore(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t)
			ctx := context.Background()
			now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
			svc := &warroom.Service{Slug: "checkout", Name: "Checkout", CreatedAt: now}
			if err := s.CreateService(ctx, svc); err != nil {
				t.Fatal(err)
			}
			c := &warroom.Customer{Name: "Acme", Contacts: []warroom.CustomerContact{{Name: "Wile", Email: "w@acme.test"}},
				ManagerEmail: "mia@example.com", SlackChannel: "C0ACME0001", ServiceIDs: []string{svc.ID}, CreatedAt: now}
			if err := s.CreateCustomer(ctx, c); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateCustomer(ctx, &warroom.Customer{Name: "ACME", ServiceIDs: []string{}, CreatedAt: now}); warroom.ErrorCode(err) != warroom.EConflict {
				t.Errorf("same name in another case: %v", err)
			}
			if err := s.CreateCustomer(ctx, &warroom.Customer{Name: "Globex", ServiceIDs: []string{"nope"}, CreatedAt: now}); warroom.ErrorCode(err) != warroom.EInvalid {
				t.Errorf("unknown service: %v", err)
			}
			if _, err := s.FindCustomer(ctx, "globex"); warroom.ErrorCode(err) != warroom.ENotFound {
				t.Errorf("a refused customer was stored: %v", err)
			}
			got, err := s.FindCustomer(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != c.ID || got.Contacts[0].Name != "Wile" || got.ServiceIDs[0] != svc.ID || !got.CreatedAt.Equal(now) {
				t.Errorf("found %+v", got)
			}
			got.Name, got.ServiceIDs, got.UpdatedAt = "Acme Corp", []string{}, now.Add(time.Hour)
			if err := s.UpdateCustomer(ctx, got); err != nil {
				t.Fatal(err)
			}
			list, err := s.ListCustomers(ctx)
			if err != nil || len(list) != 1 || list[0].Name != "Acme Corp" || len(list[0].ServiceIDs) != 0 {
				t.Fatalf("list %+v %v", list, err)
			}

			tm := &warroom.UpdateTemplate{Audience: warroom.AudienceCustomers, Subject: "s1", Body: "b1", UpdatedBy: "u", UpdatedAt: now}
			if err := s.PutUpdateTemplate(ctx, tm); err != nil {
				t.Fatal(err)
			}
			tm.Body = "b2"
			if err := s.PutUpdateTemplate(ctx, tm); err != nil {
				t.Fatal(err)
			}
			if g, err := s.GetUpdateTemplate(ctx, warroom.AudienceCustomers); err != nil || g.Body != "b2" {
				t.Errorf("template %+v %v", g, err)
			}
			if _, err := s.GetUpdateTemplate(ctx, warroom.AudienceInternal); warroom.ErrorCode(err) != warroom.ENotFound {
				t.Errorf("no template: %v", err)
			}

			del := warroom.CustomerDelivery{ID: "d-1", UpdateID: "u-1", IncidentID: "i-1", CustomerID: c.ID, Channel: warroom.DeliveryEmail,
				To: []string{"w@acme.test"}, CC: []string{"mia@example.com"}, State: warroom.DeliveryPending, CreatedAt: now}
			for range 2 {
				if err := s.AddDeliveries(ctx, []warroom.CustomerDelivery{del}, nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.RecordDeliveryAttempt(ctx, "d-1", warroom.DeliveryPending, "451 later", "", now); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordDeliveryAttempt(ctx, "d-1", warroom.DeliverySent, "", "<id@x>", now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordDeliveryAttempt(ctx, "d-1", warroom.DeliveryFailed, "late", "", now.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteCustomer(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			ds, err := s.ListDeliveries(ctx, "i-1")
			if err != nil || len(ds) != 1 {
				t.Fatalf("deliveries %+v %v", ds, err)
			}
			g := ds[0]
			if g.State != warroom.DeliverySent || g.Attempts != 2 || g.ProviderID != "<id@x>" || g.SentAt == nil ||
				!g.SentAt.Equal(now.Add(time.Minute)) || g.CC[0] != "mia@example.com" {
				t.Errorf("delivery %+v", g)
			}
			if err := s.RecordDeliveryAttempt(ctx, "nope", warroom.DeliverySent, "", "", now); warroom.ErrorCode(err) != warroom.ENotFound {
				t.Errorf("unknown delivery: %v", err)
			}
		})
	}
}
