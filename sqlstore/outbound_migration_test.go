package sqlstore

import (
	"context"
	"testing"
)

// Migration 00007 takes the credentials out of stored messages (the
// webhook secret and the ack link) and moves a receiver's response body
// out of the errors everyone sees into the admin-only columns: rows
// written before it are migrated so.
func TestMigrationTakesCredentialsAndBodiesOutOfMessages(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t)
			ctx := context.Background()
			p := migrationProvider(t, s)
			if _, err := p.DownTo(ctx, 6); err != nil {
				t.Fatal(err)
			}
			// As the server stored messages before: secret and ack link
			// with every row, the body inside the error.
			const failed = "permanent delivery failure (status 500): HTTP 500 Internal Server Error: root:x:0:0 admin panel; attempt 1, giving up"
			for _, m := range []struct{ id, lastError string }{
				{"m1", failed},
				{"m2", "temporary delivery failure: webhook: dial tcp 192.0.2.1:443: i/o timeout; attempt 1 of 12, next in 15s"},
				{"m3", "temporary delivery failure (status 503): HTTP 503 Service Unavailable; attempt 1 of 12, next in 15s"},
			} {
				if _, err := s.exec(ctx, `INSERT INTO messages (id, queue, kind, channel, destination, subject, body, fields, ack_url,
					incident_id, alert_id, user_id, secret, state, due_at, attempts, throttle_reason, last_error, provider_id, created_at)
					VALUES (?, 'page', 'page', 'webhook', 'https://hooks.example.com/x', 's', 't', '[]', 'https://w.example.com/ack/tok.sig',
					NULL, 'a1', 'u1', 'whsec-plain', 'failed', ?, 1, '', ?, '', ?)`,
					m.id, s.d.timeArg(t0), m.lastError, s.d.timeArg(t0)); err != nil {
					t.Fatal(err)
				}
				if _, err := s.exec(ctx, `INSERT INTO message_attempts (message_id, seq, at, outcome, detail, provider_id)
					VALUES (?, 1, ?, 'failed', ?, '')`, m.id, s.d.timeArg(t0), m.lastError); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatal(err)
			}
			for _, col := range []string{"secret", "ack_url"} {
				if _, err := s.exec(ctx, "SELECT "+col+" FROM messages"); err == nil {
					t.Errorf("messages.%s is still there", col)
				}
			}
			for _, tc := range []struct{ id, shown, response string }{
				{"m1", "permanent delivery failure (status 500): HTTP 500 Internal Server Error (the receiver's answer is shown to admins)",
					"root:x:0:0 admin panel; attempt 1, giving up"},
				{"m2", "temporary delivery failure: webhook: dial tcp 192.0.2.1:443: i/o timeout; attempt 1 of 12, next in 15s", ""},
				{"m3", "temporary delivery failure (status 503): HTTP 503 Service Unavailable; attempt 1 of 12, next in 15s", ""},
			} {
				m, err := s.FindMessage(ctx, tc.id)
				if err != nil {
					t.Fatal(err)
				}
				as, err := s.ListAttempts(ctx, tc.id)
				if err != nil || len(as) != 1 {
					t.Fatalf("%s attempts %+v, %v", tc.id, as, err)
				}
				if m.LastError != tc.shown || m.LastResponse != tc.response || as[0].Detail != tc.shown || as[0].Response != tc.response {
					t.Errorf("%s: last error %q, response %q; attempt %q, %q\nwant %q, %q", tc.id, m.LastError, m.LastResponse,
						as[0].Detail, as[0].Response, tc.shown, tc.response)
				}
			}
		})
	}
}
