package github_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/internal/githubfake"
	"github.com/warroom/warroom/internal/testclock"
	"github.com/warroom/warroom/tracker"
	"github.com/warroom/warroom/tracker/github"
)

const repo = "acme/ops"

func setup(t *testing.T) (*githubfake.Server, *github.Client, *testclock.Clock) {
	t.Helper()
	fake := githubfake.New("tok", repo)
	t.Cleanup(fake.Close)
	clock := testclock.New(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	c, err := github.New(github.Config{BaseURL: fake.URL, Repo: repo, Token: "tok", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, clock
}

func TestCreateAssignsLabelsAndFindsByMarker(t *testing.T) {
	fake, c, _ := setup(t)
	fake.AddUser("alice", "alice@example.com")
	ctx := context.Background()
	ref, err := c.Create(ctx, tracker.NewTicket{Title: "INC-1 database down", Body: "What happened", Assignee: "alice@example.com",
		Labels: []string{"incident"}, Marker: "incident:abc", Due: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Key != "acme/ops#1" || ref.State != tracker.StateOpen || ref.URL != "https://github.com/acme/ops/issues/1" {
		t.Fatalf("ref = %+v", ref)
	}
	got := fake.Issues(repo)[0]
	if len(got.Assignees) != 1 || got.Assignees[0] != "alice" || got.Labels[0] != "incident" ||
		!strings.Contains(got.Body, "Due: 2026-12-10") || !strings.Contains(got.Body, "<!-- warroom:incident:abc -->") {
		t.Fatalf("issue = %+v", got)
	}
	found, err := c.FindByMarker(ctx, "incident:abc")
	if err != nil || found.Key != ref.Key {
		t.Fatalf("FindByMarker = %+v, %v", found, err)
	}
	if _, err := c.FindByMarker(ctx, "incident:other"); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Fatalf("unknown marker: %v", err)
	}
}

func TestUnassignableOwnerIsNamedInTheBody(t *testing.T) {
	fake, c, _ := setup(t)
	if _, err := c.Create(context.Background(), tracker.NewTicket{Title: "x", Assignee: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	got := fake.Issues(repo)[0]
	if len(got.Assignees) != 0 || !strings.Contains(got.Body, "Owner: bob@example.com") {
		t.Fatalf("issue = %+v", got)
	}
}

func TestCloseReopenAndLinkedChild(t *testing.T) {
	fake, c, _ := setup(t)
	ctx := context.Background()
	parent, _ := c.Create(ctx, tracker.NewTicket{Title: "incident"})
	child, err := c.Create(ctx, tracker.NewTicket{Title: "action item", Parent: parent.Key})
	if err != nil {
		t.Fatal(err)
	}
	issues := fake.Issues(repo)
	if !strings.Contains(issues[1].Body, "Part of #1") || len(issues[0].Comments) != 1 || issues[0].Comments[0] != "Action item: #2" {
		t.Fatalf("issues = %+v", issues)
	}
	// Linking again (a retried job) adds no second comment.
	if err := c.LinkChild(ctx, parent.Key, child.Key); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Issues(repo)[0].Comments); n != 1 {
		t.Fatalf("%d comments after a second link", n)
	}
	ref, err := c.SetState(ctx, parent.Key, tracker.StateDone)
	if err != nil || ref.State != tracker.StateDone || ref.Status != "closed (completed)" {
		t.Fatalf("close: %+v, %v", ref, err)
	}
	ref, err = c.SetState(ctx, parent.Key, tracker.StateInProgress)
	if err != nil || ref.State != tracker.StateOpen || fake.Issues(repo)[0].StateReason != "reopened" {
		t.Fatalf("reopen: %+v, %v", ref, err)
	}
	if err := c.AddLink(ctx, parent.Key, "Postmortem", "https://warroom.example/pm/1"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddLink(ctx, parent.Key, "Postmortem", "https://warroom.example/pm/1"); err != nil {
		t.Fatal(err)
	}
	if cm := fake.Issues(repo)[0].Comments; len(cm) != 2 || cm[1] != "Postmortem: https://warroom.example/pm/1" {
		t.Fatalf("comments = %q", cm)
	}
	if err := c.Edit(ctx, child.Key, tracker.NewTicket{Title: "action item, renamed", Body: "new words", Parent: parent.Key, Marker: "m"}); err != nil {
		t.Fatal(err)
	}
	if got := fake.Issues(repo)[1]; got.Title != "action item, renamed" || !strings.Contains(got.Body, "new words") ||
		!strings.Contains(got.Body, "Part of #1") || !strings.Contains(got.Body, "<!-- warroom:m -->") {
		t.Fatalf("edited = %+v", got)
	}
	fake.SetState(repo, 2, "closed", "not_planned")
	if ref, _ := c.Get(ctx, child.Key); ref.State != tracker.StateDone {
		t.Fatalf("child = %+v", ref)
	}
}

func TestErrorsAreClear(t *testing.T) {
	fake, c, _ := setup(t)
	ctx := context.Background()
	bad, _ := github.New(github.Config{BaseURL: fake.URL, Repo: repo, Token: "wrong"})
	_, err := bad.Create(ctx, tracker.NewTicket{Title: "x"})
	if warroom.ErrorCode(err) != warroom.EUnauthorized || !strings.Contains(err.Error(), "Bad credentials") {
		t.Fatalf("401: %v", err)
	}
	other, _ := github.New(github.Config{BaseURL: fake.URL, Repo: "acme/none", Token: "tok"})
	if _, err := other.Create(ctx, tracker.NewTicket{Title: "x"}); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Fatalf("404: %v", err)
	}
	if _, err := c.Get(ctx, "acme/ops#9"); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Fatalf("no issue: %v", err)
	}
	if _, err := c.Create(ctx, tracker.NewTicket{Title: " "}); warroom.ErrorCode(err) != warroom.EInvalid ||
		!strings.Contains(err.Error(), "Issue title is missing_field") {
		t.Fatalf("422: %v", err)
	}
	fake.FailNext(http.StatusForbidden)
	if _, err := c.Get(ctx, "acme/ops#1"); warroom.ErrorCode(err) != warroom.EForbidden {
		t.Fatalf("403: %v", err)
	}
	fake.FailNext(http.StatusBadGateway)
	if _, err := c.Get(ctx, "acme/ops#1"); warroom.ErrorCode(err) != warroom.EUnavailable {
		t.Fatalf("502: %v", err)
	}
	fake.DisableIssues(repo)
	if _, err := c.Create(ctx, tracker.NewTicket{Title: "x"}); warroom.ErrorCode(err) != warroom.ENotFound || !strings.Contains(err.Error(), "410") {
		t.Fatalf("410: %v", err)
	}
	if _, err := c.Get(ctx, "other/repo#1"); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Fatalf("foreign key: %v", err)
	}
	if _, err := github.New(github.Config{Repo: "nope", Token: "x"}); warroom.ErrorField(err) != "project" {
		t.Fatalf("bad repo: %v", err)
	}
}

func TestRateLimits(t *testing.T) {
	fake, c, clock := setup(t)
	ctx := context.Background()
	reset := clock.Now().Add(17 * time.Minute).Truncate(time.Second)
	fake.RateLimitNext(1, reset)
	_, err := c.Create(ctx, tracker.NewTicket{Title: "x"})
	at, ok := tracker.RetryAt(err)
	if !ok || !at.Equal(reset) || warroom.ErrorCode(err) != warroom.ERateLimited {
		t.Fatalf("primary: %v (retry at %v)", err, at)
	}
	fake.SecondaryLimitNext(1, 90*time.Second)
	_, err = c.Create(ctx, tracker.NewTicket{Title: "x"})
	if at, ok := tracker.RetryAt(err); !ok || !at.Equal(clock.Now().Add(90*time.Second)) {
		t.Fatalf("secondary: %v (retry at %v)", err, at)
	}
	if len(fake.Issues(repo)) != 0 {
		t.Fatal("a rate-limited request made an issue")
	}
}
