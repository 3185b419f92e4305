package afterfire

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/internal/smtptest"
	"github.com/warroom/warroom/internal/storetest"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/notify/email"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// reviewEnv is the service with the review configured (Berlin, the
// de-bw calendar for the SRE team, email through a local SMTP server) on
// a real store; jobs are run by hand at the test clock's time, and the
// jobs they hand to paging (notify.user, incident.note) are recorded.
type reviewEnv struct {
	*env
	smtp   *smtptest.Server
	berlin *time.Location
	paged  []engine.Job
	team   *warroom.Team
}

func newReviewEnv(t *testing.T, st *sqlstore.Store, start time.Time) *reviewEnv {
	e := &reviewEnv{env: newEnv(t, st), smtp: smtptest.New(t, smtptest.Config{})}
	e.clock.Set(start)
	var err error
	if e.berlin, err = time.LoadLocation("Europe/Berlin"); err != nil {
		t.Fatal(err)
	}
	n, err := email.New(email.Config{Addr: e.smtp.Addr(), From: "warroom <warroom@example.com>", HelloName: "test"}, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := notify.NewRegistry(n)
	if err != nil {
		t.Fatal(err)
	}
	e.team = &warroom.Team{Slug: "sre", Name: "SRE"}
	if err := st.CreateTeam(e.ctx, e.team); err != nil {
		t.Fatal(err)
	}
	ada := e.users["ada"]
	ada.TeamID = e.team.ID
	if err := st.UpdateUser(e.ctx, ada); err != nil {
		t.Fatal(err)
	}
	e.svc, err = New(Config{Incidents: e.inc, Updates: st, Alerts: st, Chat: st,
		Review: ReviewConfig{Store: st, Location: e.berlin, Sender: reg, DefaultCalendar: "us"}})
	if err != nil {
		t.Fatal(err)
	}
	st.SetIncidentReactor(e.svc.Reactor())
	return e
}

// run runs every job due now until none is left; paging's jobs are
// recorded (e.paged) and done, and a job that fails fails the test
// unless its failure is permanent.
func (e *reviewEnv) run() {
	e.t.Helper()
	handlers := e.svc.Handlers()
	storetest.Jobs{Store: e.st, Queue: paging.QueueDefault, Now: e.clock.Now, Rounds: 50,
		Handle: func(ctx context.Context, j engine.Job, now time.Time) ([]engine.Job, error) {
			if h := handlers[j.Kind]; h != nil {
				return h(ctx, j, now)
			}
			e.paged = append(e.paged, j)
			return nil, nil
		}}.Run(e.ctx, e.t)
}

// notified returns the subjects of the notify.user jobs recorded for
// the user.
func (e *reviewEnv) notified(userID string) []string {
	var out []string
	for _, j := range e.paged {
		if j.Kind != paging.KindNotifyUser {
			continue
		}
		var p paging.NotifyPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			e.t.Fatal(err)
		}
		if p.UserID == userID {
			out = append(out, p.Subject)
		}
	}
	return out
}

func TestReviewLifecycle(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		// Recovered on Tuesday 22 December 2026, 10:00 in Berlin.
		berlin, _ := time.LoadLocation("Europe/Berlin")
		e := newReviewEnv(t, st, time.Date(2026, 12, 22, 9, 0, 0, 0, berlin))
		admin := warroom.Actor{UserID: "root", Role: warroom.AccountAdmin}
		ics, err := os.ReadFile("../testdata/holidays-de-bw.ics")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.ImportCalendar(e.ctx, e.a("ada"), "de-bw", nil, ics)
		wantCode(t, err, warroom.EForbidden, "only admins")
		_, err = e.svc.ImportCalendar(e.ctx, admin, "de-bw", []string{"nope"}, ics)
		wantCode(t, err, warroom.EInvalid, `no team "nope"`)
		_, err = e.svc.ImportCalendar(e.ctx, admin, "de-bw", []string{"sre"}, []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
		wantCode(t, err, warroom.EInvalid, "the holiday calendar cannot be read: line 4: an event without DTSTART")
		_, err = e.svc.ImportCalendar(e.ctx, admin, "DE BW", nil, ics)
		wantCode(t, err, warroom.EInvalid, "a calendar name is")
		if err := e.svc.CheckDefaultCalendar(e.ctx); warroom.ErrorCode(err) != warroom.EInvalid {
			t.Errorf("unknown default calendar: %v", err)
		}
		if _, err := e.svc.ImportCalendar(e.ctx, admin, "de-bw", []string{"sre"}, ics); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ImportCalendar(e.ctx, admin, "us", nil, []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")); err != nil {
			t.Fatal(err)
		}

		ada, bob := e.a("ada"), e.a("bob")
		res, err := e.inc.Declare(e.ctx, ada, warroom.Declaration{Title: "Checkout down", Severity: warroom.SEV1}, warroom.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		ref := res.Incident.Ref
		e.must(e.inc.Execute(e.ctx, ada, ref, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, warroom.Idempotency{}))
		e.must(e.inc.Execute(e.ctx, bob, ref, warroom.AssignRole{Role: warroom.RoleParallelInvestigator, UserID: e.users["dan"].ID}, warroom.Idempotency{}))
		e.clock.Advance(time.Hour)
		e.must(e.inc.Execute(e.ctx, bob, ref, warroom.ChangeStage{Stage: warroom.StageRecovered}, warroom.Idempotency{}))
		e.run()
		v, err := e.svc.Review(e.ctx, bob, ref)
		if err != nil {
			t.Fatal(err)
		}
		r := v.Review
		// Wed 23, Mon 28, Wed 30, Thu 31, Mon 4 January: 24-26 and 29
		// December and 1 January are holidays of de-bw, the owner's team's.
		if r.LastDay.String() != "2027-01-04" || r.Calendar != "de-bw" || r.TimeZone != "Europe/Berlin" ||
			!r.DueAt.Equal(time.Date(2027, 1, 5, 0, 0, 0, 0, berlin)) || strings.Join(r.Required, ",") != bob.UserID+","+ada.UserID {
			t.Fatalf("review = %+v", r)
		}
		tl, _ := st.Timeline(e.ctx, res.Incident.ID, 0, 0)
		if last := tl[len(tl)-1]; last.Type != warroom.EventReviewDue || !strings.Contains(last.Text, "due by 2027-01-04 (5 business days after recovery, Europe/Berlin, holiday calendar de-bw)") {
			t.Errorf("timeline ends with %+v", last)
		}

		// Scheduled: every attendee with an address gets the invitation.
		_, err = e.svc.ScheduleReview(e.ctx, e.a("zed"), "INC-99", time.Date(2026, 12, 30, 14, 0, 0, 0, berlin), 60, "", warroom.Idempotency{})
		wantCode(t, err, warroom.ENotFound, "")
		_, err = e.svc.ScheduleReview(e.ctx, bob, ref, e.clock.Now().Add(-time.Hour), 60, "", warroom.Idempotency{})
		wantCode(t, err, warroom.EInvalid, "the review cannot start in the past")
		if _, err := e.svc.ScheduleReview(e.ctx, bob, ref, time.Date(2026, 12, 30, 14, 0, 0, 0, berlin), 60, "https://meet.example/pmr", warroom.Idempotency{}); err != nil {
			t.Fatal(err)
		}
		e.run()
		msgs := e.smtp.Messages()
		if len(msgs) != 3 {
			t.Fatalf("%d invitations, want 3 (bob and ada required, dan optional)", len(msgs))
		}
		all := strings.Join(msgs, "\n")
		for _, want := range []string{"<bob@example.com>", "You are invited (required)", "You are invited (optional)", "method=REQUEST"} {
			if !strings.Contains(all, want) {
				t.Errorf("invitations lack %q", want)
			}
		}
		inv, err := e.svc.Invitation(e.ctx, e.a("zed"), ref)
		if err != nil || !strings.Contains(inv, "DTSTART:20261230T130000Z") || !strings.Contains(inv, "ROLE=OPT-PARTICIPANT") ||
			!strings.Contains(inv, "ORGANIZER;CN=\"ada\":mailto:ada@example.com") {
			t.Errorf("invitation = %s, %v", inv, err)
		}

		// The morning of the last day: the Incident Owner is reminded.
		e.clock.Set(time.Date(2027, 1, 4, 9, 0, 0, 0, berlin))
		e.run()
		if got := e.notified(ada.UserID); len(got) != 1 || got[0] != ref+": Post Mortem Review due today (2027-01-04)" {
			t.Fatalf("reminders = %q", got)
		}
		// Past the deadline, not held: overdue.
		e.clock.Set(time.Date(2027, 1, 5, 0, 0, 0, 0, berlin))
		e.run()
		if got := e.notified(ada.UserID); len(got) != 2 || !strings.Contains(got[1], "Post Mortem Review overdue since 2027-01-04 23:00 UTC") {
			t.Fatalf("reminders = %q", got)
		}
		_, err = e.svc.RecordReviewHeld(e.ctx, warroom.Actor{UserID: "v", Role: warroom.AccountViewer}, ref, []string{"bob"}, warroom.Idempotency{})
		wantCode(t, err, warroom.EForbidden, "viewers")
		v, err = e.svc.RecordReviewHeld(e.ctx, bob, ref, []string{"@bob", "dan"}, warroom.Idempotency{})
		if err != nil || v.Review.HeldAt == nil || len(v.Review.Attended) != 2 || v.Overdue {
			t.Fatalf("held = %+v, %v", v, err)
		}
		tl, _ = st.Timeline(e.ctx, res.Incident.ID, 0, 0)
		if last := tl[len(tl)-1]; last.Type != warroom.EventReviewHeld || last.Text != "Post Mortem Review held with @bob, @dan; required but absent: @ada" {
			t.Errorf("held event = %q", last.Text)
		}
		_, err = e.svc.RecordReviewHeld(e.ctx, bob, ref, []string{"bob"}, warroom.Idempotency{})
		wantCode(t, err, warroom.EConflict, "held already")
	})
}

// TestReviewOnlyForMajorIncidents: a minor incident's recovery plans
// nothing; scheduling one by hand plans it.
func TestReviewOnlyForMajorIncidents(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newReviewEnv(t, st, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
		e.svc.cfg.Review.DefaultCalendar = ""
		ada := e.a("ada")
		res, err := e.inc.Declare(e.ctx, ada, warroom.Declaration{Title: "slow search", Severity: warroom.SEV4}, warroom.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		ref := res.Incident.Ref
		_, err = e.svc.ScheduleReview(e.ctx, ada, ref, time.Date(2026, 12, 8, 14, 0, 0, 0, time.UTC), 30, "", warroom.Idempotency{})
		wantCode(t, err, warroom.EConflict, "is not recovered yet")
		e.must(e.inc.Execute(e.ctx, ada, ref, warroom.ChangeStage{Stage: warroom.StageRecovered}, warroom.Idempotency{}))
		e.run()
		_, err = e.svc.Review(e.ctx, ada, ref)
		wantCode(t, err, warroom.ENotFound, "has no Post Mortem Review yet")
		v, err := e.svc.ScheduleReview(e.ctx, ada, ref, time.Date(2026, 12, 8, 14, 0, 0, 0, time.UTC), 30, "", warroom.Idempotency{})
		if err != nil || v.Review.LastDay.String() != "2026-12-14" || v.Review.Calendar != "" {
			t.Fatalf("by hand = %+v, %v", v, err)
		}
	})
}
