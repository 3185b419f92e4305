package httpapi

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// TestAlertsAPI lists and shows alerts, acknowledges them, declares an
// incident from one and attaches another.
func TestAlertsAPI(t *testing.T) {
	p := newPagingEnv(t)
	disk := p.fire("disk", "Disk full", "warning")
	queue := p.fire("queue", "Queue backlog", "error")
	if r := p.post("/api/v1/integrations/webhook/"+genericKey, `{"dedup_key":"queue","title":"Queue backlog","severity":"error"}`); r.Status != 202 {
		t.Fatal(r)
	}
	got := p.alert(queue.ID)
	if got.Duplicates != 1 || got.DuplicateReason == "" || got.Severity != "error" || got.ServiceID != p.service.ID {
		t.Fatalf("duplicate not counted: %+v", got)
	}

	for _, c := range []struct {
		query string
		want  int
	}{{"", 2}, {"service=checkout", 2}, {"service=" + p.service.ID, 2}, {"status=firing", 2}, {"status=resolved", 0}, {"group_key=nope", 0}, {"limit=1", 1}} {
		if l := ok[alertList](t, p.do("vic", "GET", "/api/v1/alerts?"+c.query, nil), 200); len(l.Alerts) != c.want {
			t.Errorf("?%s: %d alerts, want %d", c.query, len(l.Alerts), c.want)
		}
	}
	wantErr(t, p.do("vic", "GET", "/api/v1/alerts?status=on", nil), 400, warroom.EInvalid, "status")
	wantErr(t, p.do("vic", "GET", "/api/v1/alerts?service=nope", nil), 400, warroom.EInvalid, "service")
	wantErr(t, p.do("vic", "GET", "/api/v1/alerts?incident=INC-99", nil), 400, warroom.EInvalid, "incident")
	wantErr(t, p.do("vic", "GET", "/api/v1/alerts?limit=5000", nil), 400, warroom.EInvalid, "limit")
	wantErr(t, p.do("vic", "GET", "/api/v1/alerts?sort=asc", nil), 400, warroom.EInvalid, "sort")
	wantErr(t, p.do("vic", "GET", "/api/v1/alerts/nope", nil), 404, warroom.ENotFound, "")

	// Acknowledge: responders, not viewers; again changes nothing.
	wantErr(t, p.do("vic", "POST", "/api/v1/alerts/"+disk.ID+"/acknowledge", nil), 403, warroom.EForbidden, "")
	ack := ok[ackAnswer](t, p.do("ada", "POST", "/api/v1/alerts/"+disk.ID+"/acknowledge", nil), 200)
	if ack.Alert.Status != warroom.AlertAcknowledged || ack.Alert.AcknowledgedAt == nil || ack.Message == "" {
		t.Fatalf("ack: %+v", ack)
	}
	p.clock.Advance(time.Minute)
	again := ok[ackAnswer](t, p.do("bob", "POST", "/api/v1/alerts/"+disk.ID+"/acknowledge", map[string]any{}), 200)
	if !again.Alert.AcknowledgedAt.Equal(*ack.Alert.AcknowledgedAt) {
		t.Fatalf("second ack moved the time: %+v", again.Alert)
	}
	wantErr(t, p.do("ada", "POST", "/api/v1/alerts/"+disk.ID+"/acknowledge", map[string]any{"why": 1}), 400, warroom.EInvalid, "why")

	// Declare from an alert: the caller is first responder.
	wantErr(t, p.do("vic", "POST", "/api/v1/alerts/"+queue.ID+"/declare", nil), 403, warroom.EForbidden, "")
	wantErr(t, p.do("ada", "POST", "/api/v1/alerts/"+queue.ID+"/declare", map[string]string{"severity": "SEV9"}), 400, warroom.EInvalid, "severity")
	res := ok[warroom.CommandResult](t, p.do("ada", "POST", "/api/v1/alerts/"+queue.ID+"/declare", map[string]string{"severity": "sev2"}), 201)
	inc := res.Incident
	if inc.Severity != warroom.SEV2 || inc.Title != "Queue backlog" {
		t.Fatalf("declared %+v", inc)
	}
	if a := p.alert(queue.ID); a.IncidentID != inc.ID || a.Status != warroom.AlertAcknowledged {
		t.Fatalf("the alert after declare: %+v", a)
	}
	wantErr(t, p.do("ada", "POST", "/api/v1/alerts/"+queue.ID+"/declare", nil), 409, warroom.EConflict, "")
	if l := ok[alertList](t, p.do("vic", "GET", "/api/v1/alerts?incident="+inc.Ref, nil), 200); len(l.Alerts) != 1 || l.Alerts[0].ID != queue.ID {
		t.Fatalf("?incident: %+v", l)
	}

	// Attach another alert.
	path := "/api/v1/incidents/" + inc.Ref + "/alerts"
	wantErr(t, p.do("vic", "POST", path, map[string]any{"alert_ids": []string{disk.ID}}), 403, warroom.EForbidden, "")
	wantErr(t, p.do("ada", "POST", path, map[string]any{"alert_ids": []string{}}), 400, warroom.EInvalid, "alert_ids")
	wantErr(t, p.do("ada", "POST", path, map[string]any{"alert_ids": []string{"nope"}}), 400, warroom.EInvalid, "alert_ids")
	wantErr(t, p.do("ada", "POST", "/api/v1/incidents/INC-99/alerts", map[string]any{"alert_ids": []string{disk.ID}}), 404, warroom.ENotFound, "")
	att := ok[warroom.CommandResult](t, p.do("bob", "POST", path, map[string]any{"alert_ids": []string{disk.ID}}), 200)
	if len(att.Events) != 1 || !strings.Contains(att.Events[0].Text, "Disk full") {
		t.Fatalf("attach: %+v", att.Events)
	}
	if a := p.alert(disk.ID); a.IncidentID != inc.ID {
		t.Fatalf("attached alert %+v", a)
	}
	wantErr(t, p.do("bob", "POST", path, map[string]any{"alert_ids": []string{disk.ID}}), 409, warroom.EConflict, "")

	// Messages: none were sent, but the list answers.
	if l := ok[messageList](t, p.do("vic", "GET", "/api/v1/incidents/"+inc.Ref+"/messages", nil), 200); l.Messages == nil {
		t.Fatalf("messages: %+v", l)
	}
}

// TestAlertPagingFlow runs the whole path: an alert comes in, the engine
// routes it (declaring an incident by the service's rules) and pages the
// escalation policy's user by their rules; the page carries a working
// ack link, its delivery is visible with its attempts, and acknowledging
// the incident through the API stops paging.
func TestAlertPagingFlow(t *testing.T) {
	p := newPagingEnv(t)
	ctx := context.Background()
	mail := ok[warroom.ContactMethod](t, p.do("ada", "POST", "/api/v1/users/ada/contact-methods", map[string]string{"channel": "email", "address": "ada@example.com"}), 201)
	ok[ruleList](t, p.do("ada", "PUT", "/api/v1/users/ada/notification-rules", map[string]any{"rules": []map[string]any{{"contact_method_id": mail.ID, "delay": "0s"}}}), 200)
	ok[warroom.EscalationPolicy](t, p.do("root", "POST", "/api/v1/escalation-policies", map[string]any{"name": "ada-first", "steps": []map[string]any{
		{"targets": []map[string]string{{"type": "user", "id": "ada"}}, "delay": "5m"}}, "repeat": 3}), 201)
	ok[warroom.ServicePaging](t, p.do("root", "PUT", "/api/v1/services/checkout/paging", map[string]any{"escalation_policy": "ada-first"}), 200)

	a := p.fire("api-5xx", "API 5xx above 5%", "critical")
	if p.woken.get() == 0 {
		t.Fatal("the engine was not woken")
	}
	p.runJobs()
	if _, err := p.pager.Sender().SendDue(ctx, notify.QueuePage); err != nil {
		t.Fatal(err)
	}
	a = p.alert(a.ID)
	if a.IncidentID == "" {
		t.Fatalf("the critical alert declared no incident: %+v", a)
	}
	var page *notify.Message
	for _, m := range p.sent.messages() {
		if m.Kind == notify.KindPage && m.Destination == "ada@example.com" {
			page = &m
		}
	}
	if page == nil || page.AckURL == "" {
		t.Fatalf("no page with an ack link reached ada: %+v", p.sent.messages())
	}
	msgs := ok[messageList](t, p.do("vic", "GET", "/api/v1/alerts/"+a.ID+"/messages", nil), 200)
	if len(msgs.Messages) == 0 {
		t.Fatal("the alert's messages are empty")
	}
	m := msgs.Messages[0]
	if m.State != notify.StateSent || m.Channel != notify.ChannelEmail || m.Destination != "ada@example.com" || len(m.History) != 1 ||
		m.History[0].Outcome != paging.OutcomeSent || m.UserID != p.users["ada"].ID {
		t.Fatalf("message %+v", m)
	}
	raw := string(p.do("vic", "GET", "/api/v1/alerts/"+a.ID+"/messages", nil).Body)
	if strings.Contains(raw, page.AckURL) || strings.Contains(raw, "webhook-secret") {
		t.Fatalf("the messages answer shows a credential: %s", raw)
	}

	// The incident was declared by warroom itself, so it waits for a
	// person: acknowledging it acknowledges its alert too.
	res := ok[warroom.CommandResult](t, p.do("bob", "POST", "/api/v1/incidents/"+a.IncidentID+"/acknowledge", nil), 200)
	if res.Incident.AcknowledgedAt == nil {
		t.Fatalf("incident not acknowledged: %+v", res.Incident)
	}
	if got := p.alert(a.ID); got.Status != warroom.AlertAcknowledged {
		t.Fatalf("the incident's alert after its acknowledgement: %+v", got)
	}
	before := len(p.sent.messages())
	p.clock.Advance(10 * time.Minute)
	p.runJobs()
	if _, err := p.pager.Sender().SendDue(ctx, notify.QueuePage); err != nil {
		t.Fatal(err)
	}
	for _, m := range p.sent.messages()[before:] {
		if m.Kind == notify.KindPage {
			t.Fatalf("paged after the acknowledgement: %+v", m)
		}
	}
}

// TestListAlertsFilters: severity, text and offset select and page the
// list; bad values are named.
func TestListAlertsFilters(t *testing.T) {
	p := newPagingEnv(t)
	p.fire("db", "Database down", "critical")
	p.fire("disk", "Disk 91% full", "warning")
	p.fire("disk2", "Disk 95% full", "warning")
	list := func(query string) []string {
		t.Helper()
		got := ok[alertList](t, p.do("ada", "GET", "/api/v1/alerts?"+query, nil), 200)
		var out []string
		for _, a := range got.Alerts {
			out = append(out, a.DedupKey)
		}
		return out
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"severity=critical", []string{"db"}},
		{"severity=WARNING", []string{"disk2", "disk"}},
		{"q=disk", []string{"disk2", "disk"}},
		{"q=95%25", []string{"disk2"}},
		{"q=disk&limit=1&offset=1", []string{"disk"}},
	} {
		if got := list(c.query); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}
	for query, field := range map[string]string{"severity=loud": "severity", "offset=-1": "offset", "limit=1001": "limit"} {
		r := p.do("ada", "GET", "/api/v1/alerts?"+query, nil)
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: %s", query, r)
		}
	}
}

// TestAttachAlertsIdempotencyKey: attaching alerts is an incident command
// like the others, so a retry with its Idempotency-Key answers the first
// result (it used to answer 409 "already attached", which a client that
// lost the first answer reads as a failure), and a key used for another
// request is refused before any alert is attached.
func TestAttachAlertsIdempotencyKey(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		p := newPagingEnvOn(t, db)
		disk := p.fire("disk", "Disk full", "warning")
		queue := p.fire("queue", "Queue backlog", "warning")
		inc := p.declare("ada", "Storage", false)
		path := "/api/v1/incidents/" + inc.Ref + "/alerts"
		key := []string{"Idempotency-Key", "attach-1"}

		first := p.do("bob", "POST", path, map[string]any{"alert_ids": []string{disk.ID}}, key...)
		att := ok[warroom.CommandResult](t, first, 200)
		if first.Header.Get("Idempotent-Replayed") != "" || len(att.Events) != 1 {
			t.Fatalf("first attach: %s", first)
		}
		again := p.do("bob", "POST", path, map[string]any{"alert_ids": []string{disk.ID}}, key...)
		replayed := ok[warroom.CommandResult](t, again, 200)
		if again.Header.Get("Idempotent-Replayed") != "true" || len(replayed.Events) != 1 || replayed.Events[0].Seq != att.Events[0].Seq {
			t.Fatalf("retry: %s", again)
		}

		other := p.do("bob", "POST", path, map[string]any{"alert_ids": []string{queue.ID}}, key...)
		wantMsg(t, wantErr(t, other, 409, warroom.EConflict, ""), `Idempotency-Key "attach-1" was already used for a different request`)
		if a := p.alert(queue.ID); a.IncidentID != "" {
			t.Fatalf("a refused key attached the alert: %+v", a)
		}
		// Without a key a retry is still a conflict that changes nothing.
		wantErr(t, p.do("bob", "POST", path, map[string]any{"alert_ids": []string{disk.ID}}), 409, warroom.EConflict, "")
		if notes := strings.Count(p.timelineText("ada", inc.Ref), "Attached 1 alert(s)"); notes != 1 {
			t.Fatalf("%d attach notes on the timeline, want 1", notes)
		}
	})
}
