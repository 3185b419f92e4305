package chat_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/warroom/warroom/internal/pgtest"
	"github.com/warroom/warroom/internal/stormtest"
)

// benchDSN is SQLite in a temporary directory, or a fresh PostgreSQL
// database when WARROOM_BENCH_DB=postgres (WARROOM_TEST_POSTGRES names the
// server).
func benchDSN(b *testing.B) string {
	if os.Getenv("WARROOM_BENCH_DB") == "postgres" {
		base := os.Getenv("WARROOM_TEST_POSTGRES")
		if base == "" {
			b.Fatal("WARROOM_BENCH_DB=postgres needs WARROOM_TEST_POSTGRES")
		}
		return pgtest.FreshDatabase(b, base, "wr_chatbench")
	}
	return "sqlite:" + filepath.Join(b.TempDir(), "w.db")
}

// startStorm stores a storm of critical alerts into e's database
// (stormtest: 20,000 a second); the function it returns stops it and
// reports the rate achieved.
func startStorm(b *testing.B, e *env) (stop func()) {
	halt := stormtest.Start(b, e.store, e.clock.Now())
	return func() { b.ReportMetric(halt(), "alerts/s") }
}
