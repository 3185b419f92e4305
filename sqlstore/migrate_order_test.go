package sqlstore

import (
	"context"
	"testing"
)

// Migration 00005 (fair claims) was written on a branch while 00006 to
// 00008 reached main first: a database main created is at version 8
// without 5. Opening it applies 5 (they touch different tables) instead
// of refusing to start.
func TestMigrationMissingBelowTheVersionIsApplied(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t)
			ctx := context.Background()
			p := migrationProvider(t, s)
			// As main left it: 8 applied, 5 not.
			if _, err := p.ApplyVersion(ctx, 5, false); err != nil {
				t.Fatal(err)
			}
			if _, err := s.exec(ctx, "SELECT fair_key FROM jobs"); err == nil {
				t.Fatal("jobs.fair_key is still there after migration 5 was rolled back")
			}
			if err := migrate(ctx, s.db, s.d); err != nil {
				t.Fatalf("opening a database at version 8 without 5: %v", err)
			}
			if _, err := s.exec(ctx, "SELECT fair_key FROM jobs"); err != nil {
				t.Fatalf("migration 5 not applied: %v", err)
			}
		})
	}
}
