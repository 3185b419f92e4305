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
	"strings"
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
//  3. The step-2 escalation (the policy's minimum step delay is 1m, too
//     long to wait for) is scheduled: a pending escalation.step job for
//     step 2 exists in the database, due one step delay after step 1.
//  4. No message is delivered twice: within one process's life a
//     message ID (X-Warroom-Delivery) arrives at most once; an ID that
//     arrives from both processes is tolerated only if the killed process
//     had not recorded it as sent (delivery is at-least-once across a
//     crash mid-send, with the same ID for receivers to drop); one
//     recorded as sent before the kill (checked on one page) never comes
//     again. And every critical alert is paged by one message, not
//     several: jobs the restarted process ran again did not page twice.
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
	crashMaxCritical = 24 // critical alerts (each pages once per step; webhook throttle is 60/min)
	pageDeadline     = 2 * time.Minute
)

// batch is one webhook the test posted and the server answered 2xx.
type batch struct {
	groupKey     string
	fingerprints []string
	critical     bool
	sentAt       time.Time // when the request went out: nothing of it can happen earlier
}

func runCrash(t *testing.T, dsn string) {
	secret := randomHex(16)
	flags := []string{"--webhook-secret", secret, "--ack-secret", randomHex(16)}
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
	seedSent := time.Now()
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
		killedAt   time.Time
		killReason string
		postErrs   []string
	)
	// kill only sends SIGKILL (it runs on the senders' and the receiver's
	// goroutines); the test waits for the process below.
	kill := func(why string) {
		killOnce.Do(func() {
			killing.Store(true)
			killedAt, killReason = time.Now(), why
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
				b.sentAt = time.Now()
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
	rcv.restarted.Store(true)
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
	criticalAlerts[seed.ID] = batch{groupKey: "seed-" + run, fingerprints: []string{seedFP}, critical: true, sentAt: seedSent}
	if t.Failed() {
		t.FailNow()
	}

	// 2. Paging resumes: every critical alert gets its step-1 page, or
	// its page is held by the killed process's message lease.
	stranded := waitPaged(t, rcv, peek, killedOwner, criticalAlerts)

	// 3. Step 2 is scheduled for every alert whose step 1 fired.
	checkStepTwo(t, peek, criticalAlerts)

	// 4. Nothing is delivered twice.
	checkNoDuplicates(t, s2, admin, rcv, killedAt, seedMsg, criticalAlerts)
	held := heldBy(t, peek, killedOwner)
	t.Logf("%d messages are still claimed by the killed server (sent again with the same ID when the lease ends)", len(held))
	// The messages the killed server still held (on SQLite the restart
	// released them; on PostgreSQL this waits out their 10 s lease) are
	// sent again with the same ID: check the delivery rules once more.
	waitRedelivered(t, rcv, peek, held)
	checkNoDuplicates(t, s2, admin, rcv, killedAt, seedMsg, criticalAlerts)

	ds, problems := rcv.snapshot()
	for _, p := range problems {
		t.Errorf("receiver: %s", p)
	}
	after := 0
	for _, d := range ds {
		if d.afterRestart {
			after++
		}
	}
	t.Logf("pages: %d from the killed server, %d after the restart; %d held by the killed server's lease", len(ds)-after, after, len(stranded))
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

// crashSetup creates, through the API, the person paged (a webhook
// contact method to the receiver), a two-step escalation policy with the
// shortest step delay a policy allows (1m), a service "checkout" paging
// it with critical alerts declaring incidents, a service "noise" that
// pages nobody, and an Alertmanager integration on each. It returns the
// two integration keys.
func crashSetup(t *testing.T, s *server, admin *user, receiverURL string) (noiseKey, pagesKey string) {
	t.Helper()
	must := func(method, path string, body any, want int, out any) {
		t.Helper()
		resp, raw := s.api(t, admin, method, path, "", body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
	}
	must("POST", "/api/v1/users", map[string]any{"handle": "pager", "name": "Pat Pager", "email": "pager@example.com",
		"role": "responder"}, http.StatusCreated, nil)
	must("POST", "/api/v1/users/pager/contact-methods", map[string]any{"channel": "webhook", "address": receiverURL},
		http.StatusCreated, nil)
	step := map[string]any{"targets": []any{map[string]any{"type": "user", "id": "pager"}}, "delay": "1m"}
	must("POST", "/api/v1/escalation-policies", map[string]any{"name": "crash", "steps": []any{step, step}},
		http.StatusCreated, nil)
	for _, slug := range []string{"checkout", "noise"} {
		must("POST", "/api/v1/services", map[string]any{"slug": slug, "name": strings.ToUpper(slug[:1]) + slug[1:]},
			http.StatusCreated, nil)
	}
	must("PUT", "/api/v1/services/checkout/paging", map[string]any{"escalation_policy": "crash",
		"alert_rules": []any{map[string]any{"min_severity": "critical", "action": "declare", "incident_severity": "SEV2"}}},
		http.StatusOK, nil)
	var ig struct{ Key string }
	must("POST", "/api/v1/services/noise/integrations", map[string]any{"kind": "alertmanager", "name": "am"}, http.StatusCreated, &ig)
	noiseKey = ig.Key
	must("POST", "/api/v1/services/checkout/integrations", map[string]any{"kind": "alertmanager", "name": "am"}, http.StatusCreated, &ig)
	return noiseKey, ig.Key
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
	ID      string
	Kind    string
	State   string
	History []struct {
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
			if d.afterRestart {
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

// checkNoDuplicates holds the delivery rules (see the top of the file).
func checkNoDuplicates(t *testing.T, s *server, admin *user, rcv *pageReceiver, killedAt time.Time, seedMsg string, criticals map[string]batch) {
	t.Helper()
	ds, _ := rcv.snapshot()
	type seen struct{ before, after int }
	byID := map[string]*seen{}
	alertOf := map[string]string{}
	for _, d := range ds {
		c := byID[d.id]
		if c == nil {
			c = &seen{}
			byID[d.id] = c
		}
		if d.afterRestart {
			c.after++
		} else {
			c.before++
		}
		alertOf[d.id] = d.alertID
	}
	if c := byID[seedMsg]; c == nil || c.before+c.after != 1 {
		t.Errorf("the seed page %s, recorded as sent before the kill, arrived %+v times; want exactly once", seedMsg, c)
	}
	redelivered := 0
	for id, c := range byID {
		switch {
		case c.before > 1 || c.after > 1:
			t.Errorf("message %s (alert %s) was delivered %d times by the killed server and %d times by the restarted one",
				id, alertOf[id], c.before, c.after)
		case c.before == 1 && c.after == 1:
			// At-least-once across the crash: allowed only if the killed
			// server had not recorded it as sent.
			for _, m := range alertMessages(t, s, admin, alertOf[id]) {
				if m.ID != id {
					continue
				}
				for _, h := range m.History {
					if h.Outcome == "sent" && h.At.Before(killedAt) {
						t.Errorf("message %s was recorded as sent before the kill and delivered again after the restart", id)
					}
				}
			}
			redelivered++
		}
	}
	if redelivered > 0 {
		t.Logf("%d messages in flight at the kill were delivered again with the same ID (at-least-once)", redelivered)
	}
	// One page message per alert for step 1: step 2 cannot fire before one
	// step delay after the alert was sent, so any two messages for an
	// alert that arrived before then are a job that paged twice.
	msgs := map[string]map[string]bool{}
	for _, d := range ds {
		b, ok := criticals[d.alertID]
		if !ok || d.kind != "page" || !d.at.Before(b.sentAt.Add(time.Minute)) {
			continue
		}
		if msgs[d.alertID] == nil {
			msgs[d.alertID] = map[string]bool{}
		}
		msgs[d.alertID][d.id] = true
	}
	for alertID, ids := range msgs {
		if len(ids) > 1 {
			t.Errorf("alert %s was paged for step 1 by %d different messages: %v", alertID, len(ids), ids)
		}
	}
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
