package comms

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/paging"
)

// Job kinds. They run on paging's default queue, beside the notify.user
// and incident.note jobs they schedule.
const (
	KindCadence     = "comms.cadence"      // look at an incident's update cadence: remind, tell the IC, schedule the next look
	KindFanout      = "comms.fanout"       // make the deliveries of a customer update
	KindDeliver     = "comms.deliver"      // send one customer delivery
	KindAssessAsk   = "comms.assess_ask"   // ask the three assessment questions
	KindAssessNudge = "comms.assess_nudge" // nudge the IC if the assessment is incomplete after assess-target
	KindHelp        = "comms.help"         // page the people asked for help
	KindNotice      = "comms.notice"       // hand a notice to the chat hook
)

// Queue is the engine queue of comms' jobs.
const Queue = paging.QueueDefault

// IncidentPayload names an incident (cadence: and an audience, "" for
// both).
type IncidentPayload struct {
	IncidentID string           `json:"incident_id"`
	Audience   warroom.Audience `json:"audience,omitempty"`
}

// UpdatePayload names an update.
type UpdatePayload struct {
	UpdateID string `json:"update_id"`
}

// DeliveryPayload names a delivery.
type DeliveryPayload struct {
	DeliveryID string `json:"delivery_id"`
}

// HelpPayload is a help request: the incident, its help.requested event,
// whom and why.
type HelpPayload struct {
	IncidentID string             `json:"incident_id"`
	Seq        int64              `json:"seq"`
	Target     warroom.HelpTarget `json:"target"`
	Reason     string             `json:"reason"`
	ActorID    string             `json:"actor_id,omitempty"`
	// Step and Round say which step of an escalation policy, in which
	// round, this job pages (zero: the first step); Paged is whom the
	// earlier steps paged, any of whom answering stops the escalation.
	Step  int      `json:"step,omitempty"`
	Round int      `json:"round,omitempty"`
	Paged []string `json:"paged,omitempty"`
}

// NoticePayload is a notice for the chat hook, with the key it is posted
// once by.
type NoticePayload struct {
	Key    string `json:"key"`
	Notice Notice `json:"notice"`
}

func newJob(kind, key string, due time.Time, payload any) engine.Job {
	data, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("comms: marshal %s payload: %v", kind, err)) // payloads are plain structs
	}
	return engine.Job{ID: uuid.Must(uuid.NewV7()).String(), Queue: Queue, Kind: kind, Key: key, DueAt: due, Payload: data}
}

func decode(job engine.Job, v any) error {
	if err := json.Unmarshal(job.Payload, v); err != nil {
		return engine.Permanent{Err: fmt.Errorf("%s job %s: bad payload: %w", job.Kind, job.ID, err)}
	}
	return nil
}

func permanentIfNotFound(err error) error {
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return engine.Permanent{Err: err}
	}
	return err
}

// Handlers returns the handler of every comms job kind, for
// engine.Config.Handlers (beside paging's).
func (s *Service) Handlers() map[string]engine.Handler {
	return map[string]engine.Handler{
		KindCadence:     s.cadenceJob,
		KindFanout:      s.fanout,
		KindDeliver:     s.deliver,
		KindAssessAsk:   s.assessAsk,
		KindAssessNudge: s.assessNudge,
		KindHelp:        s.help,
		KindNotice:      s.notice,
	}
}

// Reactor returns the jobs an incident command calls for, for the store
// to schedule in the command's transaction (sqlstore.IncidentReactor,
// beside paging.Reactor): on declaration the assessment questions at once
// and their nudge at assess-target, and a look at the cadence; after an
// update, a severity, impact, stage or major change, a look at the
// cadence (whose deadlines may have moved); after a customer update, its
// deliveries; after a help request, its pages.
func (s *Service) Reactor() func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
	return func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
		var jobs []engine.Job
		cadence := false
		var at time.Time
		for _, e := range events {
			switch e.Type {
			case warroom.EventDeclared:
				jobs = append(jobs,
					newJob(KindAssessAsk, "comms-assess-ask:"+inc.ID, e.At, IncidentPayload{IncidentID: inc.ID}),
					newJob(KindAssessNudge, "comms-assess-nudge:"+inc.ID, warroom.AssessDueAt(inc, s.cfg.Policy), IncidentPayload{IncidentID: inc.ID}))
				cadence = true
			case warroom.EventUpdateSent:
				cadence = true
				if e.Audience == warroom.AudienceCustomers {
					jobs = append(jobs, newJob(KindFanout, "comms-fanout:"+e.UpdateID, e.At, UpdatePayload{UpdateID: e.UpdateID}))
				}
			case warroom.EventHelpRequested:
				if e.HelpTarget != nil {
					jobs = append(jobs, newJob(KindHelp, fmt.Sprintf("comms-help:%s:%d", inc.ID, e.Seq), e.At,
						HelpPayload{IncidentID: inc.ID, Seq: e.Seq, Target: *e.HelpTarget, Reason: e.Reason, ActorID: e.ActorID}))
				}
			case warroom.EventSeverityChanged, warroom.EventImpactChanged, warroom.EventStageChanged,
				warroom.EventReopened, warroom.EventBecameMajor:
				cadence = true
			}
			at = e.At
		}
		if cadence {
			jobs = append(jobs, newJob(KindCadence, fmt.Sprintf("comms-cadence:%s:v%d", inc.ID, inc.Version), at,
				IncidentPayload{IncidentID: inc.ID}))
		}
		return jobs
	}
}

// notifyJob is paging's notify.user job telling one person something
// about an incident by their contact methods (the earliest of their
// notification rules, at once), keyed.
func notifyJob(key, userID, incidentID, reason, subject, text string, now time.Time) engine.Job {
	// Prefixed: the key is often the job's own that calls for it.
	j := newJob(paging.KindNotifyUser, "comms-notify:"+key, now, paging.NotifyPayload{UserID: userID, IncidentID: incidentID,
		Kind: notify.KindUpdate, Reason: reason, Subject: subject, Text: text})
	return j
}

// noteJob is paging's incident.note job: a system note on the timeline,
// once per key.
func noteJob(key, incidentID, text string, now time.Time) engine.Job {
	return newJob(paging.KindIncidentNote, "note:"+key, now, paging.NotePayload{IncidentID: incidentID, Key: key, Text: text})
}

// noticeJob hands a notice to the chat hook, if there is one.
func (s *Service) noticeJob(key string, n Notice, now time.Time) []engine.Job {
	if s.cfg.Hook == nil {
		return nil
	}
	return []engine.Job{newJob(KindNotice, "comms-notice:"+key, now, NoticePayload{Key: key, Notice: n})}
}

func (s *Service) notice(ctx context.Context, job engine.Job, _ time.Time) ([]engine.Job, error) {
	var p NoticePayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	if s.cfg.Hook == nil {
		return nil, nil
	}
	return nil, s.cfg.Hook.Notice(ctx, p.Key, p.Notice)
}
