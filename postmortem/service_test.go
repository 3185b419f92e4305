package postmortem

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/internal/storetest"
	"github.com/warroom/warroom/internal/testclock"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

// dialects runs a test on SQLite and, with WARROOM_TEST_POSTGRES, on
// PostgreSQL.
func dialects(t *testing.T, f func(t *testing.T, st *sqlstore.Store)) {
	storetest.Each(t, "wr_pm", f)
}

// t0 is a Monday afternoon.
var t0 = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)

// env is the service with paging's handlers (notify.user) on a real
// store, a test clock and a runner that runs due jobs by hand.
type env struct {
	t         *testing.T
	ctx       context.Context
	store     *sqlstore.Store
	clock     *testclock.Clock
	incidents *warroom.Incidents
	svc       *Service
	handlers  map[string]engine.Handler
	users     map[string]*warroom.User
}

func newEnv(t *testing.T, st *sqlstore.Store) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), store: st, clock: testclock.New(t0), users: map[string]*warroom.User{}}
	pol := warroom.DefaultPolicy()
	e.incidents = &warroom.Incidents{Store: st, Now: e.clock.Now, Policy: pol, NewID: func() string { return uuid.Must(uuid.NewV7()).String() }}
	reg, err := notify.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	pager, err := paging.New(paging.Config{Store: st, Incidents: e.incidents, Now: e.clock.Now, Policy: pol, Notifiers: reg,
		AckSecret: []byte("0123456789abcdef0123"), BaseURL: "http://warroom.test", Owner: "test"})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = New(Config{Store: st, Now: e.clock.Now, Policy: pol, BaseURL: "http://warroom.test/"})
	if err != nil {
		t.Fatal(err)
	}
	e.handlers = pager.Handlers()
	maps.Copy(e.handlers, e.svc.Handlers())
	for _, h := range []string{"ada", "bob", "cy"} {
		e.user(h, warroom.AccountResponder)
	}
	e.user("vic", warroom.AccountViewer)
	return e
}

func (e *env) user(handle string, role warroom.AccountRole) *warroom.User {
	u := &warroom.User{Handle: handle, Name: strings.ToUpper(handle[:1]) + handle[1:] + " Example", Email: handle + "@example.com", TimeZone: "UTC", Role: role}
	if err := e.store.CreateUser(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	e.users[handle] = u
	return u
}

func (e *env) actor(handle string) warroom.Actor { return e.users[handle].Actor() }

// run runs every job due at the clock's time, and the follow-ups due by
// then, until none is left; a job that fails fails the test. It returns
// how many ran.
func (e *env) run() int {
	e.t.Helper()
	ran, failed := storetest.Jobs{Store: e.store, Queue: paging.QueueDefault, Now: e.clock.Now,
		Handle: storetest.ByKind(e.t, e.handlers)}.Run(e.ctx, e.t)
	if len(failed) > 0 {
		e.t.Fatalf("jobs failed: %v", failed)
	}
	return ran
}

func (e *env) at(when time.Time) {
	e.t.Helper()
	e.clock.Set(when)
	e.run()
}

func (e *env) declare(who string, d warroom.Declaration) *warroom.Incident {
	e.t.Helper()
	res, err := e.incidents.Declare(e.ctx, e.actor(who), d, warroom.Idempotency{})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Incident
}

func (e *env) exec(who, ref string, cmd warroom.Command) (*warroom.Incident, error) {
	res, err := e.incidents.Execute(e.ctx, e.actor(who), ref, cmd, warroom.Idempotency{})
	if err != nil {
		return nil, err
	}
	return res.Incident, nil
}

// subjects returns the subjects of the outbox messages of an incident to
// a user.
func (e *env) subjects(incidentID, handle string) []string {
	e.t.Helper()
	msgs, err := e.store.ListMessages(e.ctx, incidentID, "")
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.UserID == e.users[handle].ID {
			out = append(out, m.Subject)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func input(owner, date string) warroom.ActionItemInput {
	return warroom.ActionItemInput{Title: ptr("Alert on queue depth"), OwnerID: ptr(owner), TargetDate: ptr(date),
		Category: ptr(warroom.CategoryImproveMonitoring), Criticality: ptr(warroom.CriticalityHigh)}
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if warroom.ErrorCode(err) != code || warroom.ErrorField(err) != field {
		t.Fatalf("error %v: want %s (field %q)", err, code, field)
	}
}

// TestActionItemReminders: the owner and the Incident Owner are reminded
// on the target date at 09:00 and when it is overdue, once each even if
// the jobs run again; a moved date reminds on the new date only; a done
// item reminds nobody.
func TestActionItemReminders(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		inc := e.declare("ada", warroom.Declaration{Title: "queue backlog", Severity: warroom.SEV3})
		it, err := e.svc.AddItem(e.ctx, e.actor("ada"), inc.Ref, input("@bob", "2026-12-09"))
		if err != nil {
			t.Fatal(err)
		}
		if it.Owner != "@bob" || it.Number != 1 || it.Ref != inc.Ref {
			t.Fatalf("item %+v", it)
		}
		e.at(time.Date(2026, 12, 9, 8, 59, 0, 0, time.UTC))
		if got := e.subjects(inc.ID, "bob"); len(got) != 0 {
			t.Fatalf("reminded early: %q", got)
		}
		e.at(time.Date(2026, 12, 9, 9, 0, 0, 0, time.UTC))
		want := inc.Ref + " action item #1 is due today: Alert on queue depth"
		for _, who := range []string{"bob", "ada"} {
			if got := e.subjects(inc.ID, who); len(got) != 1 || got[0] != want {
				t.Fatalf("%s got %q", who, got)
			}
		}
		// Saving the item again schedules nothing twice.
		if _, err := e.svc.ChangeItem(e.ctx, e.actor("bob"), it.ID, warroom.ActionItemInput{Status: ptr(warroom.ActionInProgress)}); err != nil {
			t.Fatal(err)
		}
		e.at(time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC))
		got := e.subjects(inc.ID, "bob")
		if len(got) != 2 || got[1] != inc.Ref+" action item #1 is overdue: Alert on queue depth" {
			t.Fatalf("overdue: %q", got)
		}
		// Still overdue a week later: reminded again.
		e.at(time.Date(2026, 12, 17, 9, 0, 0, 0, time.UTC))
		got = e.subjects(inc.ID, "bob")
		if len(got) != 3 || got[2] != got[1] {
			t.Fatalf("overdue a week later: %q", got)
		}
		// Moved to a later date: reminded on it, not before, and the old
		// date's weekly reminders stop.
		if _, err := e.svc.ChangeItem(e.ctx, e.actor("bob"), it.ID, warroom.ActionItemInput{TargetDate: ptr("2026-12-28")}); err != nil {
			t.Fatal(err)
		}
		e.at(time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC)) // the old date's second weekly reminder: stale
		if got := e.subjects(inc.ID, "bob"); len(got) != 3 {
			t.Fatalf("reminded before the new date: %q", got)
		}
		e.at(time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC))
		if got := e.subjects(inc.ID, "bob"); len(got) != 4 || !strings.Contains(got[3], "due today") {
			t.Fatalf("moved: %q", got)
		}
		// Done: the overdue reminder of the 29th says nothing.
		if _, err := e.svc.ChangeItem(e.ctx, e.actor("bob"), it.ID, warroom.ActionItemInput{Status: ptr(warroom.ActionDone)}); err != nil {
			t.Fatal(err)
		}
		e.at(time.Date(2026, 12, 29, 9, 0, 0, 0, time.UTC))
		e.at(time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC))
		if got := e.subjects(inc.ID, "bob"); len(got) != 4 {
			t.Fatalf("done item reminded: %q", got)
		}
		tl, err := e.store.Timeline(e.ctx, inc.ID, 0, 0)
		done := 0
		for _, ev := range tl {
			if ev.Type == warroom.EventActionItemDone {
				done++
			}
		}
		if err != nil || done != 1 {
			t.Fatalf("timeline %+v %v", tl, err)
		}
	})
}

// TestItemInputAndVisibility: unknown owners, past dates, viewers,
// private incidents (hidden before anything is written, and owners who
// could not see them refused).
func TestItemInputAndVisibility(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		inc := e.declare("ada", warroom.Declaration{Title: "dns", Severity: warroom.SEV3})
		_, err := e.svc.AddItem(e.ctx, e.actor("ada"), inc.Ref, input("@nobody", "2026-12-09"))
		wantCode(t, err, warroom.EInvalid, "owner")
		_, err = e.svc.AddItem(e.ctx, e.actor("ada"), inc.Ref, input("bob", "2026-12-06"))
		wantCode(t, err, warroom.EInvalid, "target_date")
		_, err = e.svc.AddItem(e.ctx, e.actor("vic"), inc.Ref, input("bob", "2026-12-09"))
		wantCode(t, err, warroom.EForbidden, "")

		secret := e.declare("ada", warroom.Declaration{Title: "breach", Severity: warroom.SEV3, Private: true})
		_, err = e.svc.Get(e.ctx, e.actor("bob"), secret.Ref)
		wantCode(t, err, warroom.ENotFound, "")
		_, err = e.svc.EditSection(e.ctx, e.actor("bob"), secret.Ref, warroom.SectionSummary, SectionInput{Text: "x"})
		wantCode(t, err, warroom.ENotFound, "")
		_, err = e.svc.AddItem(e.ctx, e.actor("bob"), secret.Ref, input("bob", "2026-12-09"))
		wantCode(t, err, warroom.ENotFound, "")
		_, err = e.svc.AddItem(e.ctx, e.actor("ada"), secret.Ref, input("bob", "2026-12-09"))
		wantCode(t, err, warroom.EInvalid, "owner")
		hidden, err := e.svc.AddItem(e.ctx, e.actor("ada"), secret.Ref, input("ada", "2026-12-09"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Item(e.ctx, e.actor("bob"), hidden.ID); warroom.ErrorCode(err) != warroom.ENotFound {
			t.Fatalf("bob sees a private item: %v", err)
		}
		_, err = e.svc.ChangeItem(e.ctx, e.actor("bob"), hidden.ID, warroom.ActionItemInput{Status: ptr(warroom.ActionDone)})
		wantCode(t, err, warroom.ENotFound, "")
		if _, err := e.svc.AddItem(e.ctx, e.actor("ada"), inc.Ref, input("ada", "2026-12-08")); err != nil {
			t.Fatal(err)
		}
		mine, err := e.svc.Items(e.ctx, e.actor("bob"), ItemFilter{Owner: "ada"})
		if err != nil || len(mine) != 1 || mine[0].Ref != inc.Ref {
			t.Fatalf("bob's view of ada's items: %+v %v", mine, err)
		}
		all, err := e.svc.Items(e.ctx, e.actor("ada"), ItemFilter{Owner: "ada", Open: true})
		if err != nil || len(all) != 2 {
			t.Fatalf("ada's items: %+v %v", all, err)
		}
		// Nothing was written to the private incident by bob's attempts.
		items, err := e.store.ListActionItems(e.ctx, warroom.ActionItemFilter{IncidentID: secret.ID})
		if err != nil || len(items) != 1 {
			t.Fatalf("private items %+v %v", items, err)
		}
	})
}

// TestPostmortemLifecycle: prefilled from the incident, edited with a
// conflict, linted, refused publishing with the list, reviewed by someone
// other than the author, published on the timeline, exported; then the
// incident closes through the gate.
func TestPostmortemLifecycle(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		inc := e.declare("ada", warroom.Declaration{Title: "checkout down", Summary: "Checkout failed.", Severity: warroom.SEV1,
			Detection: warroom.DetectedByMonitoring})
		v, err := e.svc.Get(e.ctx, e.actor("vic"), inc.Ref)
		if err != nil || v.State != warroom.PostmortemDraft || len(v.Required) != 1 || v.Sections[0].Text != "Checkout failed." || !v.Sections[0].Prefilled {
			t.Fatalf("view %+v %v", v, err)
		}
		ada, bob, cy := e.actor("ada"), e.actor("bob"), e.actor("cy")
		if _, err := e.svc.EditSection(e.ctx, ada, inc.Ref, warroom.SectionRootCauses, SectionInput{Text: "Bob pushed a bad config. Human error."}); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.EditSection(e.ctx, bob, inc.Ref, warroom.SectionRootCauses, SectionInput{Text: "mine", Version: 0})
		wantCode(t, err, warroom.EConflict, "")
		v, err = e.svc.EditSection(e.ctx, bob, inc.Ref, warroom.SectionRootCauses, SectionInput{Text: "A config without validation reached production.", Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		hist, err := e.svc.History(e.ctx, e.actor("vic"), inc.Ref, warroom.SectionRootCauses)
		if err != nil || len(hist) != 2 {
			t.Fatalf("history %+v %v", hist, err)
		}
		lint, err := e.svc.EditSection(e.ctx, ada, inc.Ref, warroom.SectionWentWrong, SectionInput{Text: "Cy should have known."})
		if err != nil || len(lint.Findings) != 1 || lint.Findings[0].Text != "should have known" {
			t.Fatalf("findings %+v %v", lint.Findings, err)
		}
		_, err = e.svc.Publish(e.ctx, ada, inc.Ref)
		if warroom.ErrorCode(err) != warroom.EConflict || !strings.Contains(warroom.ErrorMessage(err), "impact: customers affected, duration, financial impact") {
			t.Fatalf("early publish: %v", err)
		}
		e.clock.Set(t0.Add(time.Hour))
		if _, err := e.exec("ada", inc.Ref, warroom.ChangeStage{Stage: warroom.StageRecovered}); err != nil {
			t.Fatal(err)
		}
		for sec, text := range map[warroom.Section]string{warroom.SectionImpactCustomers: "All EU customers.",
			warroom.SectionImpactFinancial: "About 40k EUR of orders delayed.", warroom.SectionResolution: "Rolled the config back."} {
			if _, err := e.svc.EditSection(e.ctx, ada, inc.Ref, sec, SectionInput{Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.AddItem(e.ctx, ada, inc.Ref, input("bob", "2026-12-20")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Submit(e.ctx, ada, inc.Ref); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Approve(e.ctx, ada, inc.Ref)
		wantCode(t, err, warroom.EForbidden, "")
		if _, err := e.svc.Approve(e.ctx, bob, inc.Ref); err != nil {
			t.Fatal(err)
		}
		// Closing before the postmortem is published is refused with the
		// list; only the Incident Owner may close.
		for _, s := range []warroom.Stage{warroom.StageBaseline, warroom.StageResolved} {
			if _, err := e.exec("ada", inc.Ref, warroom.ChangeStage{Stage: s}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = e.exec("cy", inc.Ref, warroom.ChangeStage{Stage: warroom.StageClosed})
		wantCode(t, err, warroom.EForbidden, "")
		_, err = e.exec("ada", inc.Ref, warroom.ChangeStage{Stage: warroom.StageClosed})
		if warroom.ErrorCode(err) != warroom.EConflict || warroom.ErrorMessage(err) != inc.Ref+" cannot close yet: the postmortem is required (it is a major incident) and is in_review, not published" {
			t.Fatalf("close before publishing: %v", err)
		}
		missing, err := e.incidents.CloseReadiness(e.ctx, cy, inc.Ref)
		if err != nil || len(missing) != 1 {
			t.Fatalf("readiness %q %v", missing, err)
		}
		v, err = e.svc.Publish(e.ctx, cy, inc.Ref)
		if err != nil || v.State != warroom.PostmortemPublished || len(v.Missing) != 0 {
			t.Fatalf("publish %+v %v", v, err)
		}
		closed, err := e.exec("ada", inc.Ref, warroom.ChangeStage{Stage: warroom.StageClosed})
		if err != nil || closed.Stage != warroom.StageClosed {
			t.Fatalf("close: %+v %v", closed, err)
		}
		md, err := e.svc.Export(e.ctx, e.actor("vic"), inc.Ref)
		if err != nil || !strings.Contains(md, "# Postmortem: "+inc.Ref+" checkout down") || !strings.Contains(md, "- Approved by: @bob") ||
			!strings.Contains(md, "postmortem published") || !strings.Contains(md, "| 1 | Alert on queue depth | @bob |") {
			t.Fatalf("export %v:\n%s", err, md)
		}
	})
}

// TestPagedIncidentNeedsFollowUp: an incident that paged someone does not
// close without an action item; a ticket is needed where the tracker
// policy says so.
func TestPagedIncidentNeedsFollowUp(t *testing.T) {
	dialects(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ticketJobs := 0
		inc := e.declare("ada", warroom.Declaration{Title: "disk", Severity: warroom.SEV3})
		page := notify.Outbox{Message: notify.Message{ID: "page-1", Kind: notify.KindPage, Channel: notify.ChannelEmail,
			Destination: "ada@example.com", Subject: "page", IncidentID: inc.ID}, DueAt: t0}
		if err := st.EnqueueMessages(e.ctx, []notify.Outbox{page}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []warroom.Stage{warroom.StageRecovered, warroom.StageBaseline, warroom.StageResolved} {
			if _, err := e.exec("ada", inc.Ref, warroom.ChangeStage{Stage: s}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := e.exec("ada", inc.Ref, warroom.ChangeStage{Stage: warroom.StageClosed})
		if warroom.ErrorMessage(err) != inc.Ref+" cannot close yet: it paged someone, so it needs at least one follow-up action item" {
			t.Fatalf("close: %v", err)
		}
		it, err := e.svc.AddItem(e.ctx, e.actor("ada"), inc.Ref, input("bob", "2026-12-20"))
		if err != nil {
			t.Fatal(err)
		}
		e.incidents.Tickets = ticketsAlways{}
		// The tracker's hook schedules its job with each change of the item.
		e.svc.cfg.ItemJobs = func(it *warroom.ActionItem, created bool) ([]engine.Job, error) {
			j, err := newJob("tracker.test", fmt.Sprintf("ticket:%s:%t:%d", it.ID, created, it.Version), t0, map[string]string{"item": it.ID})
			return []engine.Job{j}, err
		}
		e.handlers["tracker.test"] = func(_ context.Context, j engine.Job, _ time.Time) ([]engine.Job, error) {
			ticketJobs++
			return nil, nil
		}
		_, err = e.exec("ada", inc.Ref, warroom.ChangeStage{Stage: warroom.StageClosed})
		if warroom.ErrorMessage(err) != inc.Ref+" cannot close yet: action item #1 (Alert on queue depth) has no ticket" {
			t.Fatalf("close without ticket: %v", err)
		}
		if _, err := e.svc.ChangeItem(e.ctx, e.actor("ada"), it.ID, warroom.ActionItemInput{Criticality: ptr(warroom.CriticalityCritical)}); err != nil {
			t.Fatal(err)
		}
		// The tracker tells the service the ticket it made (which makes
		// no new tracker job).
		if err := e.svc.RecordTicket(e.ctx, it.ID, "SRE-7", "https://jira.example.com/browse/SRE-7"); err != nil {
			t.Fatal(err)
		}
		e.run()
		if ticketJobs != 1 {
			t.Fatalf("the tracker's hook ran %d times for one change", ticketJobs)
		}
		if _, err := e.exec("ada", inc.Ref, warroom.ChangeStage{Stage: warroom.StageClosed}); err != nil {
			t.Fatal(err)
		}
		// The ticket closed in the tracker: the item is done, on the
		// closed incident's timeline too; told twice, once.
		for range 2 {
			if err := e.svc.TicketDone(e.ctx, it.ID); err != nil {
				t.Fatal(err)
			}
		}
		got, err := e.svc.Item(e.ctx, e.actor("ada"), it.ID)
		if err != nil || got.Status != warroom.ActionDone || got.TicketURL != "https://jira.example.com/browse/SRE-7" {
			t.Fatalf("item %+v %v", got, err)
		}
		tl, err := st.Timeline(e.ctx, inc.ID, 0, 0)
		if err != nil || tl[len(tl)-1].Type != warroom.EventActionItemDone || tl[len(tl)-2].Type != warroom.EventStageChanged {
			t.Fatalf("timeline end %+v %v", tl[len(tl)-2:], err)
		}
		if err := e.svc.RecordTicket(e.ctx, "nope", "X-1", ""); warroom.ErrorCode(err) != warroom.ENotFound {
			t.Errorf("unknown item: %v", err)
		}
	})
}

type ticketsAlways struct{}

func (ticketsAlways) TicketsRequired(context.Context, *warroom.Incident) (bool, error) {
	return true, nil
}
