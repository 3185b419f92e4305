package e2e_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestThrottleAcrossReplicasPostgres runs three `warroom serve` processes
// on one PostgreSQL database, each with the webhook throttle 5 per hour,
// and one person paged through a webhook receiver that takes 400 ms to
// answer. Fifteen critical alerts (each its own group, so each pages),
// posted to the three processes in turn, make fifteen pages to that one
// destination, sent by whichever process ran each escalation step: exactly
// 5 arrive, and the other 10 wait with the throttle's reason. A process
// that counted only the sends recorded in the database, and its own,
// would let up to 5 go from each process while the others' were in flight
// (docs/paging-design.md, "Throttles across processes"). The window is an
// hour so that however slowly this machine runs, no slot frees up while
// the test looks.
func TestThrottleAcrossReplicasPostgres(t *testing.T) {
	base := os.Getenv("WARROOM_TEST_POSTGRES")
	if base == "" {
		t.Skip("WARROOM_TEST_POSTGRES is not set; replicas share only a PostgreSQL database: set it to a server URL to run this test")
	}
	t.Parallel()
	const alerts, limit = 15, 5
	dsn := freshDatabase(t, base)
	secret := randomHex(16)
	// The receiver listens on 127.0.0.1 (allowed by --outbound-allow), and
	// every critical alert must page (the alert incident limit is off).
	flags := []string{"--webhook-secret", secret, "--ack-secret", randomHex(16), "--throttle", fmt.Sprintf("webhook=%d/1h", limit),
		"--outbound-allow", "127.0.0.0/8", "--alert-incident-limit", "off"}
	rcv := newPageReceiver(t, secret)
	slow := func(delivery) { time.Sleep(400 * time.Millisecond) } // before the receiver answers
	rcv.onPage.Store(&slow)
	// One after the other: each migrates the database as it starts.
	servers := []*server{startServer(t, dsn, flags...), startServer(t, dsn, flags...), startServer(t, dsn, flags...)}
	admin := crashAdmin(t, servers[0])
	key := setupPaging(t, servers[0], admin, rcv.url(), 1)
	peek := openPeek(t, dsn)

	run := randomHex(4)
	client := &http.Client{Timeout: deadline}
	var wg sync.WaitGroup
	groups := make([]string, alerts)
	for i := range alerts {
		groups[i] = fmt.Sprintf("throttle-%s-%d", run, i)
		wg.Go(func() {
			s := servers[i%len(servers)]
			body := alertmanagerBody(groups[i], "critical", []string{fmt.Sprintf("%s%08x", run, i)})
			if code, err := postAlerts(client, s.url, key, body); code != http.StatusAccepted {
				t.Errorf("alert %d to server %d: status %d, %v", i, i%len(servers), code, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Wait until every alert has its page, and every page was sent or
	// tried and delayed by the throttle.
	end := time.Now().Add(pageDeadline)
	for {
		var sent, throttled, other []string
		for _, g := range groups {
			for _, a := range findAlerts(t, servers[0], admin, g) {
				for _, m := range alertMessages(t, servers[0], admin, a.ID) {
					switch {
					case m.Kind != "page":
					case m.State == "sent":
						sent = append(sent, m.ID)
					case m.State == "pending" && strings.HasPrefix(m.ThrottleReason, fmt.Sprintf("throttled: %d per 1h", limit)):
						throttled = append(throttled, m.ID)
					default:
						other = append(other, m.ID+" "+m.State)
					}
				}
			}
		}
		if len(other) == 0 && len(sent)+len(throttled) == alerts {
			if len(sent) != limit {
				t.Errorf("%d pages were sent to one destination from %d processes, %d delayed; its throttle allows %d an hour",
					len(sent), len(servers), len(throttled), limit)
			}
			break
		}
		if time.Now().After(end) {
			t.Fatalf("within %s: %d pages sent, %d delayed by the throttle, others %v", pageDeadline, len(sent), len(throttled), other)
		}
		time.Sleep(250 * time.Millisecond)
	}
	ds, problems := rcv.snapshot()
	for _, p := range problems {
		t.Errorf("receiver: %s", p)
	}
	if len(ds) != limit {
		t.Errorf("%d pages arrived at the receiver; its throttle allows %d an hour", len(ds), limit)
	}
	// Logged, not required: which processes ran the steps is up to their
	// claims (paging's TestThrottleHoldsAcrossProcesses requires sharing).
	runners := map[string]bool{}
	for _, j := range peek.escalationJobs(t) {
		if j.done {
			runners[j.owner] = true
		}
	}
	t.Logf("%d pages arrived, %d processes ran escalation steps", len(ds), len(runners))
}
