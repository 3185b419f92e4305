package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/tracker"
)

// TestTrackerStore: tracker settings validated and one per scope; a
// ticket made once per subject under a lease that excludes a second run
// until it is saved or expires; the wanted state and postmortem URL set
// beside a run; states recorded from webhooks; the tickets to poll.
func TestTrackerStore(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t)
			ctx := context.Background()
			now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

			cfg := &tracker.Config{Scope: tracker.ScopeService, ScopeID: "svc-1", Kind: tracker.Jira, BaseURL: "https://acme.atlassian.net/",
				Project: "OPS", Credentials: "jira-ops", WebhookSecret: "jira-hook", CreatedAt: now}
			if err := s.CreateTrackerConfig(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.ID == "" || cfg.BaseURL != "https://acme.atlassian.net" {
				t.Fatalf("config = %+v", cfg)
			}
			dup := *cfg
			dup.ID = ""
			wantCode(t, s.CreateTrackerConfig(ctx, &dup), warroom.EConflict)
			bad := &tracker.Config{Scope: tracker.ScopeTeam, ScopeID: "t", Kind: "gitlab", BaseURL: "https://x", Project: "a/b", Credentials: "c"}
			if err := s.CreateTrackerConfig(ctx, bad); warroom.ErrorField(err) != "kind" {
				t.Fatalf("unknown kind: %v", err)
			}
			bad = &tracker.Config{Scope: tracker.ScopeTeam, ScopeID: "t", Kind: tracker.GitHub, BaseURL: "not a url", Project: "a/b", Credentials: "c"}
			if err := s.CreateTrackerConfig(ctx, bad); warroom.ErrorField(err) != "base_url" {
				t.Fatalf("bad URL: %v", err)
			}
			gh := &tracker.Config{Scope: tracker.ScopeTeam, ScopeID: "team-1", Kind: tracker.GitHub, Project: "acme/ops", Credentials: "gh", CreatedAt: now.Add(time.Second)}
			if err := s.CreateTrackerConfig(ctx, gh); err != nil {
				t.Fatal(err)
			}
			if gh.BaseURL != "https://api.github.com" {
				t.Fatalf("GitHub default URL: %q", gh.BaseURL)
			}
			got, err := s.TrackerConfigFor(ctx, tracker.ScopeService, "svc-1")
			if err != nil || *got != *cfg {
				t.Fatalf("TrackerConfigFor = %+v, %v; want %+v", got, err, cfg)
			}
			if _, err := s.TrackerConfigFor(ctx, tracker.ScopeService, "svc-2"); warroom.ErrorCode(err) != warroom.ENotFound {
				t.Fatalf("none: %v", err)
			}
			all, err := s.TrackerConfigs(ctx)
			if err != nil || len(all) != 2 || all[0].ID != cfg.ID {
				t.Fatalf("TrackerConfigs = %v, %v", all, err)
			}
			wantCode(t, s.DeleteTrackerConfig(ctx, gh.ID), "")
			wantCode(t, s.DeleteTrackerConfig(ctx, gh.ID), warroom.ENotFound)

			in := &tracker.Ticket{SubjectKind: tracker.SubjectIncident, SubjectID: "inc-1", ConfigID: cfg.ID, Tracker: tracker.Jira, Want: tracker.StateOpen}
			tk, err := s.LeaseTicket(ctx, in, "a", now, time.Minute)
			if err != nil || tk.Key != "" || tk.Want != tracker.StateOpen || !tk.CreatedAt.Equal(now) {
				t.Fatalf("lease = %+v, %v", tk, err)
			}
			again := *in
			again.ID = ""
			if _, err := s.LeaseTicket(ctx, &again, "b", now.Add(30*time.Second), time.Minute); warroom.ErrorCode(err) != warroom.EConflict {
				t.Fatalf("second run while leased: %v", err)
			}
			// The run goes on while the incident moves and its postmortem appears.
			if err := s.SetTicketWant(ctx, tracker.SubjectIncident, "inc-1", tracker.StateDone, "https://w/pm/1"); err != nil {
				t.Fatal(err)
			}
			synced := now.Add(time.Second)
			tk.Key, tk.URL, tk.State, tk.Status, tk.SyncedAt = "OPS-1", "https://acme.atlassian.net/browse/OPS-1", tracker.StateOpen, "To Do", &synced
			tk.PostmortemLinked = true // linked an older URL: must not count for the new one
			if err := s.SaveTicket(ctx, tk, "a"); err != nil {
				t.Fatal(err)
			}
			wantCode(t, s.SaveTicket(ctx, tk, "a"), warroom.EConflict) // released
			tk, err = s.LeaseTicket(ctx, &again, "b", now.Add(2*time.Second), time.Minute)
			if err != nil || tk.Key != "OPS-1" || tk.Want != tracker.StateDone || tk.PostmortemURL != "https://w/pm/1" || tk.PostmortemLinked {
				t.Fatalf("after save = %+v, %v", tk, err)
			}
			tk.PostmortemLinked = true
			tk.State = tracker.StateDone
			if err := s.SaveTicket(ctx, tk, "b"); err != nil {
				t.Fatal(err)
			}
			if tk, _ := s.TicketFor(ctx, tracker.SubjectIncident, "inc-1"); !tk.PostmortemLinked || tk.SyncedAt == nil || !tk.SyncedAt.Equal(synced) {
				t.Fatalf("saved = %+v", tk)
			}
			// An expired lease is taken over.
			if _, err := s.LeaseTicket(ctx, &again, "c", now.Add(3*time.Second), time.Minute); err != nil {
				t.Fatal(err)
			}
			if _, err := s.LeaseTicket(ctx, &again, "d", now.Add(2*time.Minute), time.Minute); err != nil {
				t.Fatalf("expired lease: %v", err)
			}
			if n, err := s.ReleaseTicketLeases(ctx); err != nil || n != 1 {
				t.Fatalf("ReleaseTicketLeases = %d, %v", n, err)
			}
			if _, err := s.LeaseTicket(ctx, &again, "e", now.Add(2*time.Minute), time.Minute); err != nil {
				t.Fatalf("after release: %v", err)
			}
			wantCode(t, s.SetTicketWant(ctx, tracker.SubjectActionItem, "nope", tracker.StateDone, ""), warroom.ENotFound)
			if _, err := s.TicketFor(ctx, tracker.SubjectActionItem, "nope"); warroom.ErrorCode(err) != warroom.ENotFound {
				t.Fatal(err)
			}

			// Polling: made tickets not done, least recently synced first.
			for i, key := range []string{"OPS-2", "OPS-3", ""} {
				tk, err := s.LeaseTicket(ctx, &tracker.Ticket{SubjectKind: tracker.SubjectActionItem, SubjectID: key + "x", ConfigID: cfg.ID,
					Tracker: tracker.Jira, Parent: "OPS-1"}, "a", now, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				at := now.Add(time.Duration(10-i) * time.Minute)
				tk.Key, tk.State, tk.SyncedAt = key, tracker.StateOpen, &at
				if err := s.SaveTicket(ctx, tk, "a"); err != nil {
					t.Fatal(err)
				}
			}
			poll, err := s.TicketsToPoll(ctx, 10)
			if err != nil || len(poll) != 2 || poll[0].Key != "OPS-3" || poll[1].Key != "OPS-2" || poll[0].Parent != "OPS-1" {
				t.Fatalf("TicketsToPoll = %v, %v", poll, err)
			}
			children, err := s.TicketsWithParent(ctx, tracker.Jira, "OPS-1")
			if err != nil || len(children) != 3 {
				t.Fatalf("TicketsWithParent = %v, %v", children, err)
			}
			byKey, err := s.TicketsByKey(ctx, tracker.Jira, "OPS-2")
			if err != nil || len(byKey) != 1 {
				t.Fatalf("TicketsByKey = %v, %v", byKey, err)
			}
			if err := s.RecordTicketState(ctx, byKey[0].ID, tracker.StateDone, "Done", now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if poll, _ := s.TicketsToPoll(ctx, 10); len(poll) != 1 {
				t.Fatalf("a done ticket is still polled: %v", poll)
			}
			wantCode(t, s.RecordTicketState(ctx, "nope", tracker.StateDone, "", now), warroom.ENotFound)
		})
	}
}
