package httpapi

import (
	"strings"
	"testing"

	"github.com/warroom/warroom"
)

// timelineText is an incident's timeline as one string, read by who.
func (p *pagingEnv) timelineText(who, ref string) string {
	p.t.Helper()
	events := ok[map[string][]warroom.Event](p.t, p.do(who, "GET", "/api/v1/incidents/"+ref+"/timeline", nil), 200)["events"]
	var b strings.Builder
	for _, e := range events {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

// POST /api/v1/alerts/{id}/declare splits out an alert attached to an
// incident that is not its own: it moves to the new incident, both
// timelines say so, and declaring again is refused. An alert of a private
// incident is split out only by someone who may see that incident; the
// new incident does not name it.
func TestDeclareFromAttachedAlertSplitsItOut(t *testing.T) {
	p := newPagingEnv(t)
	disk := p.fire("disk", "Disk full", "warning")
	key := p.fire("keys", "Leaked keys", "warning")
	// Declared first: this env's incident IDs ("inc-0002") read as refs.
	inc := p.declare("ada", "Checkout slow", false)
	secret := p.declare("ada", "Key leak", true)
	ok[warroom.CommandResult](t, p.do("ada", "POST", "/api/v1/incidents/"+inc.Ref+"/alerts", map[string]any{"alert_ids": []string{disk.ID}}), 200)
	ok[warroom.CommandResult](t, p.do("ada", "POST", "/api/v1/incidents/"+secret.Ref+"/alerts", map[string]any{"alert_ids": []string{key.ID}}), 200)

	res := ok[warroom.CommandResult](t, p.do("bob", "POST", "/api/v1/alerts/"+disk.ID+"/declare", nil), 201)
	split := res.Incident
	if a := p.alert(disk.ID); a.IncidentID != split.ID || a.Status != warroom.AlertAcknowledged {
		t.Fatalf("the split alert: %+v, want it in %s, acknowledged", a, split.Ref)
	}
	if tl := p.timelineText("ada", split.Ref); !strings.Contains(tl, "split out of "+inc.Ref) {
		t.Errorf("new incident's timeline:\n%s", tl)
	}
	if tl := p.timelineText("ada", inc.Ref); !strings.Contains(tl, "split out into "+split.Ref+" by bob") {
		t.Errorf("old incident's timeline:\n%s", tl)
	}

	// A private incident's alert: to an outsider, as an alert that does
	// not exist (warroom.FindVisibleAlert).
	body := wantErr(t, p.do("bob", "POST", "/api/v1/alerts/"+key.ID+"/declare", nil), 404, warroom.ENotFound, "")
	if strings.Contains(body, secret.Ref) || strings.Contains(body, secret.ID) {
		t.Errorf("an outsider's refusal names the private incident: %s", body)
	}
	if a := p.alert(key.ID); a.IncidentID != secret.ID {
		t.Fatalf("an outsider moved a private incident's alert: %+v", a)
	}
	res = ok[warroom.CommandResult](t, p.do("ada", "POST", "/api/v1/alerts/"+key.ID+"/declare", nil), 201)
	if tl := p.timelineText("ada", res.Incident.Ref); strings.Contains(tl, secret.Ref) || !strings.Contains(tl, "split out of another incident") {
		t.Errorf("the incident split out of a private one:\n%s", tl)
	}
	// Last: a refused declaration still uses up an ID of this env's
	// sequence, after which IDs and refs no longer match.
	wantErr(t, p.do("bob", "POST", "/api/v1/alerts/"+disk.ID+"/declare", nil), 409, warroom.EConflict, "")
}
