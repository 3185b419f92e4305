package sqlstore

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

func TestLinkAlerts(t *testing.T) {
	runPagingTests(t, []pagingTest{
		{"InBoundedTransactions", testLinkAlertsInBoundedTransactions},
	})
}

// Bulk routing links thousands of a storm's alerts at once. In one
// transaction that held SQLite's one writer for over 100 ms, and every
// page waited: LinkAlerts commits at most linkAlertsPerTx alerts at a
// time. An alert a person linked elsewhere keeps its incident, and an
// unknown incident is refused before anything is linked.
func testLinkAlertsInBoundedTransactions(t *testing.T, p *pagingFixture) {
	const n = 2*linkAlertsPerTx + 10
	updates := make([]warroom.AlertUpdate, n)
	for i := range updates {
		updates[i] = warroom.AlertUpdate{Action: "trigger", Alert: warroom.Alert{
			DedupKey: fmt.Sprint("link-", i), Severity: "warning", Summary: "Disk full", GroupKey: "g"}}
	}
	var ids []string
	for _, r := range p.ingest(p.am, updates...) {
		ids = append(ids, r.AlertID)
	}
	storm, err := p.declare(p.ada, warroom.Declaration{Title: "Storm", Severity: warroom.SEV2}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := p.declare(p.ada, warroom.Declaration{Title: "Other", Severity: warroom.SEV3}, warroom.Idempotency{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.s.LinkAlerts(p.ctx, other.Incident.ID, ids[5:6], p.tick()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.s.LinkAlerts(p.ctx, "no-such-incident", ids, p.tick()); warroom.ErrorCode(err) != warroom.ENotFound {
		t.Fatalf("unknown incident: %v, want ENotFound", err)
	}

	var txs atomic.Int64
	p.s.ObserveTransactions(func(time.Duration) { txs.Add(1) })
	linked, err := p.s.LinkAlerts(p.ctx, storm.Incident.ID, ids, p.tick())
	p.s.ObserveTransactions(func(time.Duration) {})
	if err != nil {
		t.Fatal(err)
	}
	if linked != n-1 {
		t.Errorf("linked %d, want %d (all but the one linked elsewhere)", linked, n-1)
	}
	if got := txs.Load(); got != 3 {
		t.Errorf("%d transactions for %d alerts, want 3 of at most %d", got, n, linkAlertsPerTx)
	}
	for i, id := range ids {
		want := storm.Incident.ID
		if i == 5 {
			want = other.Incident.ID
		}
		if got := p.alert(id).IncidentID; got != want {
			t.Fatalf("alert %d is in %q, want %q", i, got, want)
		}
	}
}
