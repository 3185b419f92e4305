package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// privateAlerts is a private incident with alerts and pages: warroom
// declared INC-1 for a critical alert ("declared") and paged bob, who is
// on call for the service; ada made it private and renamed it, and
// attached a warning alert ("attached"). A third alert ("free") belongs
// to no incident, and bob declared a public incident, INC-2.
type privateAlerts struct {
	*pagingEnv
	inc, public               *warroom.Incident
	declared, attached, free  string // alert IDs
	secrets                   []string
	privateAt                 int // pages sent before the incident became private
	ghostAlert, ghostIncident string
}

func newPrivateAlerts(t *testing.T, db string) *privateAlerts {
	p := &privateAlerts{pagingEnv: newPagingEnvOn(t, db)}
	ok[warroom.EscalationPolicy](t, p.do("root", "POST", "/api/v1/escalation-policies", map[string]any{"name": "oncall", "steps": []map[string]any{
		{"targets": []map[string]string{{"type": "user", "id": "bob"}}, "delay": "5m"}}, "repeat": 3}), 201)
	ok[warroom.ServicePaging](t, p.do("root", "PUT", "/api/v1/services/checkout/paging", map[string]any{"escalation_policy": "oncall",
		"alert_rules": []map[string]any{{"min_severity": "critical", "action": "declare", "incident_severity": "SEV2"}}}), 200)

	p.declared = p.fire("api-5xx", "API 5xx above 5%", "critical").ID
	p.settle()
	a := p.alert(p.declared)
	if a.IncidentID == "" {
		t.Fatalf("the critical alert declared no incident: %+v", a)
	}
	ref := ok[warroom.IncidentView](t, p.do("ada", "GET", "/api/v1/incidents/"+a.IncidentID, nil), 200).Incident.Ref
	p.privateAt = len(p.sent.messages())
	ok[warroom.CommandResult](t, p.do("ada", "POST", "/api/v1/incidents/"+ref+"/privacy", map[string]any{"private": true, "reason": "security"}), 200)
	p.inc = ok[warroom.CommandResult](t, p.do("ada", "PATCH", "/api/v1/incidents/"+ref, map[string]string{"title": "Credential stuffing on checkout"}), 200).Incident
	if !p.inc.Private || !p.inc.IsParticipant(p.users["ada"].ID) || p.inc.IsParticipant(p.users["bob"].ID) {
		t.Fatalf("the private incident: %+v", p.inc)
	}
	p.attached = p.fire("login-fail", "Login failures high", "warning").ID
	p.settle() // bob is paged for it before it is attached
	ok[warroom.CommandResult](t, p.do("ada", "POST", "/api/v1/incidents/"+ref+"/alerts", map[string]any{"alert_ids": []string{p.attached}}), 200)
	p.free = p.fire("disk", "Disk almost full", "warning").ID
	p.public = p.declare("bob", "Public outage", false)
	p.settle()
	p.secrets = []string{p.inc.ID, p.inc.Ref, p.inc.Title, "API 5xx above 5%", "Login failures high"}
	p.ghostAlert, p.ghostIncident = "01960000-0000-7000-8000-000000000000", "INC-99"
	return p
}

// settle runs the due jobs and sends the due pages.
func (p *privateAlerts) settle() {
	p.t.Helper()
	p.runJobs()
	if _, err := p.pager.Sender().SendDue(context.Background(), notify.QueuePage); err != nil {
		p.t.Fatal(err)
	}
}

// written is what a refused request must not change.
type written struct {
	timelines        [2]int
	alerts           []warroom.AlertStatus
	acknowledged     bool
	nextJob, nextMsg [2]time.Time
}

func (p *privateAlerts) written() written {
	p.t.Helper()
	ctx := context.Background()
	w := written{timelines: [2]int{p.timelineLen(p.inc.ID), p.timelineLen(p.public.ID)}}
	for _, id := range []string{p.declared, p.attached, p.free} {
		a, err := p.store.FindAlert(ctx, id)
		if err != nil {
			p.t.Fatal(err)
		}
		w.alerts = append(w.alerts, a.Status)
	}
	inc, err := p.store.FindIncident(ctx, p.inc.ID)
	if err != nil {
		p.t.Fatal(err)
	}
	w.acknowledged = inc.AcknowledgedAt != nil
	for i, q := range []string{paging.QueueDefault, paging.QueuePage} {
		if w.nextJob[i], _, err = p.store.NextDue(ctx, q); err != nil {
			p.t.Fatal(err)
		}
	}
	for i, q := range []string{notify.QueuePage, notify.QueueChat} {
		if w.nextMsg[i], _, err = p.store.NextMessageDue(ctx, q); err != nil {
			p.t.Fatal(err)
		}
	}
	return w
}

// leaks returns the secrets of the private incident found in a text, but
// for those the caller named itself.
func (p *privateAlerts) leaks(text, asked string) []string {
	var out []string
	for _, s := range p.secrets {
		if strings.Contains(text, s) && !strings.Contains(asked, s) {
			out = append(out, s)
		}
	}
	return out
}

// alertCall is a request to an alert, message or page route.
type alertCall struct {
	name, method, path string
	body               any
	// want is the status for each caller; for bob and vic, the answer
	// must be word for word that of the same request about an alert or
	// incident that does not exist, unless hidden is false (the route
	// answers them, showing nothing of the private incident).
	want   map[string]int
	hidden bool
	// shows, for ada and root, is what the answer must contain: the
	// private incident is there for them.
	shows func(p *privateAlerts) string
}

// TestPrivateIncidentAlerts calls every alert, message and page route
// as a responder outside a private incident (bob, on call for its
// service), a viewer (vic), a participant (ada) and an admin (root).
// bob's and vic's answers (bodies and headers) name nothing of the
// incident (ID, ref, title, its alerts' summaries) and equal, word for
// word, what an unknown alert or incident gets; nothing they are refused
// writes anything (timelines, alert statuses, jobs, pages). ada and root
// see and act on it all. The pages bob gets after it became private name
// no incident, and his one-click link still acknowledges the alert.
func TestPrivateIncidentAlerts(t *testing.T) {
	eachStore(t, func(t *testing.T, db string) {
		p := newPrivateAlerts(t, db)
		var decl, att, free string = p.declared, p.attached, p.free
		ref, id := p.inc.Ref, p.inc.ID
		ids := func(a ...string) map[string]any { return map[string]any{"alert_ids": a} }
		calls := []alertCall{
			{name: "list", method: "GET", path: "/api/v1/alerts", want: map[string]int{"bob": 200, "vic": 200, "ada": 200, "root": 200},
				shows: func(p *privateAlerts) string { return p.declared }},
			{name: "list of the service", method: "GET", path: "/api/v1/alerts?service=checkout&status=firing", want: map[string]int{"bob": 200, "vic": 200, "ada": 200, "root": 200},
				shows: func(p *privateAlerts) string { return p.inc.ID }},
			{name: "list by ref", method: "GET", path: "/api/v1/alerts?incident=" + ref, hidden: true,
				want: map[string]int{"bob": 400, "vic": 400, "ada": 200, "root": 200}, shows: func(p *privateAlerts) string { return p.attached }},
			{name: "list by ID", method: "GET", path: "/api/v1/alerts?incident=" + id, hidden: true,
				want: map[string]int{"bob": 400, "vic": 400, "ada": 200, "root": 200}, shows: func(p *privateAlerts) string { return p.attached }},
			{name: "show declared", method: "GET", path: "/api/v1/alerts/" + decl, hidden: true,
				want: map[string]int{"bob": 404, "vic": 404, "ada": 200, "root": 200}, shows: func(p *privateAlerts) string { return p.inc.ID }},
			{name: "show attached", method: "GET", path: "/api/v1/alerts/" + att, hidden: true,
				want: map[string]int{"bob": 404, "vic": 404, "ada": 200, "root": 200}, shows: func(p *privateAlerts) string { return p.inc.ID }},
			{name: "show free", method: "GET", path: "/api/v1/alerts/" + free,
				want: map[string]int{"bob": 200, "vic": 200, "ada": 200, "root": 200}},
			{name: "messages of declared", method: "GET", path: "/api/v1/alerts/" + decl + "/messages", hidden: true,
				want: map[string]int{"bob": 404, "vic": 404, "ada": 200, "root": 200}, shows: func(p *privateAlerts) string { return "[CRITICAL] " + p.inc.Ref }},
			{name: "messages of attached", method: "GET", path: "/api/v1/alerts/" + att + "/messages", hidden: true,
				want: map[string]int{"bob": 404, "vic": 404, "ada": 200, "root": 200}, shows: func(p *privateAlerts) string { return "bob@example.com" }},
			{name: "messages of free", method: "GET", path: "/api/v1/alerts/" + free + "/messages",
				want: map[string]int{"bob": 200, "vic": 200, "ada": 200, "root": 200}},
			{name: "messages of the incident", method: "GET", path: "/api/v1/incidents/" + ref + "/messages", hidden: true,
				want: map[string]int{"bob": 404, "vic": 404, "ada": 200, "root": 200}, shows: func(p *privateAlerts) string { return p.inc.ID }},
			{name: "acknowledge", method: "POST", path: "/api/v1/alerts/" + att + "/acknowledge", hidden: true,
				want: map[string]int{"bob": 404, "vic": 403, "ada": 200, "root": 200}, shows: func(p *privateAlerts) string { return p.inc.Ref }},
			{name: "declare from", method: "POST", path: "/api/v1/alerts/" + decl + "/declare", hidden: true,
				want: map[string]int{"bob": 404, "vic": 403, "ada": 409, "root": 409}, shows: func(p *privateAlerts) string { return p.inc.Ref }},
			{name: "attach to another incident", method: "POST", path: "/api/v1/incidents/" + p.public.Ref + "/alerts", body: ids(decl), hidden: true,
				want: map[string]int{"bob": 400, "vic": 403, "ada": 409, "root": 409}, shows: func(p *privateAlerts) string { return p.inc.Ref }},
			{name: "attach to it", method: "POST", path: "/api/v1/incidents/" + ref + "/alerts", body: ids(free), hidden: true,
				want: map[string]int{"bob": 404, "vic": 403, "ada": 200, "root": 409}, shows: func(p *privateAlerts) string { return p.inc.Ref }},
		}

		// (a) and (b): nothing shown, nothing written.
		before := p.written()
		for _, who := range []string{"bob", "vic"} {
			for _, c := range calls {
				r := p.do(who, c.method, c.path, c.body)
				if r.Status != c.want[who] {
					t.Errorf("%s, %s: %s, want %d", who, c.name, r, c.want[who])
					continue
				}
				asked := c.path + marshal(t, c.body)
				if l := p.leaks(string(r.Body)+headerText(r.Header), asked); len(l) > 0 {
					t.Errorf("%s, %s: the answer shows %q: %s", who, c.name, l, r)
				}
				if c.hidden {
					p.wantSameAsMissing(who, c, r)
				}
				if c.want[who] == 200 && strings.HasPrefix(c.path, "/api/v1/alerts?") || c.path == "/api/v1/alerts" {
					for _, a := range ok[alertList](t, r, 200).Alerts {
						if a.ID == decl || a.ID == att || a.IncidentID != "" {
							t.Errorf("%s, %s: lists an alert of the private incident: %+v", who, c.name, a)
						}
					}
				}
			}
		}
		p.runJobs() // a write would have scheduled work (a timeline note)
		if after := p.written(); !equalWritten(before, after) {
			t.Fatalf("refused requests wrote:\nbefore %+v\nafter  %+v", before, after)
		}

		// The pages bob got since the incident became private are about
		// the alerts alone.
		p.clock.Advance(5 * time.Minute)
		p.settle()
		var link string
		pagesToBob := 0
		for _, m := range p.sent.messages()[p.privateAt:] {
			if m.Destination != "bob@example.com" || m.Kind != notify.KindPage {
				continue
			}
			pagesToBob++
			if m.AlertID == decl {
				link = m.AckURL
			}
			text := m.Subject + m.Text + m.IncidentID + marshal(t, m.Fields)
			if l := p.leaks(text, "API 5xx above 5%|Login failures high"); len(l) > 0 {
				t.Errorf("a page to bob shows %q: %+v", l, m)
			}
		}
		if pagesToBob < 3 || link == "" {
			t.Fatalf("%d pages to bob since the incident became private; link %q", pagesToBob, link)
		}

		// bob's one-click link is his credential: it acknowledges the
		// alert, naming no incident, and leaves the incident alone.
		token := ackToken(t, link)
		for _, method := range []string{"GET", "POST"} {
			r := p.do("", method, "/ack/"+token, nil)
			if r.Status != 200 || !strings.Contains(string(r.Body), "API 5xx above 5%") {
				t.Fatalf("%s ack link: %s", method, r)
			}
			if l := p.leaks(string(r.Body)+headerText(r.Header), "API 5xx above 5%"); len(l) > 0 {
				t.Errorf("%s ack link shows %q: %s", method, l, r)
			}
		}
		if a, _ := p.store.FindAlert(context.Background(), decl); a.Status != warroom.AlertAcknowledged {
			t.Fatalf("the ack link did not acknowledge the alert: %+v", a)
		}
		p.runJobs()
		if inc, _ := p.store.FindIncident(context.Background(), id); inc.AcknowledgedAt != nil || inc.IsParticipant(p.users["bob"].ID) {
			t.Fatalf("bob's link acted on the private incident: %+v", inc)
		}

		// (c) and (d): they see it, and their changes happen.
		for _, who := range []string{"ada", "root"} {
			for _, c := range calls {
				r := p.do(who, c.method, c.path, c.body)
				if r.Status != c.want[who] {
					t.Errorf("%s, %s: %s, want %d", who, c.name, r, c.want[who])
					continue
				}
				if c.shows != nil && !strings.Contains(string(r.Body), c.shows(p)) {
					t.Errorf("%s, %s: the answer does not show %q: %s", who, c.name, c.shows(p), r)
				}
			}
		}
		if a, _ := p.store.FindAlert(context.Background(), att); a.Status != warroom.AlertAcknowledged {
			t.Fatalf("ada's acknowledgement: %+v", a)
		}
		if a, _ := p.store.FindAlert(context.Background(), free); a.IncidentID != id {
			t.Fatalf("ada's attach: %+v", a)
		}
	})
}

// wantSameAsMissing asserts that r is word for word the answer to c about
// an alert and an incident that do not exist.
func (p *privateAlerts) wantSameAsMissing(who string, c alertCall, r resp) {
	p.t.Helper()
	ghost := strings.NewReplacer(p.declared, p.ghostAlert, p.attached, p.ghostAlert, p.inc.ID, p.ghostIncident, p.inc.Ref, p.ghostIncident)
	var body any
	if c.body != nil {
		body = ghost.Replace(marshal(p.t, c.body))
	}
	m := p.do(who, c.method, ghost.Replace(c.path), body)
	back := strings.NewReplacer(p.ghostAlert, idIn(c, p.declared, p.attached), p.ghostIncident, refIn(c, p.inc))
	if m.Status != r.Status || back.Replace(string(m.Body)) != string(r.Body) {
		p.t.Errorf("%s, %s: %s\nbut about nothing: %s", who, c.name, r, m)
	}
}

// idIn returns which of the alerts c names.
func idIn(c alertCall, ids ...string) string {
	asked := c.path + marshal(nil, c.body)
	for _, id := range ids {
		if strings.Contains(asked, id) {
			return id
		}
	}
	return ""
}

// refIn returns how c names the incident: by ID or by ref.
func refIn(c alertCall, inc *warroom.Incident) string {
	if strings.Contains(c.path, inc.ID) {
		return inc.ID
	}
	return inc.Ref
}

func marshal(t *testing.T, v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil && t != nil {
		t.Fatal(err)
	}
	return string(b)
}

func headerText(h http.Header) string {
	var b strings.Builder
	for k, vs := range h {
		b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	return b.String()
}

func equalWritten(a, b written) bool {
	return a.timelines == b.timelines && slices.Equal(a.alerts, b.alerts) && a.acknowledged == b.acknowledged &&
		a.nextJob == b.nextJob && a.nextMsg == b.nextMsg
}
