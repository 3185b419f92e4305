package comms

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// RequestHelp asks a team or an escalation policy (by ID, slug or name)
// for help with an incident, saying why; the timeline records it
// (help.requested) and the people are paged by a comms.help job.
// Errors: ENotFound for a hidden incident; EInvalid for no target, two,
// or an unknown one; those of warroom.Decide.
func (s *Service) RequestHelp(ctx context.Context, a warroom.Actor, idOrRef string, cmd warroom.RequestHelp, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	if _, err := s.find(ctx, a, idOrRef); err != nil {
		return nil, err
	}
	switch {
	case cmd.Team != "" && cmd.EscalationPolicy != "":
		return nil, warroom.Invalid("team", "ask a team or an escalation policy, not both")
	case cmd.Team != "":
		t, err := s.cfg.Store.FindTeam(ctx, cmd.Team)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return nil, warroom.Invalid("team", "no team %q", cmd.Team)
		} else if err != nil {
			return nil, err
		}
		cmd.Target = warroom.HelpTarget{Type: warroom.HelpTeam, ID: t.ID, Name: t.Slug}
	case cmd.EscalationPolicy != "":
		p, err := s.cfg.Store.FindEscalationPolicy(ctx, cmd.EscalationPolicy)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return nil, warroom.Invalid("escalation_policy", "no escalation policy %q", cmd.EscalationPolicy)
		} else if err != nil {
			return nil, err
		}
		cmd.Target = warroom.HelpTarget{Type: warroom.HelpEscalationPolicy, ID: p.ID, Name: p.Name}
	default:
		return nil, warroom.Invalid("team", "name a team or an escalation policy to ask for help")
	}
	return s.cfg.Incidents.Execute(ctx, a, idOrRef, cmd, idem)
}

// helpPeople resolves a help target to people at now: a team's members,
// or whoever step of an escalation policy names now (a schedule: who is
// on call). unresolved says what named nobody; policy is the policy read
// (nil for a team, or when it no longer exists).
func (s *Service) helpPeople(ctx context.Context, t warroom.HelpTarget, step int, now time.Time) (ids []string, unresolved []string, policy *warroom.EscalationPolicy, err error) {
	switch t.Type {
	case warroom.HelpTeam:
		users, err := s.cfg.Store.ListUsers(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, u := range users {
			if u.TeamID == t.ID {
				ids = append(ids, u.ID)
			}
		}
		if len(ids) == 0 {
			unresolved = append(unresolved, fmt.Sprintf("team %q has nobody in it", t.Name))
		}
		return ids, unresolved, nil, nil
	case warroom.HelpEscalationPolicy:
		p, err := s.cfg.Store.FindEscalationPolicy(ctx, t.ID)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return nil, []string{fmt.Sprintf("escalation policy %q no longer exists", t.Name)}, nil, nil
		} else if err != nil {
			return nil, nil, nil, err
		}
		if step >= len(p.Steps) {
			return nil, []string{fmt.Sprintf("escalation policy %q has no step %d any more", t.Name, step+1)}, nil, nil
		}
		for _, tg := range p.Steps[step].Targets {
			switch tg.Type {
			case warroom.TargetUser:
				ids = append(ids, tg.ID)
			case warroom.TargetSchedule:
				sched, err := s.cfg.Store.FindSchedule(ctx, tg.ID)
				if warroom.ErrorCode(err) == warroom.ENotFound {
					unresolved = append(unresolved, "schedule "+tg.ID+" does not exist")
					continue
				} else if err != nil {
					return nil, nil, nil, err
				}
				on, err := sched.OnCallAt(now)
				if err != nil || len(on) == 0 {
					unresolved = append(unresolved, fmt.Sprintf("nobody is on call on schedule %q", sched.Name))
					continue
				}
				ids = append(ids, on...)
			}
		}
		return ids, unresolved, p, nil
	}
	return nil, []string{"unknown help target " + t.Type}, nil, nil
}

// nextHelpStep is the step and round of an escalation policy after step
// in round, as alert paging walks it: the next step, then the first again
// while the policy's repeats last; ok is false after the last.
func nextHelpStep(p *warroom.EscalationPolicy, step, round int) (next, nextRound int, ok bool) {
	switch {
	case step+1 < len(p.Steps):
		return step + 1, round, true
	case round < p.Repeat:
		return 0, round + 1, true
	}
	return 0, 0, false
}

// helpAnswered returns the first of paged who acted on the incident
// after the help request (event seq): a note, a role, a command. Joining
// in is how a person answers a call for help, as acknowledging is for an
// alert.
func (s *Service) helpAnswered(ctx context.Context, incidentID string, seq int64, paged []string) (string, error) {
	if len(paged) == 0 {
		return "", nil
	}
	events, err := s.cfg.Store.Timeline(ctx, incidentID, seq, 0)
	if err != nil {
		return "", err
	}
	for _, e := range events {
		if e.ActorID != "" && slices.Contains(paged, e.ActorID) {
			return e.ActorID, nil
		}
	}
	return "", nil
}

// help handles comms.help: it resolves the people asked for help, makes
// them participants of the incident (a private incident must let them
// in) and pages each by their contact methods, once, saying why; the
// timeline notes who was paged. Safe to run twice: the invitation skips
// participants, the pages and the note are keyed by the request.
func (s *Service) help(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var p HelpPayload
	if err := decode(job, &p); err != nil {
		return nil, err
	}
	inc, err := s.cfg.Store.FindIncident(ctx, p.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	base := fmt.Sprintf("comms-help:%s:%d", inc.ID, p.Seq)
	later := p.Step > 0 || p.Round > 0
	if later {
		// A later step of an escalation policy pages only while the
		// incident is open and nobody paged so far has joined in.
		base += fmt.Sprintf(":r%d:s%d", p.Round, p.Step)
		if !inc.Stage.Open() {
			return nil, nil
		}
		who, err := s.helpAnswered(ctx, inc.ID, p.Seq, p.Paged)
		if err != nil {
			return nil, err
		}
		if who != "" {
			return []engine.Job{noteJob(base, inc.ID, fmt.Sprintf("%s answered the call for help (escalation policy %q): its later steps are not paged.",
				s.name(ctx)(who), p.Target.Name), now)}, nil
		}
	}
	ids, unresolved, policy, err := s.helpPeople(ctx, p.Target, p.Step, now)
	if err != nil {
		return nil, err
	}
	var people []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] || id == p.ActorID {
			continue
		}
		u, err := s.cfg.Store.FindUser(ctx, id)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			unresolved = append(unresolved, "user "+id+" does not exist")
			continue
		} else if err != nil {
			return nil, err
		}
		seen[id] = true
		people = append(people, u.ID)
	}
	if len(people) > 0 {
		reason := "asked for help: " + p.Reason
		if _, err := s.cfg.Store.UpdateIncident(ctx, inc.ID, warroom.Idempotency{}, func(cur *warroom.Incident) ([]warroom.Event, error) {
			return warroom.InvitePaged(cur, people, reason, now.UTC(), s.cfg.Policy)
		}); err != nil {
			return nil, permanentIfNotFound(err)
		}
	}
	asker := "someone"
	if p.ActorID != "" {
		asker = s.name(ctx)(p.ActorID)
	}
	subject := fmt.Sprintf("%s needs your help: %s", inc.Ref, inc.Title)
	text := fmt.Sprintf("%s asked %s %q for help with %s (%s): %s", asker, strings.ReplaceAll(p.Target.Type, "_", " "),
		p.Target.Name, inc.Ref, inc.Severity, p.Reason)
	if inc.BridgeURL != "" {
		text += "\nBridge: " + inc.BridgeURL
	}
	var jobs []engine.Job
	names := make([]string, len(people))
	for i, id := range people {
		jobs = append(jobs, notifyJob(base+":"+id, id, inc.ID, "asked for help by "+asker, subject, text, now))
		names[i] = s.name(ctx)(id)
	}
	target := fmt.Sprintf("%s %q", strings.ReplaceAll(p.Target.Type, "_", " "), p.Target.Name)
	if policy != nil && (later || len(policy.Steps) > 1 || policy.Repeat > 0) {
		target += fmt.Sprintf(", step %d", p.Step+1)
		if p.Round > 0 {
			target += fmt.Sprintf(" of round %d", p.Round+1)
		}
	}
	if later {
		target = "nobody answered; " + target
	}
	note := fmt.Sprintf("Paged for help (%s): %s.", target, strings.Join(names, ", "))
	if len(people) == 0 {
		note = fmt.Sprintf("Nobody could be paged for help (%s).", target)
	}
	if len(unresolved) > 0 {
		note += " Not reached: " + strings.Join(unresolved, "; ") + "."
	}
	if policy != nil {
		// Like an alert's page, a call for help escalates through the
		// policy until someone paged joins in (helpAnswered).
		if step, round, ok := nextHelpStep(policy, p.Step, p.Round); ok {
			next := p
			next.Step, next.Round = step, round
			next.Paged = append(slices.Clone(p.Paged), people...)
			jobs = append(jobs, newJob(KindHelp, fmt.Sprintf("comms-help:%s:%d:r%d:s%d", inc.ID, p.Seq, round, step),
				now.Add(time.Duration(policy.Steps[p.Step].Delay)), next))
		}
	}
	jobs = append(jobs, noteJob(base, inc.ID, note, now))
	return append(jobs, s.noticeJob(base, Notice{Kind: NoticeHelp, IncidentID: inc.ID, Subject: subject, Text: text + "\n" + note}, now)...), nil
}
