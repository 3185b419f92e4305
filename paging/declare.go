package paging

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// DeclareFromAlert declares an incident for an alert as actor (a person
// deciding about an alert that waits, or splitting out an alert that
// routing attached to an incident that is not its own): the incident
// takes the alert's summary and service, actor is its first responder,
// and the alert is linked to it and acknowledged, so paging for it stops.
// An alert attached to another open incident (by an attach rule, by the
// alert incident limit, or by a person) moves to the new incident, and
// so do the other alerts of its group there when routing put the group
// there; both timelines say so. Errors: those of
// warroom.Incidents.Declare; ENotFound for an alert that does not exist
// or that actor may not see (warroom.FindVisibleAlert); EConflict if the
// alert belongs to an incident that is no longer open, or to the one
// declared for it or its group; EInvalid for a bad severity.
func (p *Pager) DeclareFromAlert(ctx context.Context, actor warroom.Actor, alertID string, severity warroom.Severity) (*warroom.CommandResult, error) {
	if !actor.Role.CanWrite() {
		return nil, warroom.Errorf(warroom.EForbidden, "viewers can read alerts but not declare incidents")
	}
	if !severity.Valid() {
		return nil, warroom.Invalid("severity", "severity must be one of SEV1, SEV2, SEV3, SEV4")
	}
	// An alert of an incident actor may not see is refused here, before
	// anything is written; one attached to another open incident is split
	// out below.
	a, _, err := warroom.FindVisibleAlert(ctx, p.cfg.Store, p.cfg.Store, actor, alertID)
	if err != nil {
		return nil, err
	}
	// The declaration and the move of the alert are one transaction
	// (RoutingStore.DeclareFromAlert), which also refuses, before it
	// writes anything, an alert whose incident is its own.
	now := p.cfg.Now().UTC()
	incs := *p.cfg.Incidents
	ds := &splitDeclarer{Store: incs.Store, rs: p.cfg.Store, alertID: a.ID, now: now}
	incs.Store = ds
	res, err := incs.Declare(ctx, actor, alertDeclaration(a, severity, now), warroom.Idempotency{})
	if err != nil {
		return nil, err
	}
	inc := res.Incident
	if _, err := p.cfg.Store.UpdateAlert(ctx, a.ID, now, func(x *warroom.Alert) error {
		if x.Status == warroom.AlertFiring {
			x.Status, x.AcknowledgedAt, x.UpdatedAt = warroom.AlertAcknowledged, &now, now
		}
		return nil
	}); err != nil {
		return nil, err
	}
	text := "Declared from alert " + describeAlert(a) + "."
	if from := ds.split.From; from != nil {
		others := len(ds.split.Moved) - 1
		// The new incident names the one it came from only if that one is
		// not private: its participants alone may know it exists.
		if from.Private {
			text += " It was split out of another incident"
		} else {
			text += " It was split out of " + from.Ref
		}
		if others > 0 {
			text += fmt.Sprintf(", with %d other alert(s) of its group", others)
		}
		text += "."
		// A system note: the person may not be a participant of a private
		// incident, and the incident must say where its alerts went.
		if err := p.note(ctx, from.ID, "split-note:"+inc.ID, fmt.Sprintf("Alert %s split out into %s by %s, with %d other alert(s) of its group: they are handled there now.",
			describeAlert(a), inc.Ref, firstNonEmpty(actor.Handle, actor.UserID), max(others, 0))); err != nil {
			return nil, err
		}
	}
	_, err = p.cfg.Incidents.Execute(ctx, actor, inc.ID, warroom.AddEntry{Type: warroom.EntryNote, Text: text}, warroom.Idempotency{})
	return res, err
}

// splitDeclarer is an incident store whose DeclareIncident is
// RoutingStore.DeclareFromAlert for one alert.
type splitDeclarer struct {
	warroom.Store
	rs      RoutingStore
	alertID string
	now     time.Time
	split   warroom.AlertSplit
}

func (d *splitDeclarer) DeclareIncident(ctx context.Context, key warroom.Idempotency, build func(number int64) ([]warroom.Event, error)) (*warroom.CommandResult, error) {
	res, split, err := d.rs.DeclareFromAlert(ctx, d.alertID, d.now, key, build)
	d.split = split
	return res, err
}

// AttachAlerts attaches alerts to an open incident as actor and lists
// them in a timeline note, whose result it returns. Alerts already
// attached to it are skipped. Errors: EForbidden for viewers; ENotFound
// for an incident actor cannot see; EInvalid for an unknown alert, one
// actor may not see (warroom.FindVisibleAlert: the same words), or an
// empty list; EConflict if the incident is not open, an alert belongs to
// another incident, or every alert was attached already. Every check is
// made before the first alert is changed.
//
// With an idempotency key, a retry (the same key and request) answers the
// first result, Replayed, and changes nothing, as every incident command
// does; the key used for another request is EConflict. The key is looked
// up before any alert is changed.
func (p *Pager) AttachAlerts(ctx context.Context, actor warroom.Actor, incidentRef string, alertIDs []string, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	if !actor.Role.CanWrite() {
		return nil, warroom.Errorf(warroom.EForbidden, "viewers can read incidents but change nothing")
	}
	if len(alertIDs) == 0 {
		return nil, warroom.Invalid("alert_ids", "name the alerts to attach")
	}
	inc, err := p.cfg.Store.FindIncident(ctx, incidentRef)
	if err != nil {
		return nil, err
	}
	if !inc.VisibleTo(actor) {
		return nil, warroom.Errorf(warroom.ENotFound, "incident %s not found", incidentRef)
	}
	if res, err := p.replay(ctx, inc.ID, idem); res != nil || err != nil {
		return res, err
	}
	if !inc.Stage.Open() {
		return nil, warroom.Errorf(warroom.EConflict, "%s is %s; attach alerts to an open incident", inc.Ref, inc.Stage)
	}
	var attach []*warroom.Alert
	for _, id := range alertIDs {
		a, linked, err := warroom.FindVisibleAlert(ctx, p.cfg.Store, p.cfg.Store, actor, id)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return nil, warroom.Invalid("alert_ids", "no alert %q", id)
		} else if err != nil {
			return nil, err
		}
		switch a.IncidentID {
		case inc.ID:
			continue
		case "":
			attach = append(attach, a)
		default:
			return nil, warroom.Errorf(warroom.EConflict, "alert %s already belongs to another incident, %s", a.ID, incidentName(linked))
		}
	}
	if len(attach) == 0 {
		return nil, warroom.Errorf(warroom.EConflict, "every alert named is already attached to %s", inc.Ref)
	}
	lines := make([]string, len(attach))
	for i, a := range attach {
		if _, err := p.cfg.Store.UpdateAlert(ctx, a.ID, p.cfg.Now().UTC(), func(x *warroom.Alert) error {
			if x.IncidentID != "" && x.IncidentID != inc.ID {
				// Not named: actor may not see it (a private incident).
				return warroom.Errorf(warroom.EConflict, "alert %s was just attached to another incident", x.ID)
			}
			x.IncidentID = inc.ID
			return nil
		}); err != nil {
			return nil, err
		}
		lines[i] = "- " + describeAlert(a)
	}
	text := fmt.Sprintf("Attached %d alert(s):\n%s", len(attach), strings.Join(lines, "\n"))
	return p.cfg.Incidents.Execute(ctx, actor, inc.ID, warroom.AddEntry{Type: warroom.EntryNote, Text: clip(text, 10000)}, idem)
}

// errNotReplayed ends replay's look-up transaction when the key is new.
var errNotReplayed = errors.New("paging: idempotency key not used yet")

// replay returns the result stored under idem for the incident, nil if
// the key is new (or none is given), or EConflict if it was used for
// another request: a command that changes more than the incident (its
// alerts) asks before its first change, since the incident's own
// transaction, which stores the key, comes last.
func (p *Pager) replay(ctx context.Context, incidentID string, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	if idem.Key == "" {
		return nil, nil
	}
	res, err := p.cfg.Store.UpdateIncident(ctx, incidentID, idem, func(*warroom.Incident) ([]warroom.Event, error) {
		return nil, errNotReplayed
	})
	if errors.Is(err, errNotReplayed) {
		return nil, nil
	}
	return res, err
}

// incidentName names an incident that actor may see (found by
// warroom.FindVisibleAlert) in a message: its ref; "an incident" when
// the link names one not stored (yet).
func incidentName(inc *warroom.Incident) string {
	if inc == nil {
		return "an incident"
	}
	return inc.Ref
}

// describeAlert is one line about an alert for the timeline.
func describeAlert(a *warroom.Alert) string {
	return fmt.Sprintf("%q (%s, %s, %s)", a.Summary, a.Severity, a.Status, a.ID)
}
