package comms

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// questionsText lists the questions of fields, one a line.
func questionsText(fields []string) string {
	var b strings.Builder
	for _, q := range warroom.AssessmentQuestions {
		for _, f := range fields {
			if f == q.Field {
				fmt.Fprintf(&b, "- %s (%s)\n", q.Question, q.Field)
			}
		}
	}
	return b.String()
}

// assessor is who answers the assessment: the IC, else the first
// responder, else the Incident Owner; "" while nobody took the incident.
func assessor(inc *warroom.Incident) string {
	for _, id := range []string{inc.Holder(warroom.RoleIncidentCommander), inc.FirstResponderID, inc.Holder(warroom.RoleIncidentOwner)} {
		if id != "" {
			return id
		}
	}
	return ""
}

// assessAsk handles comms.assess_ask, right after declaration: it asks
// whoever runs the incident the three assessment questions still
// unanswered (seed 003: speed over accuracy), by notification and in the
// chat channel.
func (s *Service) assessAsk(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p IncidentPayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	inc, err := s.cfg.Store.FindIncident(ctx, p.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	missing := warroom.Unanswered(inc)
	if len(missing) == 0 || !inc.Stage.Open() {
		return nil, nil
	}
	subject := inc.Ref + ": assess the impact (target " + warroom.ShortDuration(s.cfg.Policy.AssessTarget) + ")"
	text := fmt.Sprintf("Assess %s (%s) within %s; rough answers now beat accurate ones later:\n%s\nAnswer with: warroom assess %s --who ... --impact ... --started ...",
		inc.Ref, inc.Title, warroom.ShortDuration(s.cfg.Policy.AssessTarget), questionsText(missing), inc.Ref)
	key := "comms-assess-ask:" + inc.ID
	var jobs []engine.Job
	who := assessor(inc)
	if who != "" {
		jobs = append(jobs, notifyJob(key, who, inc.ID, "you run this incident", subject, text, now))
	}
	return append(jobs, s.noticeJob(key, Notice{Kind: NoticeAssess, IncidentID: inc.ID, UserID: who, Subject: subject, Text: text}, now)...), nil
}

// assessNudge handles comms.assess_nudge at declaration plus
// assess-target: if a question is still unanswered, it nudges the IC (or
// whoever runs the incident) and notes it on the timeline.
func (s *Service) assessNudge(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p IncidentPayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	inc, err := s.cfg.Store.FindIncident(ctx, p.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	missing := warroom.Unanswered(inc)
	if len(missing) == 0 || !inc.Stage.Open() {
		return nil, nil
	}
	subject := fmt.Sprintf("%s: assessment incomplete after %s", inc.Ref, warroom.ShortDuration(s.cfg.Policy.AssessTarget))
	text := fmt.Sprintf("%s was declared %s ago and these assessment questions have no answer yet:\n%s\nA rough estimate is enough; it can be revisited later.",
		inc.Ref, warroom.ShortDuration(now.Sub(inc.DeclaredAt).Truncate(time.Second)), questionsText(missing))
	key := "comms-assess-nudge:" + inc.ID
	jobs := []engine.Job{noteJob(key, inc.ID, fmt.Sprintf("Assessment incomplete %s after declaration: no answer yet to %s.",
		warroom.ShortDuration(s.cfg.Policy.AssessTarget), strings.Join(missing, ", ")), now)}
	who := assessor(inc)
	if who != "" {
		jobs = append(jobs, notifyJob(key, who, inc.ID, "you run this incident", subject, text, now))
	}
	return append(jobs, s.noticeJob(key, Notice{Kind: NoticeAssessLate, IncidentID: inc.ID, UserID: who, Subject: subject, Text: text}, now)...), nil
}
