package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// testIngestRefusedDeliveryFailsAlone: deliveries that the database
// refuses, though they slipped past intake's checks, share group commits
// with many good ones from other senders. Every good one commits and
// gets its results; only the refused ones fail. The database refuses a
// summary "poison" by a trigger on both dialects, and on PostgreSQL a
// summary with a NUL character, as it did before intake checked for it.
func testIngestRefusedDeliveryFailsAlone(t *testing.T, p *pagingFixture) {
	ctx := context.Background()
	poisonTrigger := []string{`CREATE TRIGGER poison BEFORE INSERT ON alerts WHEN NEW.summary = 'poison'
		BEGIN SELECT RAISE(ABORT, 'poison refused'); END`}
	if p.s.d.name == "postgres" {
		poisonTrigger = []string{`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN RAISE EXCEPTION 'poison refused'; END $$`,
			`CREATE TRIGGER poison BEFORE INSERT ON alerts FOR EACH ROW WHEN (NEW.summary = 'poison') EXECUTE FUNCTION poison()`}
	}
	for _, q := range poisonTrigger {
		if _, err := p.s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	bad := []string{"poison"}
	if p.s.d.name == "postgres" {
		bad = append(bad, "a\x00b")
	}

	// Hold the writer, so that the deliveries queue up and share the
	// batches that follow: SQLite's one write connection, PostgreSQL's
	// alerts table.
	var release func()
	if p.s.d.name == "postgres" {
		tx, err := p.s.db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "LOCK TABLE alerts IN EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		release = func() { _ = tx.Rollback() }
	} else {
		conn, err := p.s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		release = func() { _ = conn.Close() }
	}

	ib := p.s.NewIngestBatcher(64, time.Millisecond)
	const good, every = 120, 10 // a refused delivery among every ten
	type answer struct {
		i   int
		key string
		res []warroom.IngestResult
		err error
	}
	answers := make(chan answer, good+good/every)
	var started sync.WaitGroup
	send := func(i int, key, summary string) {
		started.Add(1)
		go func() {
			started.Done()
			res, err := ib.Ingest(ctx, warroom.IngestRequest{Integration: p.webhook, ReceivedAt: t0,
				Updates: []warroom.AlertUpdate{update(p.webhook, "trigger", key, summary)}})
			answers <- answer{i, key, res, err}
		}()
	}
	n := 0
	for i := range good {
		send(i, fmt.Sprintf("good-%d", i), "fine")
		n++
		if i%every == every-1 {
			send(-1, fmt.Sprintf("bad-%d", i), bad[(i/every)%len(bad)])
			n++
		}
	}
	started.Wait()
	// Only the mixing of the batches depends on this pause, not the
	// outcome: every good delivery must commit however they were batched.
	time.Sleep(50 * time.Millisecond)
	release()

	ok, refused := 0, 0
	for range n {
		a := <-answers
		switch {
		case a.i < 0 && a.err != nil:
			refused++
		case a.i < 0:
			t.Errorf("refused delivery %s was accepted: %+v", a.key, a.res)
		case a.err != nil:
			t.Errorf("good delivery %s failed with another's: %v", a.key, a.err)
		case len(a.res) != 1 || a.res[0].DedupKey != a.key || a.res[0].Outcome != warroom.IngestCreated:
			t.Errorf("good delivery %s got %+v", a.key, a.res)
		default:
			ok++
		}
	}
	if err := ib.Close(); err != nil {
		t.Fatal(err)
	}
	if ok != good || refused != good/every {
		t.Errorf("%d of %d good deliveries committed, %d of %d refused", ok, good, refused, good/every)
	}
	list, err := p.s.ListAlerts(ctx, warroom.AlertFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != good {
		t.Errorf("%d alerts stored, want the %d good ones", len(list), good)
	}
}
