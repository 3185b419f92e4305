package sqlstore

import (
	"context"
	"testing"

	"github.com/warroom/warroom"
)

func TestFindUserByEmail(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t)
			ctx := context.Background()
			for _, u := range []*warroom.User{
				{Handle: "ada", Name: "Ada", Email: "Ada.Lovelace@Example.com", TimeZone: "UTC", Role: warroom.AccountAdmin},
				{Handle: "bob", Name: "Bob", Email: "bob@example.com", TimeZone: "UTC", Role: warroom.AccountViewer},
			} {
				if err := s.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			for _, email := range []string{"Ada.Lovelace@Example.com", "ada.lovelace@example.com", "ADA.LOVELACE@EXAMPLE.COM"} {
				u, err := s.FindUserByEmail(ctx, email)
				if err != nil {
					t.Fatalf("%s: %v", email, err)
				}
				if u.Handle != "ada" || u.Email != "Ada.Lovelace@Example.com" || u.Role != warroom.AccountAdmin {
					t.Errorf("%s: found %+v", email, u)
				}
			}
			for _, email := range []string{"ada@example.com", "", "%@example.com", "_ob@example.com"} {
				if _, err := s.FindUserByEmail(ctx, email); warroom.ErrorCode(err) != warroom.ENotFound {
					t.Errorf("%q: err %v, want not_found", email, err)
				}
			}
		})
	}
}
