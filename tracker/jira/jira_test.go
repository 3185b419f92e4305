package jira_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/jirafake"
	"github.com/warroom/warroom/internal/testclock"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/jira"
)

func setup(t *testing.T) (*jirafake.Server, *jira.Client, *testclock.Clock) {
	t.Helper()
	fake := jirafake.New("bot@example.com", "tok", "OPS")
	t.Cleanup(fake.Close)
	fake.AddUser(jirafake.User{AccountID: "acc-alice", Email: "alice@example.com", Active: true})
	clock := testclock.New(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	c, err := jira.New(jira.Config{BaseURL: fake.URL, Project: "OPS", Email: "bot@example.com", Token: "tok", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, clock
}

func TestCreateSubtasksAndTransitions(t *testing.T) {
	fake, c, _ := setup(t)
	ctx := context.Background()
	parent, err := c.Create(ctx, tracker.NewTicket{Title: "INC-1 database down", Body: "line one\nline two\n\nsecond paragraph",
		Assignee: "alice@example.com", Labels: []string{"incident", "sev 1"}, Marker: "incident:abc"})
	if err != nil {
		t.Fatal(err)
	}
	if parent.Key != "OPS-1" || parent.State != tracker.StateOpen || parent.Status != "To Do" || parent.URL != fake.URL+"/browse/OPS-1" {
		t.Fatalf("parent = %+v", parent)
	}
	got, _ := fake.Issue("OPS-1")
	if got.Assignee != "acc-alice" || strings.Join(got.Labels, ",") != "incident,sev-1,warroom-incident:abc" {
		t.Fatalf("issue = %+v", got)
	}
	if content := got.Description["content"].([]any); len(content) != 2 {
		t.Fatalf("description = %v", got.Description)
	}
	child, err := c.Create(ctx, tracker.NewTicket{Title: "add an alert", Parent: parent.Key, Assignee: "nobody@example.com",
		Due: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := fake.Issue(child.Key)
	if sub.Parent != "OPS-1" || sub.IssueType != jirafake.TypeSubtask || sub.DueDate != "2026-12-20" || sub.Assignee != "" {
		t.Fatalf("sub-task = %+v", sub)
	}
	if err := c.LinkChild(ctx, parent.Key, child.Key); err != nil {
		t.Fatal(err)
	}
	if sub, _ := fake.Issue(child.Key); len(sub.Links) != 0 {
		t.Fatal("a sub-task was linked besides its parent")
	}
	found, err := c.FindByMarker(ctx, "incident:abc")
	if err != nil || found.Key != "OPS-1" {
		t.Fatalf("FindByMarker = %+v, %v", found, err)
	}
	ref, err := c.SetState(ctx, parent.Key, tracker.StateInProgress)
	if err != nil || ref.Status != "In Progress" {
		t.Fatalf("start: %+v, %v", ref, err)
	}
	ref, err = c.SetState(ctx, parent.Key, tracker.StateDone)
	if err != nil || ref.State != tracker.StateDone || ref.Status != "Done" {
		t.Fatalf("done: %+v, %v", ref, err)
	}
	if err := c.Edit(ctx, child.Key, tracker.NewTicket{Title: "add two alerts", Body: "more", Due: time.Date(2026, 12, 22, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if sub, _ := fake.Issue(child.Key); sub.Summary != "add two alerts" || sub.DueDate != "2026-12-22" {
		t.Fatalf("edited = %+v", sub)
	}
	if err := c.Edit(ctx, child.Key, tracker.NewTicket{Title: " "}); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Fatalf("empty summary: %v", err)
	}
	for range 2 {
		if err := c.AddLink(ctx, parent.Key, "Postmortem", "https://warroom.example/pm/1"); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := fake.Issue("OPS-1"); len(got.RemoteLinks) != 1 {
		t.Fatalf("remote links = %v", got.RemoteLinks)
	}
}

func TestLinkChildOfAnotherIssue(t *testing.T) {
	fake, c, _ := setup(t)
	ctx := context.Background()
	a, _ := c.Create(ctx, tracker.NewTicket{Title: "a"})
	b, _ := c.Create(ctx, tracker.NewTicket{Title: "b"})
	for range 2 {
		if err := c.LinkChild(ctx, a.Key, b.Key); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := fake.Issue(b.Key); len(got.Links) != 1 || got.Links[0] != a.Key {
		t.Fatalf("links = %v", got.Links)
	}
}

func TestErrorsAreClear(t *testing.T) {
	fake, c, clock := setup(t)
	ctx := context.Background()
	bad, _ := jira.New(jira.Config{BaseURL: fake.URL, Project: "OPS", Email: "bot@example.com", Token: "wrong"})
	if _, err := bad.Get(ctx, "OPS-1"); warroom.ErrorCode(err) != warroom.EUnauthorized || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("401: %v", err)
	}
	if _, err := c.Get(ctx, "OPS-9"); warroom.ErrorCode(err) != warroom.ENotFound || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("404: %v", err)
	}
	other, _ := jira.New(jira.Config{BaseURL: fake.URL, Project: "NOPE", Email: "bot@example.com", Token: "tok"})
	if _, err := other.Create(ctx, tracker.NewTicket{Title: "x"}); warroom.ErrorCode(err) != warroom.EInvalid ||
		!strings.Contains(err.Error(), "project: valid project is required") {
		t.Fatalf("bad project: %v", err)
	}
	fake.DisableSubtasks("OPS")
	parent, _ := c.Create(ctx, tracker.NewTicket{Title: "x"})
	if _, err := c.Create(ctx, tracker.NewTicket{Title: "y", Parent: parent.Key}); warroom.ErrorCode(err) != warroom.EInvalid ||
		!strings.Contains(err.Error(), "no sub-task issue type") {
		t.Fatalf("no sub-tasks: %v", err)
	}
	fake.RateLimitNext(1, 30*time.Second)
	_, err := c.Get(ctx, parent.Key)
	if at, ok := tracker.RetryAt(err); !ok || !at.Equal(clock.Now().Add(30*time.Second)) {
		t.Fatalf("429: %v", err)
	}
	fake.FailNext(http.StatusServiceUnavailable)
	if _, err := c.Get(ctx, parent.Key); warroom.ErrorCode(err) != warroom.EUnavailable {
		t.Fatalf("503: %v", err)
	}
	if _, err := c.Get(ctx, "not a key"); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Fatalf("bad key: %v", err)
	}
	for _, cfg := range []jira.Config{
		{BaseURL: "ftp://x", Project: "OPS", Email: "a", Token: "b"},
		{BaseURL: "https://x.atlassian.net", Project: "ops", Email: "a", Token: "b"},
		{BaseURL: "https://x.atlassian.net", Project: "OPS"},
	} {
		if _, err := jira.New(cfg); warroom.ErrorCode(err) != warroom.EInvalid {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
}

func TestADFHasNoEmptyText(t *testing.T) {
	doc := jira.ADF("a\n\n\n\nb\n \nc")
	if n := len(doc["content"].([]any)); n != 2 {
		t.Fatalf("%d paragraphs: %v", n, doc)
	}
	if doc := jira.ADF(""); len(doc["content"].([]any)) != 0 {
		t.Fatalf("empty: %v", doc)
	}
}
