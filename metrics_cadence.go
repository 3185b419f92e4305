package warroom

import (
	"sort"
	"time"
)

// CadenceRow is how one audience's update cadence was kept over the
// incidents declared in one month: an incident kept it when no deadline
// passed without an update (CadenceOf).
type CadenceRow struct {
	Month           string   `json:"month"`
	Audience        Audience `json:"audience"`
	Incidents       int      `json:"incidents"` // incidents that owed the audience updates
	Kept            int      `json:"kept"`
	Missed          int      `json:"missed"` // incidents with at least one deadline missed
	UpdatesSent     int      `json:"updates_sent"`
	DeadlinesMissed int      `json:"deadlines_missed"`
}

// UpdateTimes holds when updates were sent, per incident and audience.
type UpdateTimes map[string]map[Audience][]time.Time

// CadenceCompliance measures, per month (in loc) and audience, how the
// cadence was kept by the incidents of lcs, with the updates sent. The
// internal cadence runs from when the incident became major (from its
// declaration when the policy gives its severity one), the customer one
// from the declaration; both stop at the recovery.
func CadenceCompliance(lcs []Lifecycle, sent UpdateTimes, cp CadencePolicy, now time.Time, loc *time.Location) []CadenceRow {
	if loc == nil {
		loc = time.UTC
	}
	rows := map[[2]string]*CadenceRow{}
	for i := range lcs {
		lc := &lcs[i]
		inc := lc.cadenceIncident(now)
		for _, a := range []Audience{AudienceInternal, AudienceCustomers} {
			if cp.For(inc).Interval(a) <= 0 {
				continue
			}
			since := time.Time{}
			if _, bySeverity := cp.BySeverity[lc.Severity]; a == AudienceInternal && !bySeverity && !lc.MajorAt.IsZero() {
				since = lc.MajorAt
			}
			st := CadenceOf(inc, cp, a, sent[lc.IncidentID][a], since, now)
			month := lc.DeclaredAt.In(loc).Format("2006-01")
			key := [2]string{month, string(a)}
			row := rows[key]
			if row == nil {
				row = &CadenceRow{Month: month, Audience: a}
				rows[key] = row
			}
			row.Incidents++
			row.UpdatesSent += st.Sent
			row.DeadlinesMissed += st.Missed
			if st.Missed == 0 {
				row.Kept++
			} else {
				row.Missed++
			}
		}
	}
	out := make([]CadenceRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		return out[i].Audience < out[j].Audience
	})
	return out
}

// cadenceIncident is the little of an incident CadenceOf reads.
func (lc *Lifecycle) cadenceIncident(now time.Time) *Incident {
	inc := &Incident{ID: lc.IncidentID, Severity: lc.Severity, Stage: lc.Stage, Major: lc.Major,
		Impact: Impact{CustomerImpact: lc.CustomerAffected}, DeclaredAt: lc.DeclaredAt, UpdatedAt: now,
		Roles: map[Role][]string{}}
	if !lc.RecoveredAt.IsZero() {
		at := lc.RecoveredAt
		inc.RecoveredAt = &at
	} else if !lc.Stage.Open() {
		inc.UpdatedAt = lc.DeclaredAt
	}
	return inc
}
