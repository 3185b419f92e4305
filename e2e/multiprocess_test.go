package e2e_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestMultiProcessPostgres runs two `warroom serve` processes on one
// PostgreSQL database, each on its own port, with a signed-webhook
// receiver as the only destination, and posts critical alerts (each its
// own group, so each declares an incident and pages) alternately to
// both processes' Alertmanager endpoints. It checks what the design
// promises of several processes sharing a database
// (docs/paging-design.md, "One incident per alert group, across
// processes" and "Delivery semantics"):
//
//   - every alert declared exactly one incident, and no other incident
//     exists;
//   - every incident's page arrived at the receiver exactly once: one
//     message per alert in the outbox, each delivered once (by message
//     ID), all recorded as sent, none in flight any more;
//   - both processes did the work: each ran some of the escalation steps
//     (the jobs' owner, kept once done, names the process) and sent some
//     of the pages (the message's claim, read while its request is at the
//     receiver, names the process delivering it).
//
// The policy has one step, so each alert pages exactly once however
// long the test takes.
func TestMultiProcessPostgres(t *testing.T) {
	base := os.Getenv("WARROOM_TEST_POSTGRES")
	if base == "" {
		t.Skip("WARROOM_TEST_POSTGRES is not set; several server processes share only a PostgreSQL database: " +
			"set it to a server URL to run this test, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	t.Parallel()
	dsn := freshDatabase(t, base)
	secret := randomHex(16)
	// Both processes sign with the same keys, as replicas would.
	// The page receiver listens on 127.0.0.1, which people's webhook
	// contact methods reach only when an admin allows it; every critical
	// group must page, so the alert incident limit is off.
	flags := []string{"--webhook-secret", secret, "--ack-secret", randomHex(16), "--outbound-allow", "127.0.0.0/8", "--alert-incident-limit", "off"}
	rcv := newPageReceiver(t, secret)
	// One after the other: each migrates the database as it starts.
	servers := []*server{startServer(t, dsn, flags...), startServer(t, dsn, flags...)}
	admin := crashAdmin(t, servers[0])
	key := setupPaging(t, servers[0], admin, rcv.url(), 1)
	peek := openPeek(t, dsn)

	// Who sends each page: while its request is at the receiver the
	// message is "sending", claimed by the process delivering it.
	var (
		mu        sync.Mutex
		senderOf  = map[string][]string{} // message ID → claim owner at each delivery
		ownerErrs []string
	)
	onPage := func(d delivery) {
		owner, err := peek.messageOwner(d.id)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			ownerErrs = append(ownerErrs, fmt.Sprintf("message %s: %v", d.id, err))
			return
		}
		senderOf[d.id] = append(senderOf[d.id], owner)
	}
	rcv.onPage.Store(&onPage)

	// Alerts alternately to both processes, from a few senders at once;
	// one destination takes at most 60 webhook pages a minute, so 40
	// pages are never throttled.
	const alerts, senders = 40, 4
	run := randomHex(4)
	groups := make([]string, alerts)
	fingerprints := make([]string, alerts)
	for i := range alerts {
		groups[i] = fmt.Sprintf("multi-%s-%d", run, i)
		fingerprints[i] = fmt.Sprintf("%s%08x", run, i)
	}
	client := &http.Client{Timeout: deadline}
	var wg sync.WaitGroup
	postErrs := make([]string, alerts)
	for g := range senders {
		wg.Go(func() {
			for i := g; i < alerts; i += senders {
				s := servers[i%2]
				code, err := postAlerts(client, s.url, key, alertmanagerBody(groups[i], "critical", []string{fingerprints[i]}))
				if code != http.StatusAccepted {
					postErrs[i] = fmt.Sprintf("alert %d to server %d: status %d, %v", i, i%2, code, err)
				}
			}
		})
	}
	wg.Wait()
	for _, e := range postErrs {
		if e != "" {
			t.Errorf("intake: %s", e)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Wait until every alert is linked to its incident and paged, its
	// escalation step has run, and nothing is left to send.
	var list []*warroom.Alert
	end := time.Now().Add(pageDeadline)
	for {
		var resp struct{ Alerts []*warroom.Alert }
		servers[0].apiOK(t, admin, "GET", "/api/v1/alerts?service=checkout&limit=1000", nil, http.StatusOK, &resp)
		list = resp.Alerts
		linked := 0
		for _, a := range list {
			if a.IncidentID != "" {
				linked++
			}
		}
		paged := map[string]bool{}
		ds, _ := rcv.snapshot()
		for _, d := range ds {
			if d.kind == "page" {
				paged[d.incidentID] = true
			}
		}
		var busy []string
		for _, m := range peek.messages(t) {
			if m.state == "pending" || m.state == "sending" {
				busy = append(busy, m.id+" "+m.state)
			}
		}
		stepsRun := 0
		for _, j := range peek.escalationJobs(t) {
			if j.done {
				stepsRun++
			}
		}
		if len(list) == alerts && linked == alerts && len(paged) >= alerts && stepsRun >= alerts && len(busy) == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("within %s: %d of %d alerts listed, %d linked to an incident, %d incidents paged, %d escalation steps run; "+
				"messages still to send: %v\nserver 0:\n%s\nserver 1:\n%s", pageDeadline, len(list), alerts, linked, len(paged),
				stepsRun, busy, servers[0].logTail(), servers[1].logTail())
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Every alert declared exactly one incident, and there is no other.
	incidentOf := map[string]string{} // incident ID → alert ID
	for _, a := range list {
		if other, ok := incidentOf[a.IncidentID]; ok {
			t.Errorf("alerts %s and %s (different groups) share incident %s", other, a.ID, a.IncidentID)
		}
		incidentOf[a.IncidentID] = a.ID
	}
	var incidents struct{ Incidents []*warroom.Incident }
	servers[1].apiOK(t, admin, "GET", "/api/v1/incidents?limit=1000", nil, http.StatusOK, &incidents)
	for _, inc := range incidents.Incidents {
		if _, ok := incidentOf[inc.ID]; !ok {
			t.Errorf("incident %s (%s) belongs to no alert: an alert declared more than one", inc.Ref, inc.ID)
		}
	}
	if len(incidents.Incidents) != alerts {
		t.Errorf("%d incidents exist for %d alerts; want one each", len(incidents.Incidents), alerts)
	}

	// Every incident's page arrived exactly once: one page message per
	// alert, each delivered once, recorded as sent.
	ds, problems := rcv.snapshot()
	for _, p := range problems {
		t.Errorf("receiver: %s", p)
	}
	deliveries := map[string]int{}          // message ID → deliveries
	pagesOf := map[string]map[string]bool{} // incident ID → its page message IDs
	for _, d := range ds {
		deliveries[d.id]++
		if d.kind != "page" {
			t.Errorf("message %s of kind %q arrived; only pages were expected", d.id, d.kind)
			continue
		}
		if incidentOf[d.incidentID] != d.alertID {
			t.Errorf("page %s is for alert %s and incident %s, which is not that alert's incident", d.id, d.alertID, d.incidentID)
		}
		if pagesOf[d.incidentID] == nil {
			pagesOf[d.incidentID] = map[string]bool{}
		}
		pagesOf[d.incidentID][d.id] = true
	}
	for id, n := range deliveries {
		if n != 1 {
			t.Errorf("message %s arrived %d times; want once", id, n)
		}
	}
	for incidentID, alertID := range incidentOf {
		if n := len(pagesOf[incidentID]); n != 1 {
			t.Errorf("incident %s (alert %s) was paged by %d messages; want 1", incidentID, alertID, n)
		}
	}
	stored := map[string]string{} // message ID → state
	for _, m := range peek.messages(t) {
		stored[m.id] = m.state
	}
	if len(stored) != alerts {
		t.Errorf("the outbox holds %d messages for %d alerts; want one page each", len(stored), alerts)
	}
	for id, state := range stored {
		if state != "sent" || deliveries[id] != 1 {
			t.Errorf("message %s is %s and arrived %d times; want sent, once", id, state, deliveries[id])
		}
	}

	// Both processes did the work.
	pids := []int{servers[0].cmd.Process.Pid, servers[1].cmd.Process.Pid}
	steps := make([]int, 2)
	jobs := peek.escalationJobs(t)
	if len(jobs) != alerts {
		t.Errorf("%d escalation steps are stored for %d alerts paged by a one-step policy; want one each", len(jobs), alerts)
	}
	for _, j := range jobs {
		switch i := slices.Index(pids, ownerPID(j.owner)); {
		case !j.done:
			t.Errorf("escalation job %s of alert %s has not run", j.id, j.AlertID)
		case i < 0:
			t.Errorf("escalation job %s of alert %s was run by %q, neither server process %v", j.id, j.AlertID, j.owner, pids)
		default:
			steps[i]++
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range ownerErrs {
		t.Errorf("reading who sends a page: %s", e)
	}
	sent := make([]int, 2)
	for id, owners := range senderOf {
		for _, o := range owners {
			i := slices.Index(pids, ownerPID(o))
			if i < 0 {
				t.Errorf("page %s arrived while claimed by %q, neither server process %v", id, o, pids)
				continue
			}
			sent[i]++
		}
	}
	t.Logf("escalation steps run by process 0/1: %d/%d; pages sent: %d/%d", steps[0], steps[1], sent[0], sent[1])
	for i := range 2 {
		if steps[i] == 0 || sent[i] == 0 {
			t.Errorf("server process %d (pid %d) ran %d escalation steps and sent %d pages; want both processes to share the work",
				i, pids[i], steps[i], sent[i])
		}
	}
}
