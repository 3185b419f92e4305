package sqlstore

import (
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestWebSessions(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			f := newFixture(t, d.open(t))
			s, ctx, now := f.s, f.ctx, f.now
			live := &warroom.WebSession{UserID: f.ada.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour), UserAgent: "firefox", Address: "10.0.0.1"}
			old := &warroom.WebSession{UserID: f.ada.ID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
			// In this order: creating a session deletes the user's sessions
			// that expired by then, so "old" created first would be gone
			// before the prune below counts it.
			for _, c := range []struct {
				hash string
				ws   *warroom.WebSession
			}{{"live", live}, {"old", old}} {
				if err := s.CreateSession(ctx, c.ws, c.hash); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.CreateSession(ctx, &warroom.WebSession{UserID: "nobody", ExpiresAt: now}, "x"); warroom.ErrorCode(err) != warroom.EInvalid {
				t.Fatalf("session of an unknown user: %v", err)
			}
			ws, u, err := s.FindSession(ctx, "live", now)
			if err != nil || ws.ID != live.ID || u.Handle != "ada" || ws.UserAgent != "firefox" {
				t.Fatalf("find: %+v %+v %v", ws, u, err)
			}
			if _, _, err := s.FindSession(ctx, "old", now); warroom.ErrorCode(err) != warroom.EUnauthorized {
				t.Fatalf("expired session: %v", err)
			}
			if err := s.TouchSession(ctx, live.ID, now.Add(time.Minute), now.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.FindSession(ctx, "live", now.Add(90*time.Minute)); err != nil {
				t.Fatalf("touched session expired: %v", err)
			}
			list, err := s.ListSessions(ctx, f.ada.ID, now)
			if err != nil || len(list) != 1 || list[0].ID != live.ID {
				t.Fatalf("list: %v %v", list, err)
			}
			if err := s.RevokeSession(ctx, f.bob.ID, live.ID); warroom.ErrorCode(err) != warroom.ENotFound {
				t.Fatalf("revoking another user's session: %v", err)
			}

			// One-time links: used once, not after they expire.
			if err := s.CreateSignInLink(ctx, "l1", f.ada.ID, now, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateSignInLink(ctx, "l2", f.ada.ID, now.Add(-2*time.Hour), now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			if id, err := s.UseSignInLink(ctx, "l1", now); err != nil || id != f.ada.ID {
				t.Fatalf("use link: %q %v", id, err)
			}
			for _, h := range []string{"l1", "l2", "nope"} {
				if _, err := s.UseSignInLink(ctx, h, now); warroom.ErrorCode(err) != warroom.EUnauthorized {
					t.Errorf("link %s: %v", h, err)
				}
			}

			// Failure counts per fixed window.
			w := 15 * time.Minute
			start := now.Truncate(w)
			for i := 1; i <= 3; i++ {
				if n, err := s.RecordSignInFailure(ctx, "addr:1", start.Add(time.Duration(i)*time.Minute), w); err != nil || n != i {
					t.Fatalf("failure %d: %d %v", i, n, err)
				}
			}
			if n, _ := s.SignInFailures(ctx, "addr:1", start.Add(14*time.Minute), w); n != 3 {
				t.Fatalf("failures in the window: %d", n)
			}
			if n, _ := s.SignInFailures(ctx, "addr:1", start.Add(w), w); n != 0 {
				t.Fatalf("failures in the next window: %d", n)
			}
			if n, _ := s.RecordSignInFailure(ctx, "addr:1", start.Add(w), w); n != 1 {
				t.Fatalf("the next window starts at %d", n)
			}
			if _, err := s.RecordSignInFailure(ctx, "addr:2", start.Add(-48*time.Hour), w); err != nil {
				t.Fatal(err)
			}

			// Pruning deletes what no sign-in needs: the expired session,
			// the two expired links (l1 is used but not yet expired) and
			// the stale failure count.
			p, err := s.Prune(ctx, now.Add(30*time.Minute), Retention{})
			if err != nil || p.SignIns != 3 {
				t.Fatalf("prune: %+v %v", p, err)
			}
			if _, _, err := s.FindSession(ctx, "live", now); err != nil {
				t.Fatalf("pruning took a live session: %v", err)
			}
			if n, _ := s.SignInFailures(ctx, "addr:1", start.Add(w), w); n != 1 {
				t.Fatal("pruning took a current failure count")
			}
			if n, err := s.RevokeUserSessions(ctx, f.ada.ID, ""); err != nil || n != 1 {
				t.Fatalf("revoke all: %d %v", n, err)
			}
		})
	}
}
