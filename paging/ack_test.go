package paging_test

import (
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/paging"
	"github.com/warroom/warroom/sqlstore"
)

func TestAckTokens(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1")
	expires := t0.Add(time.Hour)
	link := p.pager.AckLink("alert-1", "user-1", expires)
	if !strings.HasPrefix(link, "https://warroom.example.com/ack/") {
		t.Fatalf("link = %s", link)
	}
	tok := ackToken(t, link)

	alertID, userID, err := p.pager.VerifyAckToken(tok, t0)
	if err != nil || alertID != "alert-1" || userID != "user-1" {
		t.Fatalf("VerifyAckToken = %q, %q, %v", alertID, userID, err)
	}
	payload, sig, _ := strings.Cut(tok, ".")
	other, err := paging.New(withSecret(p.cfg, []byte("another-secret-0123456789")))
	if err != nil {
		t.Fatal(err)
	}
	forged := ackToken(t, other.AckLink("alert-1", "user-1", expires))
	for name, c := range map[string]struct {
		token string
		now   time.Time
		code  string
	}{
		"expired":          {tok, expires, warroom.EInvalid},
		"tampered payload": {strings.Replace(payload, payload[:4], "AAAA", 1) + "." + sig, t0, warroom.EForbidden},
		"tampered sig":     {payload + "." + strings.Repeat("A", len(sig)), t0, warroom.EForbidden},
		// The last of 43 characters carries 2 bits of the MAC and 4 unused
		// ones: flipping an unused bit must not leave the link valid.
		"unused sig bits": {payload + "." + sig[:len(sig)-1] + string(flipLowBit(sig[len(sig)-1])), t0, warroom.EForbidden},
		"other secret":    {forged, t0, warroom.EForbidden},
		"no signature":    {payload, t0, warroom.EInvalid},
		"empty":           {"", t0, warroom.EInvalid},
	} {
		if _, _, err := p.pager.VerifyAckToken(c.token, c.now); warroom.ErrorCode(err) != c.code {
			t.Errorf("%s: err = %v, want code %s", name, err, c.code)
		}
	}
}

func withSecret(c paging.Config, secret []byte) paging.Config {
	c.AckSecret = secret
	return c
}

// A person declares an incident from an alert that waits, and attaches
// another alert to it; both are on the timeline.
func TestDeclareFromAlertAndAttach(t *testing.T) {
	w := newWorld(t, false)
	p := w.start("proc-1")
	who := p.people()
	p.reach(who.ada, contactRule{warroom.ContactWebhook, w.hook.url("/ada"), 0})
	_, in := p.service("search", p.policy("primary", 2, 5*time.Minute, users(who.ada)))
	first := p.alert(in, "trigger", "fp-1", "warning", "Index lag")
	second := p.alert(in, "trigger", "fp-2", "error", "Query errors", func(a *warroom.Alert) { a.GroupKey = "g" })
	p.drain()

	w.clock.Advance(time.Minute)
	res, err := p.pager.DeclareFromAlert(w.ctx, who.bob.Actor(), first, warroom.SEV3)
	if err != nil {
		t.Fatal(err)
	}
	inc := res.Incident
	if inc.FirstResponderID != who.bob.ID || inc.AcknowledgedAt == nil {
		t.Fatalf("incident = %+v", inc)
	}
	if a := p.findAlert(first); a.IncidentID != inc.ID || a.Status != warroom.AlertAcknowledged {
		t.Fatalf("alert = %+v", a)
	}
	if _, err := p.pager.DeclareFromAlert(w.ctx, who.bob.Actor(), first, warroom.SEV3); warroom.ErrorCode(err) != warroom.EConflict {
		t.Errorf("declaring twice: %v", err)
	}

	if _, err := p.pager.AttachAlerts(w.ctx, who.bob.Actor(), inc.Ref, []string{second}, warroom.Idempotency{}); err != nil {
		t.Fatal(err)
	}
	if a := p.findAlert(second); a.IncidentID != inc.ID {
		t.Fatalf("attached alert = %+v", a)
	}
	if _, err := p.pager.AttachAlerts(w.ctx, who.bob.Actor(), inc.Ref, []string{second}, warroom.Idempotency{}); warroom.ErrorCode(err) != warroom.EConflict {
		t.Errorf("attaching twice: %v", err)
	}
	if _, err := p.pager.AttachAlerts(w.ctx, who.bob.Actor(), inc.Ref, []string{"nope"}, warroom.Idempotency{}); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Errorf("attaching an unknown alert: %v", err)
	}
	viewer := p.user("vic", warroom.AccountViewer)
	if _, err := p.pager.AttachAlerts(w.ctx, viewer.Actor(), inc.Ref, []string{second}, warroom.Idempotency{}); warroom.ErrorCode(err) != warroom.EForbidden {
		t.Errorf("viewer attaching: %v", err)
	}
	tl := p.timeline(inc.ID)
	if !containsLine(tl, "Declared from alert", "Index lag") || !containsLine(tl, "Attached 1 alert(s):", "Query errors") {
		t.Errorf("timeline:\n%s", strings.Join(tl, "\n"))
	}

	// The incident is acknowledged, so both alerts' escalations stop.
	before := len(w.hook.to("/ada"))
	w.clock.Advance(time.Hour)
	p.drain()
	if after := len(w.hook.to("/ada")); after != before {
		t.Errorf("ada paged %d more times after the declaration", after-before)
	}
}

// The reactor schedules the announcement, the 10-minute check and the
// major check with the declaration, in its transaction; keys keep them
// unique.
func TestReactor(t *testing.T) {
	policy := warroom.DefaultPolicy()
	events, err := warroom.Declare("inc-1", warroom.Declaration{Number: 1, Title: "x", Severity: warroom.SEV3},
		warroom.Actor{UserID: "u1", Role: warroom.AccountResponder}, t0, policy)
	if err != nil {
		t.Fatal(err)
	}
	inc, err := warroom.Fold(events)
	if err != nil {
		t.Fatal(err)
	}
	jobs := paging.Reactor(policy)(inc, events)
	got := map[string]time.Time{}
	for _, j := range jobs {
		if j.Key == "" || j.Queue != paging.QueueDefault {
			t.Errorf("job %+v", j)
		}
		got[j.Kind] = j.DueAt
	}
	want := map[string]time.Time{
		paging.KindIncidentAnnounce: t0,
		paging.KindIncidentICCheck:  t0.Add(10 * time.Minute),
		paging.KindIncidentMajor:    t0.Add(4*time.Hour + time.Microsecond),
	}
	if len(got) != len(want) {
		t.Fatalf("jobs = %v", got)
	}
	for k, v := range want {
		if !got[k].Equal(v) {
			t.Errorf("%s due %v, want %v", k, got[k], v)
		}
	}
	note := []warroom.Event{{IncidentID: "inc-1", Seq: inc.Version + 1, Type: warroom.EntryNote, Text: "hi", At: t0}}
	if jobs := paging.Reactor(policy)(inc, note); len(jobs) != 0 {
		t.Errorf("a note scheduled %v", jobs)
	}
}

// The store schedules paging's jobs and wakes its workers by these names.
func TestNamesMatchTheStore(t *testing.T) {
	for _, c := range [][2]string{
		{paging.KindAlertRoute, sqlstore.JobAlertRoute},
		{paging.KindAlertAcknowledged, sqlstore.JobAlertAcknowledged},
		{paging.KindAlertResolved, sqlstore.JobAlertResolved},
		{paging.JobsChannel, sqlstore.ChannelJobs},
		{paging.MessagesChannel, sqlstore.ChannelMessages},
	} {
		if c[0] != c[1] {
			t.Errorf("paging says %q, the store %q", c[0], c[1])
		}
	}
}

// flipLowBit returns the base64url character whose value differs from c's
// in the lowest bit.
func flipLowBit(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return alphabet[strings.IndexByte(alphabet, c)^1]
}
