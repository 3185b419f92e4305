package sqlstore

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

func TestOutbox(t *testing.T) {
	runStoreTests(t, []storeTest{
		{"Lifecycle", testOutboxLifecycle},
		{"EnqueueIdempotentAndInvalid", testOutboxEnqueue},
		{"ReclaimExpiredSending", testOutboxReclaim},
		{"ClaimConcurrently", testOutboxClaimConcurrently},
		{"RecentSends", testRecentSends},
		{"ListMessages", testListMessages},
		{"EnqueueMessagesInCallerTx", testEnqueueMessagesInCallerTx},
		{"ListenMessages", testListenMessages},
	})
}

// pageMsg returns a page by email to dest about incident inc-1, due at due.
func pageMsg(id, dest string, due time.Time) notify.Outbox {
	return notify.Outbox{
		Message: notify.Message{ID: id, Kind: notify.KindPage, Channel: notify.ChannelEmail, Destination: dest,
			Subject: "[SEV2] INC-7 checkout fails", Text: "Error rate 12% on the edge proxies.",
			Fields:     []notify.Field{{Name: "Severity", Value: "SEV2"}, {Name: "Service", Value: "checkout"}},
			IncidentID: "inc-1", AlertID: "alert-1"},
		UserID: "user-ada",
		DueAt:  due,
	}
}

func mustEnqueueMessages(t *testing.T, s *Store, msgs ...notify.Outbox) {
	t.Helper()
	if err := s.EnqueueMessages(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
}

func mustClaimMessages(t *testing.T, s *Store, queue, owner string, now time.Time, lease time.Duration, n int) []notify.Outbox {
	t.Helper()
	msgs, err := s.ClaimMessages(context.Background(), queue, owner, now, lease, n)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func wantMessages(t *testing.T, got []notify.Outbox, ids ...string) {
	t.Helper()
	g := []string{}
	for _, m := range got {
		g = append(g, m.ID)
	}
	if !slices.Equal(g, append([]string{}, ids...)) {
		t.Fatalf("claimed %v, want %v", g, ids)
	}
}

func mustFind(t *testing.T, s *Store, id string) *notify.Outbox {
	t.Helper()
	m, err := s.FindMessage(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustFinish(t *testing.T, s *Store, id, owner string, state notify.State, dueAt time.Time, a notify.Attempt) {
	t.Helper()
	if err := s.FinishMessage(context.Background(), id, owner, state, dueAt, a); err != nil {
		t.Fatal(err)
	}
}

func testOutboxLifecycle(t *testing.T, s *Store) {
	ctx := context.Background()
	m := pageMsg("m1", "ada@example.com", t0)
	m.CreatedAt = t0.Add(-time.Second)
	hook := notify.Outbox{Message: notify.Message{ID: "m2", Kind: notify.KindUpdate, Channel: notify.ChannelWebhook,
		Destination: "https://hooks.example.com/warroom", Subject: "INC-7 update", Text: "mitigated"}, DueAt: t0}
	mustEnqueueMessages(t, s, m, hook)

	// Pending, with its queue from its channel.
	want := m
	want.Queue, want.State = notify.QueuePage, notify.StatePending
	want.DueAt, want.CreatedAt = normTime(t0), normTime(m.CreatedAt)
	if got := mustFind(t, s, "m1"); !reflect.DeepEqual(*got, want) {
		t.Fatalf("found\n%+v\nwant\n%+v", *got, want)
	}
	if got := mustFind(t, s, "m2"); got.Queue != notify.QueuePage {
		t.Fatalf("found %+v: want the page queue", got)
	}
	_, err := s.FindMessage(ctx, "nope")
	wantError(t, err, warroom.ENotFound, `no message "nope"`)

	// Claimed: sending.
	got := mustClaimMessages(t, s, notify.QueuePage, "w1", t0, 30*time.Second, 10)
	wantMessages(t, got, "m1", "m2")
	if got[0].State != notify.StateSending {
		t.Fatalf("claimed %+v", got)
	}
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w2", t0.Add(time.Second), 30*time.Second, 10))
	if m := mustFind(t, s, "m1"); m.State != notify.StateSending {
		t.Fatalf("state %s, want sending", m.State)
	}

	// A retryable failure: pending again at the backoff, counted.
	wantError(t, s.FinishMessage(ctx, "m1", "w2", notify.StatePending, t0, notify.Attempt{At: t0, Outcome: "retry"}),
		warroom.EConflict, "message m1 is being sent by w1; w2 no longer holds it")
	mustFinish(t, s, "m1", "w1", notify.StatePending, t0.Add(15*time.Second),
		notify.Attempt{At: t0.Add(time.Second), Outcome: "retry", Detail: "smtp: 451 4.7.1 try again later", Response: "greylisted"})
	m1 := mustFind(t, s, "m1")
	// The provider's answer is kept apart from the error (admins see it).
	if m1.State != notify.StatePending || m1.Attempts != 1 || m1.LastError != "smtp: 451 4.7.1 try again later" || m1.LastResponse != "greylisted" ||
		!m1.DueAt.Equal(normTime(t0.Add(15*time.Second))) {
		t.Fatalf("after a retry: %+v", m1)
	}
	next, ok, err := s.NextMessageDue(ctx, notify.QueuePage)
	if err != nil || !ok || !next.Equal(normTime(t0.Add(15*time.Second))) {
		t.Fatalf("NextMessageDue = %v, %v, %v; want t0+15s (m2 is being sent)", next, ok, err)
	}

	// Failed for good.
	mustFinish(t, s, "m2", "w1", notify.StateFailed, time.Time{},
		notify.Attempt{At: t0.Add(2 * time.Second), Outcome: "failed", Detail: "410 Gone"})
	if m2 := mustFind(t, s, "m2"); m2.State != notify.StateFailed || m2.LastError != "410 Gone" || m2.LastResponse != "" || m2.Attempts != 1 || m2.SentAt != nil {
		t.Fatalf("after failing: %+v", m2)
	}

	// Throttled: delayed with its reason, not counted as an attempt.
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w1", t0.Add(15*time.Second), 30*time.Second, 1), "m1")
	reason := "throttled: 5 per 1m to this destination; next send at 2025-03-14T09:27:53Z"
	mustFinish(t, s, "m1", "w1", notify.StatePending, t0.Add(time.Minute),
		notify.Attempt{At: t0.Add(15 * time.Second), Outcome: "throttled", Detail: reason})
	if m1 := mustFind(t, s, "m1"); m1.ThrottleReason != reason || m1.Attempts != 1 {
		t.Fatalf("after a throttle: %+v", m1)
	}

	// Sent.
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w1", t0.Add(time.Minute), 30*time.Second, 1), "m1")
	sentAt := t0.Add(time.Minute + time.Second)
	mustFinish(t, s, "m1", "w1", notify.StateSent, time.Time{},
		notify.Attempt{At: sentAt, Outcome: "sent", ProviderID: "<m1@warroom.example.com>"})
	m1 = mustFind(t, s, "m1")
	if m1.State != notify.StateSent || m1.Attempts != 2 || m1.SentAt == nil || !m1.SentAt.Equal(normTime(sentAt)) ||
		m1.ProviderID != "<m1@warroom.example.com>" || m1.ThrottleReason != "" || !m1.DueAt.Equal(normTime(t0.Add(time.Minute))) {
		t.Fatalf("after sending: %+v", m1)
	}
	wantCode(t, s.FinishMessage(ctx, "m1", "w1", notify.StateSent, t0, notify.Attempt{At: t0, Outcome: "sent"}), warroom.EConflict)

	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w1", t0.Add(time.Hour), 30*time.Second, 10))
	if _, ok, err := s.NextMessageDue(ctx, notify.QueuePage); ok || err != nil {
		t.Fatalf("NextMessageDue with nothing pending: %v, %v", ok, err)
	}

	// The history, in order.
	attempts, err := s.ListAttempts(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	wantAttempts := []notify.Attempt{
		{MessageID: "m1", At: normTime(t0.Add(time.Second)), Outcome: "retry", Detail: "smtp: 451 4.7.1 try again later", Response: "greylisted"},
		{MessageID: "m1", At: normTime(t0.Add(15 * time.Second)), Outcome: "throttled", Detail: reason},
		{MessageID: "m1", At: normTime(sentAt), Outcome: "sent", ProviderID: "<m1@warroom.example.com>"},
	}
	if !reflect.DeepEqual(attempts, wantAttempts) {
		t.Fatalf("attempts\n%+v\nwant\n%+v", attempts, wantAttempts)
	}
	if none, err := s.ListAttempts(ctx, "nope"); err != nil || none == nil || len(none) != 0 {
		t.Fatalf("ListAttempts of an unknown message = %v, %v; want []", none, err)
	}

	// Refused finishes.
	for _, c := range []struct {
		state notify.State
		a     notify.Attempt
	}{
		{notify.StateSending, notify.Attempt{At: t0, Outcome: "retry"}},
		{notify.StatePending, notify.Attempt{At: t0, Outcome: "exploded"}},
		{notify.StatePending, notify.Attempt{Outcome: "retry"}},
	} {
		wantCode(t, s.FinishMessage(ctx, "m1", "w1", c.state, t0, c.a), warroom.EInvalid)
	}
	wantCode(t, s.FinishMessage(ctx, "nope", "w1", notify.StateSent, t0, notify.Attempt{At: t0, Outcome: "sent"}), warroom.ENotFound)
}

func testOutboxEnqueue(t *testing.T, s *Store) {
	ctx := context.Background()
	chat := notify.Outbox{Message: notify.Message{ID: "c1", Kind: notify.KindAnnouncement, Channel: notify.ChannelSlack,
		Destination: "C0123456789", Subject: "INC-7 declared"}, DueAt: t0}
	mustEnqueueMessages(t, s, pageMsg("m1", "ada@example.com", t0), chat)
	again := pageMsg("m1", "bob@example.com", t0)
	mustEnqueueMessages(t, s, again) // the same ID: skipped
	if n := countRows(t, s, "messages"); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
	if m := mustFind(t, s, "m1"); m.Destination != "ada@example.com" {
		t.Fatalf("a repeated enqueue replaced the message: %+v", m)
	}
	if m := mustFind(t, s, "c1"); m.Queue != notify.QueueChat || m.CreatedAt.IsZero() {
		t.Fatalf("chat message %+v: want the chat queue and a creation time", m)
	}
	noSubject := pageMsg("m3", "ada@example.com", t0)
	noSubject.AlertID, noSubject.IncidentID = "", ""
	wantCode(t, s.EnqueueMessages(ctx, []notify.Outbox{pageMsg("m4", "x@example.com", t0), noSubject}), warroom.EInvalid)
	if n := countRows(t, s, "messages"); n != 2 {
		t.Fatalf("a refused enqueue stored messages: %d, want 2", n)
	}
	// A message row keeps no credential: one that carries an ack link
	// or a signing secret is refused, and nothing of its batch stored.
	withLink := pageMsg("m5", "ada@example.com", t0)
	withLink.AckURL = "https://warroom.example.com/ack/x.y"
	signed := notify.Outbox{Message: notify.Message{ID: "m6", Kind: notify.KindUpdate, Channel: notify.ChannelWebhook,
		Destination: "https://hooks.example.com/warroom", Subject: "update", Secret: "s3cret"}, DueAt: t0}
	for _, bad := range []notify.Outbox{withLink, signed} {
		wantError(t, s.EnqueueMessages(ctx, []notify.Outbox{pageMsg("m7", "x@example.com", t0), bad}), warroom.EInvalid,
			"message "+bad.ID+" carries a signing secret or an ack link; messages are stored without credentials, which are added when they are sent")
		if _, err := s.EnqueueClaimedMessages(ctx, []notify.Outbox{bad}, "w1", t0, time.Minute); warroom.ErrorCode(err) != warroom.EInvalid {
			t.Fatalf("EnqueueClaimedMessages stored a credential: %v", err)
		}
	}
	if n := countRows(t, s, "messages"); n != 2 {
		t.Fatalf("a refused enqueue stored messages: %d, want 2", n)
	}
	if err := s.EnqueueMessages(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// Queues are separate.
	wantMessages(t, mustClaimMessages(t, s, notify.QueueChat, "w1", t0, time.Minute, 10), "c1")
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w1", t0, time.Minute, 10), "m1")
}

// testOutboxReclaim: a sender died mid-send; once its lease expires the
// message is claimed again, with the same ID, and the lost try is on record.
func testOutboxReclaim(t *testing.T, s *Store) {
	ctx := context.Background()
	mustEnqueueMessages(t, s, pageMsg("m1", "ada@example.com", t0), pageMsg("m2", "ada@example.com", t0.Add(time.Hour)))
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "dead", t0, 30*time.Second, 10), "m1")
	wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w2", t0.Add(29*time.Second), 30*time.Second, 10))
	got := mustClaimMessages(t, s, notify.QueuePage, "w2", t0.Add(30*time.Second), 30*time.Second, 10)
	wantMessages(t, got, "m1")
	if m := got[0]; m.State != notify.StateSending || m.Attempts != 1 || m.LastError == "" || !m.DueAt.Equal(normTime(t0)) {
		t.Fatalf("reclaimed %+v: want sending, the lost try counted, due still t0", m)
	}
	attempts, err := s.ListAttempts(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 1 || attempts[0].Outcome != "retry" || !attempts[0].At.Equal(normTime(t0.Add(30*time.Second))) {
		t.Fatalf("history %+v: want the lost try", attempts)
	}
	wantCode(t, s.FinishMessage(ctx, "m1", "dead", notify.StateSent, t0, notify.Attempt{At: t0, Outcome: "sent"}), warroom.EConflict)
	mustFinish(t, s, "m1", "w2", notify.StateSent, time.Time{}, notify.Attempt{At: t0.Add(31 * time.Second), Outcome: "sent"})
	if m := mustFind(t, s, "m1"); m.State != notify.StateSent || m.Attempts != 2 {
		t.Fatalf("after the second try: %+v", m)
	}
	if attempts, _ := s.ListAttempts(ctx, "m1"); len(attempts) != 2 {
		t.Fatalf("history %+v: want 2 entries", attempts)
	}
}

// testOutboxClaimConcurrently: senders claiming at once never share a
// message.
func testOutboxClaimConcurrently(t *testing.T, s *Store) {
	const total = 60
	var msgs []notify.Outbox
	for i := range total {
		msgs = append(msgs, pageMsg("m"+string(rune('A'+i/26))+string(rune('a'+i%26)), "ada@example.com", t0))
	}
	mustEnqueueMessages(t, s, msgs...)
	claims := make(chan []notify.Outbox, 100)
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			owner := []string{"a", "b"}[g%2]
			for {
				got, err := s.ClaimMessages(context.Background(), notify.QueuePage, owner, t0, time.Hour, 5)
				if err != nil || len(got) == 0 {
					errs <- err
					return
				}
				claims <- got
			}
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(claims)
	seen := map[string]bool{}
	for got := range claims {
		for _, m := range got {
			if seen[m.ID] {
				t.Fatalf("message %s claimed twice", m.ID)
			}
			seen[m.ID] = true
		}
	}
	if len(seen) != total {
		t.Fatalf("%d messages claimed, want %d", len(seen), total)
	}
}

func testRecentSends(t *testing.T, s *Store) {
	ctx := context.Background()
	send := func(id, dest string, at time.Time) {
		t.Helper()
		mustEnqueueMessages(t, s, pageMsg(id, dest, t0))
		wantMessages(t, mustClaimMessages(t, s, notify.QueuePage, "w1", at, time.Minute, 1), id)
		mustFinish(t, s, id, "w1", notify.StateSent, time.Time{}, notify.Attempt{At: at, Outcome: "sent"})
	}
	send("a1", "ada@example.com", t0)
	send("a2", "ada@example.com", t0.Add(10*time.Second))
	send("b1", "bob@example.com", t0.Add(15*time.Second))
	send("a3", "ada@example.com", t0.Add(20*time.Second))
	// Neither pending nor failed messages count.
	mustEnqueueMessages(t, s, pageMsg("a4", "ada@example.com", t0))
	got, err := s.RecentSends(ctx, "ada@example.com", t0.Add(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Time{normTime(t0.Add(10 * time.Second)), normTime(t0.Add(20 * time.Second))}; !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Fatalf("RecentSends = %v, want %v", got, want)
	}
	if got, err := s.RecentSends(ctx, "ada@example.com", t0.Add(21*time.Second)); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("RecentSends after the last send = %v, %v; want []", got, err)
	}
	// What a throttle makes of it: 2 per 30s allows the next send at t0+40s.
	th := notify.Throttle{Windows: []notify.Window{{Count: 2, Per: 30 * time.Second}}}
	history, err := s.RecentSends(ctx, "ada@example.com", t0.Add(21*time.Second).Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if next, _ := th.NextAllowed("ada@example.com", history, t0.Add(21*time.Second)); !next.Equal(normTime(t0.Add(40 * time.Second))) {
		t.Fatalf("next allowed send at %v, want t0+40s", next)
	}
}

func testListMessages(t *testing.T, s *Store) {
	ctx := context.Background()
	a := pageMsg("a", "ada@example.com", t0)
	a.CreatedAt = t0
	b := pageMsg("b", "bob@example.com", t0)
	b.CreatedAt, b.AlertID = t0.Add(time.Second), ""
	c := pageMsg("c", "cy@example.com", t0)
	c.CreatedAt, c.IncidentID, c.AlertID = t0.Add(2*time.Second), "inc-2", "alert-2"
	mustEnqueueMessages(t, s, c, b, a)
	for _, tt := range []struct {
		incident, alert string
		want            []string
	}{
		{"inc-1", "", []string{"a", "b"}},
		{"", "alert-1", []string{"a"}},
		{"inc-2", "alert-1", []string{"a", "c"}},
		{"inc-3", "", []string{}},
	} {
		got, err := s.ListMessages(ctx, tt.incident, tt.alert)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("ListMessages(%q, %q) = %v, want %v", tt.incident, tt.alert, ids, tt.want)
		}
	}
	_, err := s.ListMessages(ctx, "", "")
	wantCode(t, err, warroom.EInvalid)
}

func testEnqueueMessagesInCallerTx(t *testing.T, s *Store) {
	ctx := context.Background()
	errRollback := errors.New("roll back")
	err := s.inTx(ctx, func(tx *tx) error {
		if err := s.enqueueMessages(ctx, tx, []notify.Outbox{pageMsg("m1", "ada@example.com", t0)}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if n := countRows(t, s, "messages"); n != 0 {
		t.Fatalf("a rolled back transaction stored %d messages", n)
	}
	err = s.inTx(ctx, func(tx *tx) error {
		return s.enqueueMessages(ctx, tx, []notify.Outbox{pageMsg("m1", "ada@example.com", t0)})
	})
	if err != nil {
		t.Fatal(err)
	}
	mustFind(t, s, "m1")
}

func testListenMessages(t *testing.T, s *Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	local, err := s.Listen(ctx, ChannelMessages)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := openAgain(t, s).Listen(ctx, ChannelMessages)
	if err != nil {
		t.Fatal(err)
	}
	mustEnqueueMessages(t, s, pageMsg("m1", "ada@example.com", t0))
	waitWake(t, local)
	waitWake(t, remote)
}
