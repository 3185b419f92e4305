package httpapi

import (
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestUsersAndTeams(t *testing.T) {
	e := newEnv(t, nil)
	team := ok[warroom.Team](t, e.do("root", "POST", "/api/v1/teams", map[string]string{"slug": "db", "name": "Databases"}), 201)
	if team.ID == "" || team.Slug != "db" || !team.CreatedAt.Equal(epoch) {
		t.Fatalf("team %+v", team)
	}
	wantErr(t, e.do("root", "POST", "/api/v1/teams", map[string]string{"slug": "db", "name": "again"}), 409, warroom.EConflict, "slug")
	wantErr(t, e.do("root", "POST", "/api/v1/teams", map[string]string{"slug": "Not A Slug", "name": "x"}), 400, warroom.EInvalid, "slug")
	if got := ok[warroom.Team](t, e.do("vic", "GET", "/api/v1/teams/db", nil), 200); got.ID != team.ID {
		t.Fatalf("team by slug %+v", got)
	}
	if teams := ok[map[string][]warroom.Team](t, e.do("vic", "GET", "/api/v1/teams", nil), 200)["teams"]; len(teams) != 2 {
		t.Fatalf("%d teams", len(teams))
	}

	u := ok[warroom.User](t, e.do("root", "POST", "/api/v1/users", map[string]string{
		"handle": "@dan", "name": "Dan", "email": "dan@example.com", "time_zone": "Europe/Berlin", "team": "db"}), 201)
	if u.ID == "" || u.Handle != "dan" || u.TeamID != team.ID || u.Role != warroom.AccountResponder || u.TimeZone != "Europe/Berlin" {
		t.Fatalf("user %+v", u)
	}
	byID := ok[warroom.User](t, e.do("ada", "GET", "/api/v1/users/"+u.ID, nil), 200)
	byHandle := ok[warroom.User](t, e.do("ada", "GET", "/api/v1/users/@dan", nil), 200)
	if byID.ID != u.ID || byHandle.ID != u.ID {
		t.Fatal("user by ID or handle")
	}
	for _, c := range []struct {
		body  map[string]string
		field string
	}{
		{map[string]string{"handle": "eve", "name": "Eve", "email": "eve@example.com", "team": "nope"}, "team"},
		{map[string]string{"handle": "eve", "name": "Eve", "email": "eve@example.com", "time_zone": "Mars/Olympus"}, "time_zone"},
		{map[string]string{"handle": "eve", "name": "Eve", "email": "not an address"}, "email"},
		{map[string]string{"handle": "eve", "name": "Eve", "email": "eve@example.com", "role": "king"}, "role"},
		{map[string]string{"name": "Eve", "email": "eve@example.com"}, "handle"},
	} {
		wantErr(t, e.do("root", "POST", "/api/v1/users", c.body), 400, warroom.EInvalid, c.field)
	}
	msg := wantErr(t, e.do("root", "POST", "/api/v1/users", map[string]string{"handle": "eve", "name": "Eve", "email": "eve@example.com", "team": "nope"}), 400, warroom.EInvalid, "team")
	wantMsg(t, msg, `no team "nope": give a team ID or slug`)
	wantErr(t, e.do("root", "POST", "/api/v1/users", map[string]string{"handle": "dan", "name": "Dan 2", "email": "dan2@example.com"}), 409, warroom.EConflict, "handle")

	// PATCH changes only the fields given; "team": "" clears the team.
	p := ok[warroom.User](t, e.do("root", "PATCH", "/api/v1/users/dan", map[string]string{"name": "Daniel", "role": "viewer", "team": ""}), 200)
	if p.Name != "Daniel" || p.Role != warroom.AccountViewer || p.TeamID != "" || p.Email != "dan@example.com" || !p.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("patched %+v", p)
	}
	wantErr(t, e.do("root", "PATCH", "/api/v1/users/dan", map[string]string{"time_zone": "Nowhere"}), 400, warroom.EInvalid, "time_zone")
	wantErr(t, e.do("root", "PATCH", "/api/v1/users/nobody", map[string]string{"name": "x"}), 404, warroom.ENotFound, "")
	if users := ok[map[string][]warroom.User](t, e.do("vic", "GET", "/api/v1/users", nil), 200)["users"]; len(users) != 6 {
		t.Fatalf("%d users", len(users))
	}
}

func TestServices(t *testing.T) {
	e := newEnv(t, nil)
	svc := ok[warroom.Service](t, e.do("root", "POST", "/api/v1/services", map[string]any{
		"slug": "checkout", "name": "Checkout", "team": "sre", "rpo": "15m", "rto": 3600,
		"dashboards": []map[string]string{{"title": "Grafana", "url": "https://grafana.example.com/d/1"}},
	}), 201)
	if svc.ID == "" || svc.RPO != warroom.Duration(15*time.Minute) || svc.RTO != warroom.Duration(time.Hour) || len(svc.Dashboards) != 1 {
		t.Fatalf("service %+v", svc)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
		msg   string
	}{
		{map[string]any{"slug": "x", "name": "X", "rpo": "soon"}, "rpo", `field "rpo": duration "soon" is not like "4h" or "90m"`},
		{map[string]any{"slug": "x", "name": "X", "rto": "-1h"}, "rto", "RTO must not be negative"},
		{map[string]any{"slug": "x", "name": "X", "team": "nope"}, "team", `no team "nope": give a team ID or slug`},
		{map[string]any{"slug": "x", "name": "X", "runbooks": []map[string]string{{"url": "javascript:alert(1)"}}}, "runbooks", `"javascript:alert(1)" is not an absolute http or https URL`},
		{map[string]any{"slug": "x", "name": "X", "dashboards": "grafana"}, "dashboards", `field "dashboards" has the wrong type: expected array, got string`},
	} {
		wantMsg(t, wantErr(t, e.do("root", "POST", "/api/v1/services", c.body), 400, warroom.EInvalid, c.field), c.msg)
	}
	p := ok[warroom.Service](t, e.do("root", "PATCH", "/api/v1/services/checkout", map[string]any{"description": "pays", "rto": "2h"}), 200)
	if p.Description != "pays" || p.RTO != warroom.Duration(2*time.Hour) || p.RPO != svc.RPO || p.Name != "Checkout" || p.TeamID != svc.TeamID {
		t.Fatalf("patched %+v", p)
	}
	if got := ok[warroom.Service](t, e.do("vic", "GET", "/api/v1/services/"+svc.ID, nil), 200); got.Description != "pays" {
		t.Fatalf("service by ID %+v", got)
	}
	if list := ok[map[string][]warroom.Service](t, e.do("vic", "GET", "/api/v1/services", nil), 200)["services"]; len(list) != 1 {
		t.Fatalf("%d services", len(list))
	}

	// Services are named by slug in declarations and filters.
	decl := ok[warroom.CommandResult](t, e.do("ada", "POST", "/api/v1/incidents", map[string]any{
		"title": "pay fails", "severity": "SEV3", "impact": map[string]any{"service_ids": []string{"checkout"}}}), 201)
	if ids := decl.Incident.Impact.ServiceIDs; len(ids) != 1 || ids[0] != svc.ID {
		t.Fatalf("service IDs %v", ids)
	}
	e.declare("ada", "unrelated", false)
	if list := ok[map[string][]warroom.Incident](t, e.do("ada", "GET", "/api/v1/incidents?service=checkout", nil), 200)["incidents"]; len(list) != 1 || list[0].ID != decl.Incident.ID {
		t.Fatalf("by service: %+v", list)
	}
}
