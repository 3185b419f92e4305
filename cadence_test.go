package warroom_test

import (
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// TestCadenceOf measures cadences on an injected clock: the next
// deadline, the reminder, late, missed deadlines and the longest gap.
func TestCadenceOf(t *testing.T) {
	m := time.Minute
	major := func() *warroom.Incident {
		d := decl()
		d.Severity = warroom.SEV2
		d.Impact.CustomerImpact = true
		r := declareRun(t, d, ada, at(0), warroom.DefaultPolicy())
		return r.inc
	}
	cp := warroom.DefaultCadencePolicy(warroom.DefaultPolicy())
	type want struct {
		state            string
		due              time.Duration // from base; -1: none
		sent, missed     int
		gap              time.Duration
		missedAt         time.Duration // -1: none
		interval         time.Duration
		remindBeforeDue5 bool
	}
	cases := []struct {
		name string
		inc  func() *warroom.Incident
		aud  warroom.Audience
		sent []time.Duration
		now  time.Duration
		want want
	}{
		{"nothing due yet", major, warroom.AudienceInternal, nil, 10 * m, want{warroom.CadenceOK, 30 * m, 0, 0, 10 * m, -1, 30 * m, true}},
		{"reminded within the lead", major, warroom.AudienceInternal, nil, 25 * m, want{warroom.CadenceDue, 30 * m, 0, 0, 25 * m, -1, 30 * m, true}},
		{"late from the deadline's instant", major, warroom.AudienceInternal, nil, 30 * m, want{warroom.CadenceLate, 60 * m, 0, 1, 30 * m, 30 * m, 30 * m, true}},
		{"two deadlines missed", major, warroom.AudienceInternal, nil, 75 * m, want{warroom.CadenceLate, 90 * m, 0, 2, 75 * m, 60 * m, 30 * m, true}},
		{"an update on the deadline is on time", major, warroom.AudienceInternal, []time.Duration{30 * m}, 40 * m, want{warroom.CadenceOK, 60 * m, 1, 0, 30 * m, -1, 30 * m, true}},
		{"a late update counts the miss and resets the clock", major, warroom.AudienceInternal, []time.Duration{40 * m}, 50 * m, want{warroom.CadenceOK, 70 * m, 1, 1, 40 * m, -1, 30 * m, true}},
		{"longest gap between updates", major, warroom.AudienceInternal, []time.Duration{10 * m, 35 * m, 50 * m}, 55 * m, want{warroom.CadenceOK, 80 * m, 3, 0, 25 * m, -1, 30 * m, true}},
		{"customers hourly", major, warroom.AudienceCustomers, nil, 61 * m, want{warroom.CadenceLate, 120 * m, 0, 1, 61 * m, 60 * m, 60 * m, true}},
		{"executives have no cadence", major, warroom.AudienceExecutives, nil, 61 * m, want{warroom.CadenceOff, -1, 0, 0, 61 * m, -1, 0, false}},
		{"minor incident: no internal cadence", func() *warroom.Incident { return newRun(t).inc }, warroom.AudienceInternal, nil, 90 * m,
			want{warroom.CadenceOff, -1, 0, 0, 90 * m, -1, 0, false}},
		{"no customers affected: no customer cadence", func() *warroom.Incident { return newRun(t).inc }, warroom.AudienceCustomers, nil, 90 * m,
			want{warroom.CadenceOff, -1, 0, 0, 90 * m, -1, 0, false}},
		{"recovered: the cadence stops, the record stays", func() *warroom.Incident {
			inc := major()
			r := &run{t: t, p: warroom.DefaultPolicy(), inc: inc}
			r.do(ada, warroom.ChangeStage{Stage: warroom.StageRecovered}, at(45*m))
			return r.inc
		}, warroom.AudienceInternal, []time.Duration{20 * m}, 200 * m, want{warroom.CadenceOff, -1, 1, 0, 25 * m, -1, 30 * m, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sent []time.Time
			for _, s := range c.sent {
				sent = append(sent, at(s))
			}
			st := warroom.CadenceOf(c.inc(), cp, c.aud, sent, time.Time{}, at(c.now))
			w := c.want
			if st.State != w.state || st.Sent != w.sent || st.Missed != w.missed || time.Duration(st.LongestGap) != w.gap ||
				time.Duration(st.Interval) != w.interval {
				t.Errorf("got state %s sent %d missed %d gap %s interval %s, want %+v", st.State, st.Sent, st.Missed,
					time.Duration(st.LongestGap), time.Duration(st.Interval), w)
			}
			switch {
			case w.due < 0 && st.DueAt != nil:
				t.Errorf("due at %s, want none", st.DueAt)
			case w.due >= 0 && (st.DueAt == nil || !st.DueAt.Equal(at(w.due))):
				t.Errorf("due at %v, want %s", st.DueAt, at(w.due))
			case w.due >= 0 && !st.RemindAt.Equal(at(w.due-5*m)):
				t.Errorf("remind at %s, want 5m before the deadline", st.RemindAt)
			}
			switch {
			case w.missedAt < 0 && st.MissedAt != nil:
				t.Errorf("missed at %s, want none", st.MissedAt)
			case w.missedAt >= 0 && (st.MissedAt == nil || !st.MissedAt.Equal(at(w.missedAt))):
				t.Errorf("missed at %v, want %s", st.MissedAt, at(w.missedAt))
			}
		})
	}
}

// TestCadenceOwner: the Communications Lead owes the updates, the IC
// while nobody holds that role, else the Incident Owner.
func TestCadenceOwner(t *testing.T) {
	r := newRun(t)
	if id, role := warroom.CadenceOwner(r.inc); id != ada.UserID || role != warroom.RoleIncidentOwner {
		t.Errorf("without IC or CL: %s %s", id, role)
	}
	r.do(ada, warroom.AssignRole{Role: warroom.RoleIncidentCommander, UserID: bob.UserID}, at(time.Minute))
	if id, role := warroom.CadenceOwner(r.inc); id != bob.UserID || role != warroom.RoleIncidentCommander {
		t.Errorf("with an IC: %s %s", id, role)
	}
	r.do(bob, warroom.AssignRole{Role: warroom.RoleCommunicationsLead, UserID: cy.UserID}, at(2*time.Minute))
	if id, role := warroom.CadenceOwner(r.inc); id != cy.UserID || role != warroom.RoleCommunicationsLead {
		t.Errorf("with a CL: %s %s", id, role)
	}
}

// TestCadencePolicyBySeverity: a severity's cadence replaces the
// defaults; the customer one still needs customers affected.
func TestCadencePolicyBySeverity(t *testing.T) {
	cp := warroom.DefaultCadencePolicy(warroom.DefaultPolicy())
	cp.BySeverity = map[warroom.Severity]warroom.Cadence{warroom.SEV3: {Internal: time.Hour, Customer: 2 * time.Hour}}
	r := newRun(t)
	if c := cp.For(r.inc); c.Internal != time.Hour || c.Customer != 0 {
		t.Errorf("SEV3 without customers: %+v", c)
	}
	r.do(ada, warroom.ChangeImpact{Impact: warroom.Impact{Customers: []string{"Acme"}}}, at(time.Minute))
	if c := cp.For(r.inc); c.Internal != time.Hour || c.Customer != 2*time.Hour {
		t.Errorf("SEV3 with a customer: %+v", c)
	}
	r.do(ada, warroom.ChangeSeverity{Severity: warroom.SEV1}, at(2*time.Minute))
	if c := cp.For(r.inc); c.Internal != 30*time.Minute || c.Customer != time.Hour {
		t.Errorf("SEV1 (major, defaults): %+v", c)
	}
	bad := cp
	bad.BySeverity = map[warroom.Severity]warroom.Cadence{warroom.SEV1: {Internal: time.Second}}
	if err := bad.Validate(); warroom.ErrorCode(err) != warroom.EInvalid {
		t.Errorf("a 1s cadence: %v", err)
	}
}

// TestNextCadenceCheck: the reminder first, then the deadline.
func TestNextCadenceCheck(t *testing.T) {
	d, rm := at(30*time.Minute), at(25*time.Minute)
	st := warroom.CadenceStatus{DueAt: &d, RemindAt: &rm}
	if n, _ := warroom.NextCadenceCheck(st, at(time.Minute)); !n.Equal(rm) {
		t.Errorf("before the reminder: %s", n)
	}
	if n, _ := warroom.NextCadenceCheck(st, at(26*time.Minute)); !n.Equal(d) {
		t.Errorf("after the reminder: %s", n)
	}
	if _, ok := warroom.NextCadenceCheck(warroom.CadenceStatus{}, at(0)); ok {
		t.Error("an off cadence has a next check")
	}
}

// TestCadenceSince: a cadence that starts to apply later (the incident
// became major, customers became affected) counts from then, so that
// deadlines before it are not missed.
func TestCadenceSince(t *testing.T) {
	m := time.Minute
	cp := warroom.DefaultCadencePolicy(warroom.DefaultPolicy())
	r := newRun(t)
	if since := warroom.CadenceSince(r.events, cp, warroom.AudienceInternal); !since.IsZero() {
		t.Fatalf("minor incident: internal cadence since %s", since)
	}
	r.do(ada, warroom.ChangeSeverity{Severity: warroom.SEV1}, at(120*m))
	r.do(ada, warroom.ChangeImpact{Impact: warroom.Impact{CustomerImpact: true}}, at(130*m))
	in := warroom.CadenceSince(r.events, cp, warroom.AudienceInternal)
	cu := warroom.CadenceSince(r.events, cp, warroom.AudienceCustomers)
	if !in.Equal(at(120*m)) || !cu.Equal(at(130*m)) {
		t.Fatalf("since: internal %s, customers %s", in, cu)
	}
	st := warroom.CadenceOf(r.inc, cp, warroom.AudienceInternal, nil, in, at(140*m))
	if st.Missed != 0 || st.State != warroom.CadenceOK || !st.DueAt.Equal(at(150*m)) || time.Duration(st.LongestGap) != 20*m {
		t.Errorf("internal after becoming major: %+v", st)
	}
	if st := warroom.CadenceOf(r.inc, cp, warroom.AudienceInternal, nil, in, at(151*m)); st.Missed != 1 || st.State != warroom.CadenceLate {
		t.Errorf("first deadline after becoming major: %+v", st)
	}
}
