package comms

import (
	"context"
	"fmt"
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
// or whoever the first step of an escalation policy names now (a
// schedule: who is on call). unresolved says what named nobody.
func (s *Service) helpPeople(ctx context.Context, t warroom.HelpTarget, now time.Time) (ids []string, unresolved []string, err error) {
	switch t.Type {
	case warroom.HelpTeam:
		users, err := s.cfg.Store.ListUsers(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, u := range users {
			if u.TeamID == t.ID {
				ids = append(ids, u.ID)
			}
		}
		if len(ids) == 0 {
			unresolved = append(unresolved, fmt.Sprintf("team %q has nobody in it", t.Name))
		}
		return ids, unresolved, nil
	case warroom.HelpEscalationPolicy:
		p, err := s.cfg.Store.FindEscalationPolicy(ctx, t.ID)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return nil, []string{fmt.Sprintf("escalation policy %q no longer exists", t.Name)}, nil
		} else if err != nil {
			return nil, nil, err
		}
		for _, tg := range p.Steps[0].Targets {
			switch tg.Type {
			case warroom.TargetUser:
				ids = append(ids, tg.ID)
			case warroom.TargetSchedule:
				sched, err := s.cfg.Store.FindSchedule(ctx, tg.ID)
				if warroom.ErrorCode(err) == warroom.ENotFound {
					unresolved = append(unresolved, "schedule "+tg.ID+" does not exist")
					continue
				} else if err != nil {
					return nil, nil, err
				}
				on, err := sched.OnCallAt(now)
				if err != nil || len(on) == 0 {
					unresolved = append(unresolved, fmt.Sprintf("nobody is on call on schedule %q", sched.Name))
					continue
				}
				ids = append(ids, on...)
			}
		}
		return ids, unresolved, nil
	}
	return nil, []string{"unknown help target " + t.Type}, nil
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
	ids, unresolved, err := s.helpPeople(ctx, p.Target, now)
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
	base := fmt.Sprintf("comms-help:%s:%d", inc.ID, p.Seq)
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
	note := fmt.Sprintf("Paged for help (%s %q): %s.", strings.ReplaceAll(p.Target.Type, "_", " "), p.Target.Name, strings.Join(names, ", "))
	if len(people) == 0 {
		note = fmt.Sprintf("Nobody could be paged for help (%s %q).", strings.ReplaceAll(p.Target.Type, "_", " "), p.Target.Name)
	}
	if len(unresolved) > 0 {
		note += " Not reached: " + strings.Join(unresolved, "; ") + "."
	}
	jobs = append(jobs, noteJob(base, inc.ID, note, now))
	return append(jobs, s.noticeJob(base, Notice{Kind: NoticeHelp, IncidentID: inc.ID, Subject: subject, Text: text + "\n" + note}, now)...), nil
}
