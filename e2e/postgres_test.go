package e2e_test

import (
	"os"
	"testing"

	"github.com/warroom/warroom/internal/pgtest"
)

// TestPostgresFlow runs the same flow against PostgreSQL, in a database
// created for this run and dropped after it.
func TestPostgresFlow(t *testing.T) {
	base := os.Getenv("WARROOM_TEST_POSTGRES")
	if base == "" {
		t.Skip("WARROOM_TEST_POSTGRES is not set; to run the e2e flow against PostgreSQL set it to a server URL, " +
			"e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	runFlow(t, freshDatabase(t, base))
}

// freshDatabase creates an empty database wr_e2e_<random> on the server
// of base and returns its URL; cleanup drops it (pgtest.FreshDatabase).
func freshDatabase(t *testing.T, base string) string {
	return pgtest.FreshDatabase(t, base, "wr_e2e")
}
