package sqlstore

import (
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
)

// TestPostmortemStore runs the postmortem and action-item contract on
// every dialect.
func TestPostmortemStore(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			tests := []struct {
				name string
				run  func(t *testing.T, f *fixture)
			}{
				{"SectionsAndHistory", testPostmortemSections},
				{"ConcurrentEditsConflict", testPostmortemConcurrentEdits},
				{"PublishOnTimeline", testPostmortemPublishEvent},
				{"ActionItems", testActionItems},
				{"CloseFacts", testCloseFacts},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, newFixture(t, d.open(t))) })
			}
		})
	}
}

// edit saves one section from version base as a.
func edit(f *fixture, a *warroom.User, ref string, s warroom.Section, text string, base int64) (*warroom.Postmortem, error) {
	now := f.tick()
	pm, _, err := f.s.ChangePostmortem(f.ctx, ref, func(_ *warroom.Incident, pm *warroom.Postmortem, _ []*warroom.ActionItem) (
		*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error) {
		next, rev, err := warroom.EditSection(pm, a.Actor(), s, text, base, now)
		if err != nil {
			return nil, nil, nil, err
		}
		return next, []warroom.PostmortemRevision{rev}, nil, nil
	})
	return pm, err
}

func testPostmortemSections(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "disk full")
	if _, err := f.s.FindPostmortem(f.ctx, inc.ID); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Fatalf("unsaved postmortem: %v", err)
	}
	if _, err := edit(f, f.ada, inc.Ref, warroom.SectionRootCauses, "v1", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := edit(f, f.bob, inc.Ref, warroom.SectionRootCauses, "v2", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := edit(f, f.bob, inc.ID, warroom.SectionSummary, "sum", 0); err != nil {
		t.Fatal(err)
	}
	pm, err := f.s.FindPostmortem(f.ctx, inc.ID)
	if err != nil || pm.Version != 3 || pm.Sections[warroom.SectionRootCauses].Text != "v2" || pm.Sections[warroom.SectionRootCauses].UpdatedBy != f.bob.ID {
		t.Fatalf("postmortem %+v %v", pm, err)
	}
	revs, err := f.s.ListPostmortemRevisions(f.ctx, inc.ID, warroom.SectionRootCauses)
	if err != nil || len(revs) != 2 || revs[0].Text != "v1" || revs[0].By != f.ada.ID || revs[1].Version != 2 {
		t.Fatalf("revisions %+v %v", revs, err)
	}
	all, err := f.s.ListPostmortemRevisions(f.ctx, inc.ID, "")
	if err != nil || len(all) != 3 {
		t.Fatalf("all revisions %+v %v", all, err)
	}
	// The incident's fold did not grow with the edits.
	cur, err := f.s.FindIncident(f.ctx, inc.ID)
	if err != nil || cur.Version != inc.Version {
		t.Fatalf("incident version %d after edits, was %d (%v)", cur.Version, inc.Version, err)
	}
	if _, _, err := f.s.ChangePostmortem(f.ctx, "INC-999", nil); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Errorf("unknown incident: %v", err)
	}
}

// Two people save the same section from the same version at once: one
// wins, the other gets a conflict, and the winner's text is stored.
func testPostmortemConcurrentEdits(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "cache stampede")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, u := range []*warroom.User{f.ada, f.bob} {
		wg.Go(func() { _, errs[i] = edit(f, u, inc.ID, warroom.SectionResolution, "by "+u.Handle, 0) })
	}
	wg.Wait()
	ok, conflicts := 0, 0
	winner := ""
	for i, err := range errs {
		switch warroom.ErrorCode(err) {
		case "":
			ok++
			winner = []string{"by ada", "by bob"}[i]
		case warroom.EConflict:
			conflicts++
		default:
			t.Fatalf("edit: %v", err)
		}
	}
	pm, err := f.s.FindPostmortem(f.ctx, inc.ID)
	if ok != 1 || conflicts != 1 || err != nil || pm.Sections[warroom.SectionResolution].Text != winner {
		t.Fatalf("ok %d conflicts %d, stored %+v %v", ok, conflicts, pm, err)
	}
}

func testPostmortemPublishEvent(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "dns")
	now := f.tick()
	pm, after, err := f.s.ChangePostmortem(f.ctx, inc.ID, func(cur *warroom.Incident, pm *warroom.Postmortem, _ []*warroom.ActionItem) (
		*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error) {
		next := pm.Clone()
		next.State = warroom.PostmortemPublished
		evs, err := warroom.Decide(cur, f.ada.Actor(), warroom.RecordPostmortemPublished{}, now, f.policy)
		return next, nil, evs, err
	})
	if err != nil || pm.State != warroom.PostmortemPublished || after.Version != inc.Version+1 {
		t.Fatalf("publish %+v %+v %v", pm, after, err)
	}
	tl, err := f.s.Timeline(f.ctx, inc.ID, inc.Version, 0)
	if err != nil || len(tl) != 1 || tl[0].Type != warroom.EventPostmortemPublished {
		t.Fatalf("timeline %+v %v", tl, err)
	}
	// A refused change stores nothing.
	_, _, err = f.s.ChangePostmortem(f.ctx, inc.ID, func(*warroom.Incident, *warroom.Postmortem, []*warroom.ActionItem) (
		*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error) {
		return nil, nil, nil, warroom.Errorf(warroom.EConflict, "no")
	})
	if warroom.ErrorCode(err) != warroom.EConflict {
		t.Fatal(err)
	}
}

func newItem(f *fixture, inc *warroom.Incident, owner *warroom.User, date string, jobs []engine.Job) (*warroom.ActionItem, error) {
	now := f.tick()
	return f.s.AddActionItem(f.ctx, inc.Ref, func(cur *warroom.Incident, n int64) (*warroom.ActionItem, error) {
		title, cat := "add a disk alert", warroom.CategoryImproveMonitoring
		return warroom.NewActionItem(cur, f.ada.Actor(), "ai-"+randomHex(f.tb, 6), n,
			warroom.ActionItemInput{Title: &title, OwnerID: &owner.ID, TargetDate: &date, Category: &cat}, now, time.UTC)
	}, func(*warroom.ActionItem) ([]engine.Job, error) { return jobs, nil })
}

func testActionItems(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "queue backlog")
	other := f.mustDeclare(f.bob, "other")
	job := engine.Job{ID: "job-ai-1", Queue: "default", Kind: "postmortem.test", Key: "ai-reminder-1", DueAt: t0.Add(time.Hour)}
	a1, err := newItem(f, inc, f.bob, "2025-04-01", []engine.Job{job})
	if err != nil || a1.Number != 1 {
		t.Fatalf("first item %+v %v", a1, err)
	}
	a2, err := newItem(f, inc, f.ada, "2025-03-20", nil)
	if err != nil || a2.Number != 2 {
		t.Fatalf("second item %+v %v", a2, err)
	}
	b1, err := newItem(f, other, f.bob, "2025-03-18", nil)
	if err != nil || b1.Number != 1 {
		t.Fatalf("other incident's item %+v %v", b1, err)
	}
	if _, err := newItem(f, inc, f.bob, "2020-01-01", nil); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Fatalf("past date: %v", err)
	}
	claimed, err := f.s.Claim(f.ctx, "default", "w", t0.Add(2*time.Hour), time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0].ID != "job-ai-1" {
		t.Fatalf("the item's job was not scheduled with it: %+v %v", claimed, err)
	}
	got, err := f.s.FindActionItem(f.ctx, a1.ID)
	if err != nil || got.Title != a1.Title || got.OwnerID != f.bob.ID || !got.CreatedAt.Equal(a1.CreatedAt.Truncate(time.Microsecond)) || got.DoneAt != nil {
		t.Fatalf("found %+v %v", got, err)
	}
	list, err := f.s.ListActionItems(f.ctx, warroom.ActionItemFilter{IncidentID: inc.ID})
	if err != nil || len(list) != 2 || list[0].Number != 1 || list[1].Number != 2 {
		t.Fatalf("incident's items %+v %v", list, err)
	}
	mine, err := f.s.ListActionItems(f.ctx, warroom.ActionItemFilter{OwnerID: f.bob.ID})
	if err != nil || len(mine) != 2 || mine[0].ID != b1.ID {
		t.Fatalf("bob's items by date %+v %v", mine, err)
	}
	done := warroom.ActionDone
	now := f.tick()
	changed, err := f.s.ChangeActionItem(f.ctx, a1.ID, func(cur *warroom.Incident, it *warroom.ActionItem) (*warroom.ActionItem, []warroom.Event, error) {
		next, err := warroom.ChangeActionItem(it, f.bob.Actor(), warroom.ActionItemInput{Status: &done}, now, time.UTC)
		if err != nil {
			return nil, nil, err
		}
		evs, err := warroom.Decide(cur, f.bob.Actor(), warroom.RecordActionItemDone{Item: next}, now, f.policy)
		return next, evs, err
	}, nil)
	if err != nil || changed.Status != warroom.ActionDone || changed.Version != 2 {
		t.Fatalf("done %+v %v", changed, err)
	}
	open, err := f.s.ListActionItems(f.ctx, warroom.ActionItemFilter{IncidentID: inc.ID, Open: true})
	if err != nil || len(open) != 1 || open[0].ID != a2.ID {
		t.Fatalf("open items %+v %v", open, err)
	}
	tl, err := f.s.Timeline(f.ctx, inc.ID, 0, 0)
	if err != nil || tl[len(tl)-1].Type != warroom.EventActionItemDone || tl[len(tl)-1].Text != "action item #1 (add a disk alert) done" {
		t.Fatalf("timeline end %+v %v", tl[len(tl)-1], err)
	}
	if _, err := f.s.FindActionItem(f.ctx, "nope"); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Errorf("unknown item: %v", err)
	}
	if _, err := f.s.ChangeActionItem(f.ctx, "nope", nil, nil); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Errorf("change unknown item: %v", err)
	}
}

func testCloseFacts(t *testing.T, f *fixture) {
	inc := f.mustDeclare(f.ada, "paged")
	quiet := f.mustDeclare(f.ada, "quiet")
	facts, err := f.s.CloseFacts(f.ctx, inc.ID)
	if err != nil || facts.Paged || facts.Postmortem != nil || len(facts.Items) != 0 {
		t.Fatalf("fresh facts %+v %v", facts, err)
	}
	page := notify.Outbox{Message: notify.Message{ID: "m1", Kind: notify.KindPage, Channel: notify.ChannelEmail,
		Destination: "ada@example.com", Subject: "page", IncidentID: inc.ID}, DueAt: t0}
	update := notify.Outbox{Message: notify.Message{ID: "m2", Kind: notify.KindUpdate, Channel: notify.ChannelEmail,
		Destination: "ada@example.com", Subject: "update", IncidentID: quiet.ID}, DueAt: t0}
	if err := f.s.EnqueueMessages(f.ctx, []notify.Outbox{page, update}); err != nil {
		t.Fatal(err)
	}
	if _, err := edit(f, f.ada, inc.ID, warroom.SectionSummary, "s", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := newItem(f, inc, f.bob, "2030-01-01", nil); err != nil {
		t.Fatal(err)
	}
	facts, err = f.s.CloseFacts(f.ctx, inc.ID)
	if err != nil || !facts.Paged || facts.Postmortem == nil || facts.Postmortem.Version != 1 || len(facts.Items) != 1 {
		t.Fatalf("facts %+v %v", facts, err)
	}
	facts, err = f.s.CloseFacts(f.ctx, quiet.ID)
	if err != nil || facts.Paged {
		t.Fatalf("an update is not a page: %+v %v", facts, err)
	}
}
