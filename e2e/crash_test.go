package e2e_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// The crash test kills `warroom serve` with SIGKILL while several senders
// post Alertmanager batches as fast as it takes them and while it pages,
// restarts it on the same database, and checks what the design promises:
//
//  1. A 2xx means stored: every alert of every batch answered 2xx is
//     there after the restart (GET /api/v1/alerts?group_key=…).
//  2. Paging resumes: every critical alert answered 2xx gets its
//     escalation's step-1 page at the receiver. On SQLite the restarted
//     server releases every claim the killed process left at startup, so
//     its jobs run again and its messages in "sending" are sent again
//     (same ID) at once. On PostgreSQL claims are 10 s leases kept alive
//     by a 2 s heartbeat, so the killed process's work is taken over
//     once its leases run out; a page it had claimed ("sending") and not
//     delivered may still be held by it when the test looks, and the
//     test accepts it in that state instead of waiting for the lease
//     (docs/paging-design.md, "Leases and crashes").
//  3. The step-2 escalation is scheduled: a pending escalation.step job
//     for step 2 exists in the database, due one step delay after step 1.
//     A step pages before its completion commits, so the killed process
//     may have paged for a step-1 job it never completed: that job is
//     run again by the restarted server once its lease ends (at once on
//     SQLite), which the test waits for; running it again pages nobody
//     twice (rule 4).
//  4. No message is delivered twice: within one process's life a
//     message ID (X-Warroom-Delivery) arrives at most once; an ID that
//     arrives from two processes is tolerated only if the earlier one
//     had not recorded it as sent before it was killed (delivery is
//     at-least-once across a crash mid-send, with the same ID for
//     receivers to drop); one recorded as sent before the kill (checked
//     on one page) never comes again. And every critical alert is paged
//     by one message per escalation step (the page's "Why you" names the
//     step), not several: jobs run again did not page twice.
//  5. Step 2 fires after a restart, once. The policy's minimum step delay
//     (1m) is too long to wait for, so once every step-2 job is stored the
//     test kills the restarted server too, moves the due time of every
//     step-2 job not yet run to now (in the database: as if the server
//     had stayed down past the step's time; the payload, which only the
//     next step's time is counted from, is left as it was) and starts it
//     again. Each of those jobs runs in the new process, each alert's
//     step-2 page arrives exactly once, from it, and rule 4 still holds.
//
// Speed is never assumed: the kill comes after a random number of
// accepted batches (not after a time), and every wait polls up to a
// generous deadline.

func TestCrashRecoverySQLite(t *testing.T) {
	t.Parallel()
	runCrash(t, "sqlite:"+filepath.Join(t.TempDir(), "warroom.db"))
}

func TestCrashRecoveryPostgres(t *testing.T) {
	base := os.Getenv("WARROOM_TEST_POSTGRES")
	if base == "" {
		t.Skip("WARROOM_TEST_POSTGRES is not set; set it to a server URL to run the crash test against PostgreSQL")
	}
	t.Parallel()
	runCrash(t, freshDatabase(t, base))
}

// Shape of the storm.
const (
	crashSenders     = 4  // goroutines posting at once
	crashNoiseBatch  = 50 // warnings per noise batch
	crashMaxCritical = 24 // critical alerts: with the seed, 2 steps × 25 pages within a minute (webhook throttle: 60/min)
	pageDeadline     = 2 * time.Minute
)

// batch is one webhook the test posted and the server answered 2xx.
type batch struct {
	groupKey     string
	fingerprints []string
	critical     bool
}

func runCrash(t *testing.T, dsn string) {
	secret := randomHex(16)
	// The page receiver listens on 127.0.0.1, which people's webhook
	// contact methods reach only when an admin allows it; every critical
	// group must page, so the alert incident limit is off.
	flags := []string{"--webhook-secret", secret, "--ack-secret", randomHex(16), "--outbound-allow", "127.0.0.0/8", "--alert-incident-limit", "off"}
	rcv := newPageReceiver(t, secret)
	s := startServer(t, dsn, flags...)
	admin := crashAdmin(t, s)
	noiseKey, pagesKey := crashSetup(t, s, admin, rcv.url())
	peek := openPeek(t, dsn)
	client := &http.Client{Timeout: deadline}
	run := randomHex(4)

	// A first critical alert, paged and recorded as sent before the
	// kill: the message that must never come again.
	seedFP := run + "00000000"
	if code, err := postAlerts(client, s.url, pagesKey, alertmanagerBody("seed-"+run, "critical", []string{seedFP})); code != http.StatusAccepted {
		t.Fatalf("seed alert: status %d, %v\n%s", code, err, s.logTail())
	}
	seed := findAlerts(t, s, admin, "seed-"+run)[seedFP]
	if seed == nil {
		t.Fatalf("the seed alert is not listed")
	}
	seedMsg := waitSent(t, s, admin, seed.ID)
	owners := peek.owners(t)
	if len(owners) != 1 {
		t.Fatalf("before the kill one process claimed jobs, got owners %v", owners)
	}
	var killedOwner string
	for o := range owners {
		killedOwner = o
	}

	// The storm: noise (warnings on a service that pages nobody) and
	// critical alerts (one per batch, each its own group, so each
	// declares an incident and pages; a few first, so that pages flow
	// while the noise goes on). Once a random number of batches was
	// accepted, the kill comes from the receiver as a storm page arrives,
	// before it is answered: the server dies mid-send, with the rest of
	// its claimed messages undelivered. If no page comes while the noise
	// grows, a sender kills it right after a critical alert was accepted
	// (so that its page is surely still to come).
	threshold := int64(4 + randomInt(28))
	var (
		mu         sync.Mutex
		accepted   []batch
		criticals  atomic.Int32
		seq        atomic.Int64
		count      atomic.Int64
		killing    atomic.Bool
		killOnce   sync.Once
		killReason string
		postErrs   []string
	)
	// kill only sends SIGKILL (it runs on the senders' and the receiver's
	// goroutines); the test waits for the process below.
	kill := func(why string) {
		killOnce.Do(func() {
			killing.Store(true)
			killReason = why
			_ = s.cmd.Process.Kill() // s.kill below reports a process that does not die
		})
	}
	onPage := func(d delivery) {
		if d.alertID != seed.ID && count.Load() >= threshold {
			kill("while a page was being delivered")
		}
	}
	rcv.onPage.Store(&onPage)
	var wg sync.WaitGroup
	for g := range crashSenders {
		wg.Go(func() {
			for i := 0; !killing.Load(); i++ {
				n := seq.Add(1)
				b := batch{groupKey: fmt.Sprintf("storm-%s-%d-%d", run, g, i)}
				key, severity, size := noiseKey, "warning", crashNoiseBatch
				if (i < 2 || i%4 == 3) && criticals.Add(1) <= crashMaxCritical {
					key, severity, size, b.critical = pagesKey, "critical", 1, true
				}
				for j := range size {
					b.fingerprints = append(b.fingerprints, fmt.Sprintf("%s%08x", run, n*100+int64(j)))
				}
				code, err := postAlerts(client, s.url, key, alertmanagerBody(b.groupKey, severity, b.fingerprints))
				if code/100 != 2 {
					if !killing.Load() {
						mu.Lock()
						postErrs = append(postErrs, fmt.Sprintf("status %d, %v", code, err))
						mu.Unlock()
						kill("intake failed")
					}
					return
				}
				mu.Lock()
				accepted = append(accepted, b)
				mu.Unlock()
				if c := count.Add(1); (c >= threshold+100 && b.critical) || c >= threshold+200 {
					kill("no page arrived while the noise grew")
				}
			}
		})
	}
	storm := make(chan struct{})
	go func() { wg.Wait(); close(storm) }()
	select {
	case <-storm:
	case <-time.After(deadline):
		kill("timeout")
		<-storm
		t.Fatalf("intake accepted only %d batches in %s", count.Load(), deadline)
	}
	s.kill(t) // waits until the process is gone (SIGKILL again is harmless)
	// kills[i] is when the process of receiver life i was dead: what it
	// recorded was recorded before.
	kills := []time.Time{time.Now()}
	rcv.onPage.Store(nil)
	if len(postErrs) > 0 {
		t.Fatalf("intake failed before the kill: %v\n%s", postErrs, s.logTail())
	}
	var critical []batch
	alertsSent := 0
	for _, b := range accepted {
		alertsSent += len(b.fingerprints)
		if b.critical {
			critical = append(critical, b)
		}
	}
	before, _ := rcv.snapshot()
	t.Logf("killed (%s) after %d accepted batches (%d alerts, %d critical); %d pages had arrived",
		killReason, len(accepted), alertsSent, len(critical), len(before))

	// Restart on the same database.
	rcv.life.Store(1)
	s2 := startServer(t, dsn, flags...)

	// 1. Every alert answered 2xx is stored.
	criticalAlerts := map[string]batch{} // alert ID → its batch
	for _, b := range accepted {
		got := findAlerts(t, s2, admin, b.groupKey)
		for _, fp := range b.fingerprints {
			a := got[fp]
			if a == nil {
				t.Errorf("alert %s of batch %s was answered 2xx before the crash but is missing after it", fp, b.groupKey)
				continue
			}
			if b.critical {
				criticalAlerts[a.ID] = b
			}
		}
	}
	criticalAlerts[seed.ID] = batch{groupKey: "seed-" + run, fingerprints: []string{seedFP}, critical: true}
	if t.Failed() {
		t.FailNow()
	}

	// 2. Paging resumes: every critical alert gets its step-1 page, or
	// its page is held by the killed process's message lease.
	stranded := waitPaged(t, rcv, peek, killedOwner, criticalAlerts)

	// 3. Step 2 is scheduled for every alert whose step 1 fired, once
	// every step-1 job the killed server was running is taken over.
	waitStepOneDone(t, peek, killedOwner, s2, criticalAlerts)
	checkStepTwo(t, peek, criticalAlerts)

	// 4. Nothing is delivered twice.
	checkNoDuplicates(t, s2, admin, rcv, kills, seedMsg)
	held := heldBy(t, peek, killedOwner)
	t.Logf("%d messages are still claimed by the killed server (sent again with the same ID when the lease ends)", len(held))
	// The messages the killed server still held (on SQLite the restart
	// released them; on PostgreSQL this waits out their 10 s lease) are
	// sent again with the same ID: check the delivery rules once more.
	waitRedelivered(t, rcv, peek, held)
	checkNoDuplicates(t, s2, admin, rcv, kills, seedMsg)

	// 5. Step 2 fires after a restart: kill the restarted server too,
	// make the step-2 jobs due (as if it had stayed down until their
	// time) and start it again.
	s2.kill(t)
	kills = append(kills, time.Now())
	moved := makeStepsDue(t, dsn, time.Now())
	rcv.life.Store(2)
	s3 := startServer(t, dsn, flags...)
	waitStepTwo(t, rcv, peek, s3, moved, criticalAlerts)
	checkNoDuplicates(t, s3, admin, rcv, kills, seedMsg)

	ds, problems := rcv.snapshot()
	for _, p := range problems {
		t.Errorf("receiver: %s", p)
	}
	byLife := make([]int, 3)
	for _, d := range ds {
		byLife[d.life]++
	}
	t.Logf("pages: %d from the killed server, %d after the restart (%d held by the killed server's lease), %d after the second restart",
		byLife[0], byLife[1], len(stranded), byLife[2])
	if t.Failed() {
		t.Logf("killed server log (tail):\n%s", s.logTail())
	}
}

// crashAdmin bootstraps the first admin, as the server's announcement says.
func crashAdmin(t *testing.T, s *server) *user {
	t.Helper()
	r := runBinary(t, nil, "bootstrap", "--db", s.dsn, "--handle", "admin", "--name", "Alex Admin", "--email", "admin@example.com")
	m := exportToken.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("bootstrap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return &user{handle: "admin", token: m[1]}
}

// crashSetup sets up paging (setupPaging) with a two-step escalation
// policy, and a service "noise" that pages nobody with an Alertmanager
// integration. It returns the two integration keys.
func crashSetup(t *testing.T, s *server, admin *user, receiverURL string) (noiseKey, pagesKey string) {
	t.Helper()
	pagesKey = setupPaging(t, s, admin, receiverURL, 2)
	s.apiOK(t, admin, "POST", "/api/v1/services", map[string]any{"slug": "noise", "name": "Noise"}, http.StatusCreated, nil)
	var ig struct{ Key string }
	s.apiOK(t, admin, "POST", "/api/v1/services/noise/integrations", map[string]any{"kind": "alertmanager", "name": "am"},
		http.StatusCreated, &ig)
	return ig.Key, pagesKey
}

// setupPaging creates, through the API, the person paged ("pager", with
// a webhook contact method to the receiver), an escalation policy
// "checkout" of steps steps paging them, each with the shortest step delay
// a policy allows (1m), and a service "checkout" on which critical alerts
// declare a SEV2 incident and page by that policy, with an Alertmanager
// integration. It returns the integration's key.
func setupPaging(t *testing.T, s *server, admin *user, receiverURL string, steps int) string {
	t.Helper()
	s.apiOK(t, admin, "POST", "/api/v1/users", map[string]any{"handle": "pager", "name": "Pat Pager",
		"email": "pager@example.com", "role": "responder"}, http.StatusCreated, nil)
	s.apiOK(t, admin, "POST", "/api/v1/users/pager/contact-methods", map[string]any{"channel": "webhook",
		"address": receiverURL}, http.StatusCreated, nil)
	step := map[string]any{"targets": []any{map[string]any{"type": "user", "id": "pager"}}, "delay": "1m"}
	policy := make([]any, steps)
	for i := range policy {
		policy[i] = step
	}
	s.apiOK(t, admin, "POST", "/api/v1/escalation-policies", map[string]any{"name": "checkout", "steps": policy},
		http.StatusCreated, nil)
	s.apiOK(t, admin, "POST", "/api/v1/services", map[string]any{"slug": "checkout", "name": "Checkout"},
		http.StatusCreated, nil)
	s.apiOK(t, admin, "PUT", "/api/v1/services/checkout/paging", map[string]any{"escalation_policy": "checkout",
		"alert_rules": []any{map[string]any{"min_severity": "critical", "action": "declare", "incident_severity": "SEV2"}}},
		http.StatusOK, nil)
	var ig struct{ Key string }
	s.apiOK(t, admin, "POST", "/api/v1/services/checkout/integrations", map[string]any{"kind": "alertmanager", "name": "am"},
		http.StatusCreated, &ig)
	return ig.Key
}

// findAlerts returns the alerts of a group, by fingerprint.
func findAlerts(t *testing.T, s *server, u *user, groupKey string) map[string]*warroom.Alert {
	t.Helper()
	resp, raw := s.api(t, u, "GET", "/api/v1/alerts?limit=1000&group_key="+url.QueryEscape(groupKey), "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list alerts of group %s: %d %s", groupKey, resp.StatusCode, raw)
	}
	var list struct{ Alerts []*warroom.Alert }
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]*warroom.Alert{}
	for _, a := range list.Alerts {
		out[a.DedupKey] = a
	}
	return out
}

// messageView is an outbox message as GET .../messages shows it.
type messageView struct {
	ID             string
	Kind           string
	State          string
	ThrottleReason string `json:"throttle_reason"`
	History        []struct {
		At      time.Time
		Outcome string
	}
}

func alertMessages(t *testing.T, s *server, u *user, alertID string) []messageView {
	t.Helper()
	resp, raw := s.api(t, u, "GET", "/api/v1/alerts/"+alertID+"/messages", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("messages of alert %s: %d %s", alertID, resp.StatusCode, raw)
	}
	var list struct{ Messages []messageView }
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	return list.Messages
}

// waitSent waits until the alert's page is recorded as sent, and returns
// its message ID.
func waitSent(t *testing.T, s *server, u *user, alertID string) string {
	t.Helper()
	end := time.Now().Add(pageDeadline)
	for {
		for _, m := range alertMessages(t, s, u, alertID) {
			if m.Kind == "page" && m.State == "sent" {
				return m.ID
			}
		}
		if time.Now().After(end) {
			t.Fatalf("the seed alert's page was not sent within %s: %+v\n%s", pageDeadline, alertMessages(t, s, u, alertID), s.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitPaged polls until every critical alert was paged at the receiver
// or has its page held by the killed process ("sending", leased to it),
// and returns the latter. Anything else by the deadline fails.
func waitPaged(t *testing.T, rcv *pageReceiver, peek *dbPeek, killedOwner string, criticals map[string]batch) map[string]bool {
	t.Helper()
	end := time.Now().Add(pageDeadline)
	for {
		paged := rcv.pagedAlerts()
		held := map[string]bool{}
		for _, m := range peek.messages(t) {
			if m.state == "sending" && m.owner == killedOwner {
				held[m.alertID] = true
			}
		}
		var missing []string
		stranded := map[string]bool{}
		for id := range criticals {
			switch {
			case paged[id]:
			case held[id]:
				stranded[id] = true
			default:
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return stranded
		}
		if time.Now().After(end) {
			slices.Sort(missing)
			t.Fatalf("%d of %d critical alerts answered 2xx got no page within %s after the restart: %v",
				len(missing), len(criticals), pageDeadline, missing)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitStepOneDone waits until the step-1 escalation job of every critical
// alert is done. An alert can be paged while its step-1 job is not done:
// a step stores its pages and hands them to the sender before the
// commit that completes it, so a kill between the two leaves the page
// delivered and the job claimed by the killed server. That job runs again
// once its lease ends (on SQLite at once: the restart released it), and
// running it again pages nobody twice (it derives the same message IDs;
// TestStepTakenOverAfterItsPageWentOutPagesOnce in package paging forces
// that interleaving; checkNoDuplicates checks it here). So such a job is
// waited for, and must then have been completed by the restarted server.
func waitStepOneDone(t *testing.T, peek *dbPeek, killedOwner string, s *server, criticals map[string]batch) {
	t.Helper()
	end := time.Now().Add(pageDeadline)
	takenOver := map[string]bool{} // job IDs the killed server held, not done
	for {
		var waiting []string
		for _, j := range peek.escalationJobs(t) {
			if _, ok := criticals[j.AlertID]; !ok || j.Step != 0 || j.Round != 0 {
				continue
			}
			if j.owner == killedOwner && !j.done {
				takenOver[j.id] = true
			}
			if takenOver[j.id] && j.done && ownerPID(j.owner) != s.cmd.Process.Pid {
				t.Errorf("alert %s: the step-1 job the killed server held was completed by %q, not by the restarted server (pid %d)",
					j.AlertID, j.owner, s.cmd.Process.Pid)
			}
			if !j.done {
				waiting = append(waiting, fmt.Sprintf("%s (alert %s, owner %q)", j.id, j.AlertID, j.owner))
			}
		}
		if len(waiting) == 0 {
			t.Logf("%d step-1 jobs were held by the killed server, not done, and were taken over by the restarted one", len(takenOver))
			return
		}
		if time.Now().After(end) {
			t.Fatalf("within %s of the restart, %d step-1 escalation jobs are not done: %v", pageDeadline, len(waiting), waiting)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkStepTwo requires, for every critical alert whose step 1 fired, an
// escalation.step job for step 2 (index 1) in the database, due one step
// delay (1m) after step 1 was due, and pending unless that time passed.
func checkStepTwo(t *testing.T, peek *dbPeek, criticals map[string]batch) {
	t.Helper()
	jobs := map[string]map[int]escalationJob{}
	for _, j := range peek.escalationJobs(t) {
		if j.Round != 0 {
			continue
		}
		if jobs[j.AlertID] == nil {
			jobs[j.AlertID] = map[int]escalationJob{}
		}
		jobs[j.AlertID][j.Step] = j
	}
	pending := 0
	for id := range criticals {
		first, ok1 := jobs[id][0]
		second, ok2 := jobs[id][1]
		switch {
		case !ok1 || !first.done:
			t.Errorf("alert %s was paged but its step-1 escalation job is %+v (found %v)", id, first, ok1)
		case !ok2:
			t.Errorf("alert %s: step 1 fired but no step-2 escalation job is scheduled", id)
		case !second.NextAt.Equal(first.NextAt.Add(time.Minute)):
			t.Errorf("alert %s: step 2 is due at %s, want one step delay after step 1 (%s)", id, second.NextAt, first.NextAt.Add(time.Minute))
		case !second.done && second.owner == "":
			pending++
		case !second.done:
			// Claimed: only possible once due.
			if time.Now().Before(second.NextAt) {
				t.Errorf("alert %s: the step-2 job was claimed by %s before it was due", id, second.owner)
			}
		case time.Now().Before(second.NextAt):
			t.Errorf("alert %s: the step-2 job ran before it was due at %s", id, second.NextAt)
		}
	}
	t.Logf("step-2 escalation jobs: %d pending for %d critical alerts", pending, len(criticals))
}

// heldBy returns the messages still claimed ("sending") by owner.
func heldBy(t *testing.T, peek *dbPeek, owner string) []string {
	t.Helper()
	var ids []string
	for _, m := range peek.messages(t) {
		if m.state == "sending" && m.owner == owner {
			ids = append(ids, m.id)
		}
	}
	return ids
}

// waitRedelivered waits until each held message was delivered by the
// restarted server, or left the "sending" state without a delivery.
func waitRedelivered(t *testing.T, rcv *pageReceiver, peek *dbPeek, held []string) {
	t.Helper()
	end := time.Now().Add(5 * time.Minute)
	for {
		ds, _ := rcv.snapshot()
		again := map[string]bool{}
		for _, d := range ds {
			if d.life > 0 {
				again[d.id] = true
			}
		}
		state := map[string]string{}
		for _, m := range peek.messages(t) {
			state[m.id] = m.state
		}
		var waiting []string
		for _, id := range held {
			if !again[id] && (state[id] == "sending" || state[id] == "pending") {
				waiting = append(waiting, id)
			}
		}
		if len(waiting) == 0 {
			t.Logf("the %d messages held by the killed server were sent again after their lease", len(held))
			return
		}
		if time.Now().After(end) {
			t.Fatalf("messages held by the killed server were not sent again within 5m: %v", waiting)
		}
		time.Sleep(time.Second)
	}
}

// checkNoDuplicates holds the delivery rules (rule 4 at the top of the
// file). kills[i] is when the server process of receiver life i was dead.
func checkNoDuplicates(t *testing.T, s *server, admin *user, rcv *pageReceiver, kills []time.Time, seedMsg string) {
	t.Helper()
	ds, _ := rcv.snapshot()
	byID := map[string]map[int]int{} // message ID → life → deliveries
	alertOf := map[string]string{}
	for _, d := range ds {
		if byID[d.id] == nil {
			byID[d.id] = map[int]int{}
		}
		byID[d.id][d.life]++
		alertOf[d.id] = d.alertID
	}
	total := 0
	for _, n := range byID[seedMsg] {
		total += n
	}
	if total != 1 {
		t.Errorf("the seed page %s, recorded as sent before the kill, arrived %d times (by process life: %v); want exactly once",
			seedMsg, total, byID[seedMsg])
	}
	redelivered := 0
	for id, lives := range byID {
		for life, n := range lives {
			if n > 1 {
				t.Errorf("message %s (alert %s) was delivered %d times by one server process (life %d; all: %v)",
					id, alertOf[id], n, life, lives)
			}
		}
		if len(lives) < 2 {
			continue
		}
		// At-least-once across a crash: allowed only if no process had
		// recorded it as sent before the process that delivered it again
		// started, that is before the kill of the one before.
		for _, m := range alertMessages(t, s, admin, alertOf[id]) {
			if m.ID != id {
				continue
			}
			for _, h := range m.History {
				for life := range lives {
					if h.Outcome == "sent" && life > 0 && h.At.Before(kills[life-1]) {
						t.Errorf("message %s was recorded as sent at %s, before server process %d was killed, and delivered again by process %d",
							id, h.At, life-1, life)
					}
				}
			}
		}
		redelivered++
	}
	if redelivered > 0 {
		t.Logf("%d messages in flight at a kill were delivered again with the same ID (at-least-once)", redelivered)
	}
	// One page message per alert and escalation step: a job run again
	// derives the same message, so two messages for one step are a step
	// that paged twice.
	type alertStep struct{ alertID, why string }
	msgs := map[alertStep]map[string]bool{}
	for _, d := range ds {
		if d.kind != "page" {
			continue
		}
		k := alertStep{d.alertID, d.why}
		if msgs[k] == nil {
			msgs[k] = map[string]bool{}
		}
		msgs[k][d.id] = true
	}
	for k, ids := range msgs {
		if len(ids) > 1 {
			t.Errorf("alert %s was paged by %d different messages for one step (%s): %v", k.alertID, len(ids), k.why, ids)
		}
	}
}

// waitStepTwo waits until every critical alert got its step-2 page, no
// message is left to send and the step-2 jobs made due (moved) have run.
// Then it requires of each of them that the restarted server s ran it and
// that its alert's step-2 page arrived exactly once, from s (receiver
// life 2), never from an earlier process.
func waitStepTwo(t *testing.T, rcv *pageReceiver, peek *dbPeek, s *server, moved []escalationJob, criticals map[string]batch) {
	t.Helper()
	end := time.Now().Add(pageDeadline)
	for {
		ds, _ := rcv.snapshot()
		paged := map[string]bool{}
		for _, d := range ds {
			if d.kind == "page" && d.step == 2 {
				paged[d.alertID] = true
			}
		}
		var missing, busy, running []string
		for id := range criticals {
			if !paged[id] {
				missing = append(missing, id)
			}
		}
		for _, m := range peek.messages(t) {
			if m.state == "pending" || m.state == "sending" {
				busy = append(busy, m.id+" "+m.state)
			}
		}
		done := map[string]bool{}
		for _, j := range peek.escalationJobs(t) {
			done[j.id] = j.done
		}
		for _, j := range moved {
			if !done[j.id] {
				running = append(running, j.id)
			}
		}
		if len(missing)+len(busy)+len(running) == 0 {
			break
		}
		if time.Now().After(end) {
			slices.Sort(missing)
			t.Fatalf("within %s of the second restart: %d of %d critical alerts got no step-2 page %v; messages still to send: %v; step-2 jobs not run: %v\n%s",
				pageDeadline, len(missing), len(criticals), missing, busy, running, s.logTail())
		}
		time.Sleep(200 * time.Millisecond)
	}
	jobs := map[string]escalationJob{}
	for _, j := range peek.escalationJobs(t) {
		jobs[j.id] = j
	}
	ds, _ := rcv.snapshot()
	movedCritical := 0
	for _, j := range moved {
		// An alert may have been stored and paged though its 2xx was lost
		// in the kill: its step 2 is checked too, though not required.
		if _, ok := criticals[j.AlertID]; ok {
			movedCritical++
		}
		if j.Step != 1 || j.Round != 0 {
			t.Errorf("escalation job %s still to run after step 1 is for alert %s step index %d round %d; want step 2 (index 1) round 0",
				j.id, j.AlertID, j.Step, j.Round)
			continue
		}
		if pid := ownerPID(jobs[j.id].owner); pid != s.cmd.Process.Pid {
			t.Errorf("alert %s: step 2 was run by %q, not by the restarted server (pid %d)", j.AlertID, jobs[j.id].owner, s.cmd.Process.Pid)
		}
		var lives []int
		for _, d := range ds {
			if d.alertID == j.AlertID && d.kind == "page" && d.step == 2 {
				lives = append(lives, d.life)
			}
		}
		if !slices.Equal(lives, []int{2}) {
			t.Errorf("alert %s: its step-2 page arrived from server processes %v (by receiver life); want once, from the restarted one (2)",
				j.AlertID, lives)
		}
	}
	t.Logf("%d step-2 jobs were due when the server restarted: %d of the %d critical alerts answered 2xx (the others had run step 2 already)",
		len(moved), movedCritical, len(criticals))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomInt(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic(err)
	}
	return v.Int64()
}
