package paging

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
)

// contact is one way a person is reached for one notification, and when.
type contact struct {
	methodID string
	channel  string
	address  string
	delay    time.Duration
}

// notifyUser handles notify.user: one outbox message per the person's
// notification rule, due at now plus the rule's delay ("Slack at once,
// email after 2 minutes"). A page asks for acknowledgement and carries a
// signed ack link; pending pages are cancelled at send time once the
// alert or incident is acknowledged. An update (an instruction) goes out
// once, by the earliest rules. Safe to run twice: message IDs derive from
// the job and the contact method, and the outbox skips known IDs.
//
// Escalation steps page people themselves (see escalate), with the same
// messages; notify.user jobs carry updates, and pages scheduled before.
func (p *Pager) notifyUser(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var n NotifyPayload
	if err := decode(job, &n); err != nil {
		return nil, err
	}
	rd := p.reads()
	subj, err := p.subject(ctx, rd, n.Purpose, n.AlertID, n.IncidentID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	if n.Kind == notify.KindPage && !subj.active {
		return nil, nil
	}
	u, err := rd.user(ctx, n.UserID)
	if err != nil {
		return nil, permanentIfNotFound(err)
	}
	msgs, err := p.userMessages(ctx, rd, job.ID, subj, n, u, now)
	if err != nil {
		return nil, err
	}
	if n.Kind == notify.KindPage && n.Purpose == PurposeIC && subj.incident != nil {
		return nil, p.enqueueInviting(ctx, invitation{incidentID: subj.incident.ID, userIDs: []string{u.ID}}, msgs)
	}
	return nil, p.enqueue(ctx, msgs)
}

// invitation names the people paged to take command of an incident.
type invitation struct {
	incidentID string
	userIDs    []string
}

// enqueueInviting stores pages that ask people to take command of an
// incident together with their invitation into it (warroom.InvitePaged),
// in one transaction, and hands those due now to this process's sender.
// A person paged to take command is needed there: a private incident
// must let them see it, and their page's link (taking command) must work;
// a page stored without the invitation, or the reverse, never happens.
// Alert pages invite nobody (docs/api-routes.md, "Alerts of private
// incidents").
func (p *Pager) enqueueInviting(ctx context.Context, inv invitation, msgs []notify.Outbox) error {
	now := p.cfg.Now()
	_, claimed, err := p.cfg.Store.UpdateIncidentEnqueuing(ctx, inv.incidentID, func(inc *warroom.Incident) ([]warroom.Event, error) {
		return warroom.InvitePaged(inc, inv.userIDs, warroom.ReasonPagedToTakeCommand, now.UTC(), p.cfg.Policy)
	}, msgs, p.cfg.Owner, now, p.cfg.Lease)
	if err != nil {
		return err
	}
	p.sender.handOver(claimed, now.Add(p.cfg.Lease))
	return nil
}

// userMessages renders the messages that notify u as n says, one per
// contact of their plan (contactPlan); their IDs derive from idBase, the
// same each time the work that calls for them runs.
func (p *Pager) userMessages(ctx context.Context, rd *reads, idBase string, subj *pageSubject, n NotifyPayload, u *warroom.User, now time.Time) ([]notify.Outbox, error) {
	contacts, err := p.contactPlan(ctx, rd, u, n.Kind)
	if err != nil {
		return nil, err
	}
	var base notify.Message
	if n.Kind == notify.KindPage {
		base, err = p.pageMessage(ctx, rd, subjectFor(subj, u, n.Purpose), n, now)
	} else {
		base = p.updateMessage(subj, n)
	}
	if err != nil {
		return nil, err
	}
	var msgs []notify.Outbox
	for i, c := range contacts {
		m := base
		m.ID = derivedID(idBase, fmt.Sprint(i, ":", c.methodID))
		m.Channel, m.Destination = c.channel, c.address
		if err := m.Validate(); err != nil {
			p.cfg.Logger.Warn("paging: cannot notify by this contact method", "user", u.Handle, "channel", c.channel, "err", err)
			continue
		}
		msgs = append(msgs, notify.Outbox{Message: m, Queue: notify.Queue(c.channel), State: notify.StatePending,
			UserID: u.ID, DueAt: now.Add(c.delay), CreatedAt: now})
	}
	return msgs, nil
}

// enqueue stores messages and wakes the senders of their queues. With a
// store that can (MessageClaimer), the messages due now are stored claimed
// by this process and handed straight to its sender: a page goes out
// without waiting for a claim.
func (p *Pager) enqueue(ctx context.Context, msgs []notify.Outbox) error {
	if len(msgs) == 0 {
		return nil
	}
	if mc, ok := p.cfg.Store.(MessageClaimer); ok {
		now := p.cfg.Now()
		claimed, err := mc.EnqueueClaimedMessages(ctx, msgs, p.cfg.Owner, now, p.cfg.Lease)
		if err != nil {
			return err
		}
		p.sender.handOver(claimed, now.Add(p.cfg.Lease))
		return nil
	}
	if err := p.cfg.Store.EnqueueMessages(ctx, msgs); err != nil {
		return err
	}
	for _, m := range msgs {
		p.sender.Wake(m.Queue)
	}
	return nil
}

// derivedID returns a message ID that is the same every time a job runs,
// so that a repeated run enqueues nothing new.
func derivedID(jobID, part string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("warroom:message:"+jobID+":"+part)).String()
}

// contactPlan returns how and when to reach u: by their notification
// rules; every contact method at once if they set no rules; their account
// email if they have no contact method, so that nobody paged is unreached.
// An update goes only by the earliest rules, at once.
func (p *Pager) contactPlan(ctx context.Context, rd *reads, u *warroom.User, kind string) ([]contact, error) {
	methods, err := rd.contactMethods(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	rules, err := rd.notificationRules(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	byID := map[string]*warroom.ContactMethod{}
	for _, m := range methods {
		byID[m.ID] = m
	}
	var out []contact
	add := func(m *warroom.ContactMethod, delay time.Duration) {
		out = append(out, contact{methodID: m.ID, channel: channelOf(m.Channel), address: m.Address, delay: delay})
	}
	for _, r := range rules {
		if m := byID[r.ContactMethodID]; m != nil {
			add(m, max(time.Duration(r.Delay), 0))
		}
	}
	if len(rules) == 0 {
		for _, m := range methods {
			add(m, 0)
		}
	}
	if len(out) == 0 {
		out = append(out, contact{methodID: "account-email", channel: notify.ChannelEmail, address: u.Email})
	}
	if kind != notify.KindPage {
		first := slices.MinFunc(out, func(a, b contact) int { return int(a.delay - b.delay) }).delay
		out = slices.DeleteFunc(out, func(c contact) bool { return c.delay != first })
		for i := range out {
			out[i].delay = 0
		}
	}
	return out, nil
}

// channelOf maps a person's contact channel to the notifier's channel.
func channelOf(c warroom.ContactChannel) string {
	switch c {
	case warroom.ContactEmail:
		return notify.ChannelEmail
	case warroom.ContactSlack:
		return notify.ChannelSlack
	case warroom.ContactWebhook:
		return notify.ChannelWebhook
	}
	return string(c)
}

// subjectFor is what a message to u may say of subj: an alert's page to
// someone who may not see its incident (a private one they take no part
// in: warroom.AlertVisibleTo) is about the alert alone, and names no
// incident in its subject, fields or incident ID, which webhook and
// email deliveries carry. A page asking for an Incident Commander is the
// incident itself, and goes to whom the IC escalation policy names; an
// update (an instruction) is addressed to a person about the incident.
func subjectFor(subj *pageSubject, u *warroom.User, purpose string) *pageSubject {
	if purpose == PurposeIC || subj.incident == nil || warroom.AlertVisibleTo(subj.incident, u.Actor()) {
		return subj
	}
	shown := *subj
	shown.incident = nil
	return &shown
}

// incidentLink is where a person paged opens the incident in warroom,
// "" while nothing there serves them: every message's "Link" field
// (linkField) comes from here alone.
//
// warroom has no web UI yet, so BaseURL + "/incidents/" + ref answers
// 404, and the incident's JSON (/api/v1/incidents/INC-n) needs an API
// token, which a phone's browser opening a page has not: a link that
// fails is worse than none (the page names the incident, and carries its
// one-click ack link). The web UI issue returns
// p.cfg.BaseURL + "/incidents/" + inc.Ref here once its handler serves
// that path to a person signed in (httpapi's TestNoPageLinkAnswers404
// then checks it answers).
func (p *Pager) incidentLink(inc *warroom.Incident) string {
	return ""
}

// linkField is the "Link" field of a message about inc, none while
// incidentLink has no link to give.
func (p *Pager) linkField(inc *warroom.Incident) []notify.Field {
	if link := p.incidentLink(inc); link != "" {
		return []notify.Field{{Name: "Link", Value: link}}
	}
	return nil
}

// pageMessage renders a page (without ID and destination). Its ack link
// is added when it is sent (credentials).
func (p *Pager) pageMessage(ctx context.Context, rd *reads, subj *pageSubject, n NotifyPayload, now time.Time) (notify.Message, error) {
	m := notify.Message{Kind: notify.KindPage}
	inc := subj.incident
	if n.Purpose == PurposeIC {
		m.IncidentID = inc.ID
		m.Subject = fmt.Sprintf("%s needs an Incident Commander: %s", inc.Ref, inc.Title)
		m.Text = fmt.Sprintf("No Incident Commander has joined %s within %s of its announcement and service is not recovered. "+
			"Join the bridge and take command: acknowledging this page makes you the Incident Commander.",
			inc.Ref, shortDuration(p.cfg.Policy.FirstResponderICTimeout))
		m.Fields = p.incidentFields(ctx, rd, inc)
		m.Fields = append(m.Fields, notify.Field{Name: "Why you", Value: n.Reason})
		return m, nil
	}
	a := subj.alert
	m.AlertID = a.ID
	sev := "[" + strings.ToUpper(a.Severity) + "] "
	if inc != nil {
		m.IncidentID = inc.ID
		m.Subject = sev + inc.Ref + ": " + a.Summary
	} else {
		m.Subject = sev + a.Summary
	}
	m.Text = alertDescription(a)
	svc := a.ServiceID
	if s, err := rd.service(ctx, a.ServiceID); err == nil {
		svc = s.Name
	} else if warroom.ErrorCode(err) != warroom.ENotFound {
		return m, err
	}
	m.Fields = []notify.Field{{Name: "Service", Value: svc}, {Name: "Severity", Value: a.Severity}}
	if inc != nil {
		m.Fields = append(m.Fields, p.incidentFields(ctx, rd, inc)...)
	}
	m.Fields = append(m.Fields, notify.Field{Name: "Why you", Value: n.Reason})
	return m, nil
}

// updateMessage renders an instruction about an incident.
func (p *Pager) updateMessage(subj *pageSubject, n NotifyPayload) notify.Message {
	m := notify.Message{Kind: notify.KindUpdate, Subject: n.Subject, Text: n.Text}
	if subj.alert != nil {
		m.AlertID = subj.alert.ID
	}
	if inc := subj.incident; inc != nil {
		m.IncidentID = inc.ID
		m.Fields = append([]notify.Field{{Name: "Incident", Value: fmt.Sprintf("%s (%s): %s", inc.Ref, inc.Severity, inc.Title)}},
			p.linkField(inc)...)
		if inc.BridgeURL != "" {
			m.Fields = append(m.Fields, notify.Field{Name: "Bridge", Value: inc.BridgeURL})
		}
	}
	return m
}

// incidentFields are the lines every message about an incident shows.
func (p *Pager) incidentFields(ctx context.Context, rd *reads, inc *warroom.Incident) []notify.Field {
	f := []notify.Field{{Name: "Incident", Value: fmt.Sprintf("%s (%s): %s", inc.Ref, inc.Severity, inc.Title)}}
	if inc.BridgeURL != "" {
		f = append(f, notify.Field{Name: "Bridge", Value: inc.BridgeURL})
	}
	f = append(f, notify.Field{Name: "First responder", Value: p.handle(ctx, rd, inc.FirstResponderID)})
	return append(f, p.linkField(inc)...)
}

// handle returns "@handle" for a user ID, or says there is nobody.
func (p *Pager) handle(ctx context.Context, rd *reads, userID string) string {
	if userID == "" {
		return "nobody yet (the first to acknowledge becomes first responder)"
	}
	u, err := rd.user(ctx, userID)
	if err != nil {
		return userID
	}
	return "@" + u.Handle
}

// shortDuration prints "10m" rather than "10m0s".
func shortDuration(d time.Duration) string {
	switch {
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d > 0 && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
