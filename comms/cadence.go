package comms

import (
	"context"
	"fmt"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// cadenceAudiences are the audiences with a cadence.
var cadenceAudiences = []warroom.Audience{warroom.AudienceInternal, warroom.AudienceCustomers}

// CadenceReport is where an incident's update cadences stand.
type CadenceReport struct {
	Ref       string                  `json:"ref"`
	Audiences []warroom.CadenceStatus `json:"audiences"`
}

// Cadence reports the cadence of an incident's internal and customer
// updates: updates sent, deadlines missed, the longest gap, what is due.
func (s *Service) Cadence(ctx context.Context, a warroom.Actor, idOrRef string) (*CadenceReport, error) {
	inc, err := s.find(ctx, a, idOrRef)
	if err != nil {
		return nil, err
	}
	r := &CadenceReport{Ref: inc.Ref}
	now := s.cfg.Now().UTC()
	for _, aud := range cadenceAudiences {
		st, err := s.cadenceOf(ctx, inc, aud, now)
		if err != nil {
			return nil, err
		}
		r.Audiences = append(r.Audiences, st)
	}
	return r, nil
}

func (s *Service) cadenceOf(ctx context.Context, inc *warroom.Incident, aud warroom.Audience, now time.Time) (warroom.CadenceStatus, error) {
	ups, err := s.cfg.Store.ListUpdates(ctx, inc.ID, aud)
	if err != nil {
		return warroom.CadenceStatus{}, err
	}
	sent := make([]time.Time, len(ups))
	for i, u := range ups {
		sent[i] = u.At
	}
	events, err := s.cfg.Store.Timeline(ctx, inc.ID, 0, 0)
	if err != nil {
		return warroom.CadenceStatus{}, err
	}
	since := warroom.CadenceSince(events, s.cfg.Cadence, aud)
	return warroom.CadenceOf(inc, s.cfg.Cadence, aud, sent, since, now), nil
}

// cadenceJob handles comms.cadence: for each audience of the payload (both
// when it names none) it measures the cadence at now; within the reminder
// lead of a deadline it reminds the owner, once per deadline; past a
// deadline with no update it tells the IC, once per deadline missed; and
// it schedules the next look (keyed by its time, so that the looks
// several events schedule for one instant run once). Safe to run twice:
// every job it returns is keyed by the deadline it is about.
func (s *Service) cadenceJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p IncidentPayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	inc, err := s.cfg.Store.FindIncident(ctx, p.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	auds := cadenceAudiences
	if p.Audience != "" {
		auds = []warroom.Audience{p.Audience}
	}
	var follow []engine.Job
	for _, aud := range auds {
		st, err := s.cadenceOf(ctx, inc, aud, now)
		if err != nil {
			return nil, err
		}
		jobs, err := s.cadenceActions(ctx, inc, st, now)
		if err != nil {
			return nil, err
		}
		follow = append(follow, jobs...)
	}
	return follow, nil
}

// cadenceActions are the jobs one audience's cadence calls for at now.
func (s *Service) cadenceActions(ctx context.Context, inc *warroom.Incident, st warroom.CadenceStatus, now time.Time) ([]engine.Job, error) {
	if st.DueAt == nil {
		return nil, nil
	}
	var jobs []engine.Job
	base := fmt.Sprintf("%s:%s", inc.ID, st.Audience)
	if !now.Before(*st.RemindAt) && st.OwnerID != "" {
		key := fmt.Sprintf("comms-remind:%s:%d", base, st.DueAt.UnixMicro())
		subject, text := warroom.CadenceReminder(inc, st)
		jobs = append(jobs, notifyJob(key, st.OwnerID, inc.ID, "you owe the "+string(st.Audience)+" updates", subject, text, now))
		jobs = append(jobs, s.noticeJob(key, Notice{Kind: NoticeUpdateDue, IncidentID: inc.ID, Audience: st.Audience,
			UserID: st.OwnerID, Subject: subject, Text: text}, now)...)
	}
	if st.MissedAt != nil {
		key := fmt.Sprintf("comms-late:%s:%d", base, st.MissedAt.UnixMicro())
		ic := inc.Holder(warroom.RoleIncidentCommander)
		if ic == "" {
			ic = st.OwnerID
		}
		owner := "nobody yet"
		if st.OwnerID != "" {
			owner = s.name(ctx)(st.OwnerID)
		}
		subject, text := warroom.CadenceLateNotice(inc, st, owner)
		if ic != "" {
			jobs = append(jobs, notifyJob(key, ic, inc.ID, "you are the Incident Commander", subject, text, now))
		}
		jobs = append(jobs, s.noticeJob(key, Notice{Kind: NoticeUpdateLate, IncidentID: inc.ID, Audience: st.Audience,
			UserID: ic, Subject: subject, Text: text}, now)...)
	}
	if next, ok := warroom.NextCadenceCheck(st, now); ok {
		jobs = append(jobs, newJob(KindCadence, fmt.Sprintf("comms-cadence:%s:%d", base, next.UnixMicro()), next,
			IncidentPayload{IncidentID: inc.ID, Audience: st.Audience}))
	}
	return jobs, nil
}
