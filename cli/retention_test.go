package cli

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/sqlstore"
)

// The retention settings: documented defaults, every source, and the
// periods refused.
func TestRetentionSettings(t *testing.T) {
	const day = 24 * time.Hour
	cfg, err := parseServeFlags(t, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	want := retentionConfig{Jobs: 7 * day, IdempotencyKeys: day, Messages: 90 * day, Interval: 10 * time.Minute}
	if cfg.Retention != want {
		t.Fatalf("defaults %+v, want %+v", cfg.Retention, want)
	}
	if r := cfg.Retention.retention(); r != (sqlstore.Retention{DoneJobs: 7 * day, IdempotencyKeys: day, Messages: 90 * day}) {
		t.Errorf("store retention %+v", r)
	}
	cfg, err = parseServeFlags(t, []string{"--job-retention", "48h", "--retention-interval", "1m"},
		map[string]string{"WARROOM_MESSAGE_RETENTION": "8760h", "WARROOM_JOB_RETENTION": "1h"},
		`{"idempotency_key_retention": "0"}`)
	if err != nil {
		t.Fatal(err)
	}
	want = retentionConfig{Jobs: 48 * time.Hour, IdempotencyKeys: 0, Messages: 365 * day, Interval: time.Minute}
	if cfg.Retention != want {
		t.Fatalf("from flags, env and file %+v, want %+v", cfg.Retention, want)
	}
	if err := cfg.validate(); err != nil {
		t.Errorf("validate: %v (0 keeps the keys)", err)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--job-retention", "30m"}, "--job-retention must be at least 1h"},
		{[]string{"--idempotency-key-retention", "-1h"}, "--idempotency-key-retention must be at least 1h"},
		{[]string{"--message-retention", "12h"}, "--message-retention must be at least 24h"},
		{[]string{"--retention-interval", "0s"}, "--retention-interval must be positive"},
	} {
		_, errOut, code := runCLI(t, nil, append([]string{"serve"}, tt.args...)...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("serve %v: exit %d, %q; want exit 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

// lockedBuffer is a log destination the loop and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls until cond holds, for at most ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The server's loop prunes shortly after it starts and then every
// interval, counting from the clock it is given: jobs done a year from
// now by the wall clock are a week old by the injected one.
func TestPruneLoop(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	done := time.Now().Add(365 * 24 * time.Hour)
	complete := func(id string) {
		t.Helper()
		j := engine.Job{ID: id, Queue: "q", Kind: "test.kind", Key: "key:" + id, DueAt: done}
		if err := store.Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
		if got, err := store.Claim(ctx, "q", "w", done, time.Minute, 1); err != nil || len(got) != 1 {
			t.Fatalf("claim %v, %v", got, err)
		}
		if err := store.Complete(ctx, id, "w", done, nil); err != nil {
			t.Fatal(err)
		}
	}
	// stored reports whether the done job of id is still kept: its key
	// makes scheduling it again a no-op until it is pruned.
	stored := func(id string) bool {
		t.Helper()
		again := engine.Job{ID: id + "-again", Queue: "again-" + id, Kind: "test.kind", Key: "key:" + id, DueAt: done}
		if err := store.Enqueue(ctx, again); err != nil {
			t.Fatal(err)
		}
		got, err := store.Claim(ctx, again.Queue, "w", done, time.Minute, 1)
		if err != nil {
			t.Fatal(err)
		}
		return len(got) == 0
	}
	complete("first")

	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var mu sync.Mutex
	clock := done.Add(7 * 24 * time.Hour) // exactly a week: not yet past
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	loopCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		pruneLoop(loopCtx, store, defaultRetention().retention(), now, time.Millisecond, 5*time.Millisecond, log)
	}()
	time.Sleep(30 * time.Millisecond) // several runs at the week's end
	if !stored("first") {
		t.Fatal("a job done exactly a week ago was pruned")
	}
	mu.Lock()
	clock = clock.Add(time.Second)
	mu.Unlock()
	waitFor(t, "the first prune", func() bool { return strings.Contains(logs.String(), "jobs=1 ") })
	if stored("first") {
		t.Fatal("the loop logged a prune but the job is kept")
	}
	// And again at a later interval.
	complete("second")
	waitFor(t, "the second prune", func() bool { return strings.Count(logs.String(), "jobs=1 ") == 2 })
	if stored("second") {
		t.Fatal("the job done later was not pruned")
	}
	cancel()
	<-stopped
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the loop logged errors:\n%s", logs.String())
	}
}
