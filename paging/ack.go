package paging

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// ackClaims is what a signed acknowledgement link says: who may
// acknowledge what, until when. Exactly one of AlertID (a page for an
// alert) and IncidentID (a page for an Incident Commander) is set.
type ackClaims struct {
	AlertID    string `json:"a,omitempty"`
	IncidentID string `json:"i,omitempty"`
	UserID     string `json:"u"`
	Expires    int64  `json:"e"` // unix seconds
}

// AckToken is a verified acknowledgement link.
type AckToken struct {
	AlertID    string    // set for a page about an alert
	IncidentID string    // set for a page asking for an Incident Commander
	UserID     string    // the person the page went to
	Expires    time.Time // when the link stops working
}

// AckResult says what an acknowledgement did, for the person who asked.
type AckResult struct {
	Alert    *warroom.Alert    `json:"alert,omitempty"`
	Incident *warroom.Incident `json:"incident,omitempty"`
	Message  string            `json:"message"`
}

// AckLink returns the one-click link that acknowledges alertID as userID
// until expires: BaseURL + "/ack/" + token, where the token is the
// base64url claims, a dot, and their base64url HMAC-SHA256 under
// AckSecret.
func (p *Pager) AckLink(alertID, userID string, expires time.Time) string {
	return p.ackLink(ackClaims{AlertID: alertID, UserID: userID, Expires: expires.Unix()})
}

func (p *Pager) ackLink(c ackClaims) string {
	data, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings and an integer always marshal
	}
	payload := base64.RawURLEncoding.EncodeToString(data)
	return p.cfg.BaseURL + "/ack/" + payload + "." + base64.RawURLEncoding.EncodeToString(p.ackMAC(payload))
}

func (p *Pager) ackMAC(payload string) []byte {
	mac := hmac.New(sha256.New, p.cfg.AckSecret)
	mac.Write([]byte("warroom-ack-v1." + payload))
	return mac.Sum(nil)
}

// ParseAckToken verifies a token (the part of an ack link after "/ack/")
// at time now. Errors: EInvalid for a malformed or expired token,
// EForbidden for a signature that does not match.
func (p *Pager) ParseAckToken(token string, now time.Time) (AckToken, error) {
	payload, sig, ok := strings.Cut(strings.TrimSpace(token), ".")
	if !ok || payload == "" || sig == "" {
		return AckToken{}, warroom.Errorf(warroom.EInvalid, "this acknowledgement link is malformed; acknowledge in warroom instead")
	}
	// Strict: a signature is accepted in its one canonical spelling, so
	// that no altered link (unused trailing bits changed) still passes.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, p.ackMAC(payload)) {
		return AckToken{}, warroom.Errorf(warroom.EForbidden, "this acknowledgement link is not valid (was it altered?); acknowledge in warroom instead")
	}
	data, err := base64.RawURLEncoding.DecodeString(payload)
	var c ackClaims
	if err != nil || json.Unmarshal(data, &c) != nil || c.UserID == "" || (c.AlertID == "") == (c.IncidentID == "") {
		return AckToken{}, warroom.Errorf(warroom.EInvalid, "this acknowledgement link is malformed; acknowledge in warroom instead")
	}
	t := AckToken{AlertID: c.AlertID, IncidentID: c.IncidentID, UserID: c.UserID, Expires: time.Unix(c.Expires, 0).UTC()}
	if !now.Before(t.Expires) {
		return AckToken{}, warroom.Errorf(warroom.EInvalid, "this acknowledgement link expired at %s; acknowledge in warroom instead",
			t.Expires.Format(time.RFC3339))
	}
	return t, nil
}

// VerifyAckToken verifies an alert's ack token and returns the alert and
// the person it was sent to; see ParseAckToken. A token for an Incident
// Commander page is EInvalid here (use AcknowledgeByToken).
func (p *Pager) VerifyAckToken(token string, now time.Time) (alertID, userID string, err error) {
	t, err := p.ParseAckToken(token, now)
	if err != nil {
		return "", "", err
	}
	if t.AlertID == "" {
		return "", "", warroom.Errorf(warroom.EInvalid, "this link acknowledges an Incident Commander page, not an alert")
	}
	return t.AlertID, t.UserID, nil
}

// AcknowledgeByToken does what a one-click link says, as the person it
// was sent to: acknowledges the alert (and its incident), or, for an
// Incident Commander page, makes them the Incident Commander if the
// incident has none. Callers should do this on POST only (a confirmation
// page on GET), since mail scanners fetch links. Errors: those of
// ParseAckToken; EForbidden if the person no longer exists or may not
// write; EConflict if someone else is already Incident Commander.
func (p *Pager) AcknowledgeByToken(ctx context.Context, token string) (*AckResult, error) {
	t, err := p.ParseAckToken(token, p.cfg.Now())
	if err != nil {
		return nil, err
	}
	u, err := p.cfg.Store.FindUser(ctx, t.UserID)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Errorf(warroom.EForbidden, "the person this link was sent to no longer has an account")
	} else if err != nil {
		return nil, err
	}
	if t.AlertID != "" {
		// The link is the credential: the person paged acknowledges
		// the alert even if it belongs to a private incident they take
		// no part in (warroom.FindVisibleAlert is not asked).
		return p.acknowledgeAlert(ctx, u.Actor(), t.AlertID)
	}
	return p.takeCommand(ctx, u.Actor(), t.IncidentID)
}

// AcknowledgeAlert acknowledges an alert as actor: the alert becomes
// acknowledged with the time (for MTTA) unless it already is or has
// resolved, and its incident, if any, is acknowledged too (the first
// acknowledgement counts; a later one changes nothing). Pages still
// pending for the alert are cancelled when their turn to be sent comes.
// Errors: EForbidden for viewers; ENotFound (warroom.AlertNotFound) for
// an alert that does not exist or that actor may not see, before
// anything is written.
func (p *Pager) AcknowledgeAlert(ctx context.Context, actor warroom.Actor, alertID string) (*AckResult, error) {
	if !actor.Role.CanWrite() {
		return nil, warroom.Errorf(warroom.EForbidden, "viewers cannot acknowledge alerts")
	}
	if _, _, err := warroom.FindVisibleAlert(ctx, p.cfg.Store, p.cfg.Store, actor, alertID); err != nil {
		return nil, err
	}
	return p.acknowledgeAlert(ctx, actor, alertID)
}

// acknowledgeAlert is AcknowledgeAlert without the visibility check, for
// the person a page went to. Their incident is acknowledged only if they
// may see it; otherwise the result names no incident.
func (p *Pager) acknowledgeAlert(ctx context.Context, actor warroom.Actor, alertID string) (*AckResult, error) {
	if !actor.Role.CanWrite() {
		return nil, warroom.Errorf(warroom.EForbidden, "viewers cannot acknowledge alerts")
	}
	a, err := p.ackAlert(ctx, alertID)
	if err != nil {
		return nil, err
	}
	res := &AckResult{Alert: a, Message: "alert " + string(a.Status)}
	if a.IncidentID == "" {
		return res, nil
	}
	if linked, err := p.cfg.Store.FindIncident(ctx, a.IncidentID); err == nil && !warroom.AlertVisibleTo(linked, actor) {
		a.IncidentID = ""
		return res, nil
	} else if err != nil && warroom.ErrorCode(err) != warroom.ENotFound {
		return nil, err
	}
	inc, err := p.ackIncident(ctx, actor, a.IncidentID)
	if err != nil {
		return nil, err
	}
	res.Incident = inc
	res.Message = fmt.Sprintf("alert %s; %s acknowledged", a.Status, inc.Ref)
	return res, nil
}

// AcknowledgeIncident acknowledges an incident as actor (the first
// acknowledgement is its MTTA) and every firing alert of it. Errors:
// those of warroom.Incidents.Execute; EConflict if it was already
// acknowledged.
func (p *Pager) AcknowledgeIncident(ctx context.Context, actor warroom.Actor, ref string) (*warroom.CommandResult, error) {
	res, err := p.cfg.Incidents.Execute(ctx, actor, ref, warroom.Acknowledge{}, warroom.Idempotency{})
	if err != nil {
		return nil, err
	}
	return res, p.AcknowledgeAlertsOf(ctx, res.Incident.ID)
}

// ackIncident acknowledges an incident for an alert's acknowledgement; an
// incident acknowledged before stays as it was.
func (p *Pager) ackIncident(ctx context.Context, actor warroom.Actor, incidentID string) (*warroom.Incident, error) {
	res, err := p.cfg.Incidents.Execute(ctx, actor, incidentID, warroom.Acknowledge{}, warroom.Idempotency{})
	if warroom.ErrorCode(err) == warroom.EConflict {
		return p.cfg.Store.FindIncident(ctx, incidentID)
	} else if err != nil {
		return nil, err
	}
	return res.Incident, p.AcknowledgeAlertsOf(ctx, incidentID)
}

// ackAlert marks a firing alert acknowledged at now.
func (p *Pager) ackAlert(ctx context.Context, alertID string) (*warroom.Alert, error) {
	now := p.cfg.Now().UTC()
	return p.cfg.Store.UpdateAlert(ctx, alertID, now, func(a *warroom.Alert) error {
		if a.Status == warroom.AlertFiring {
			a.Status, a.AcknowledgedAt, a.UpdatedAt = warroom.AlertAcknowledged, &now, now
		}
		return nil
	})
}

// ackNotesEach is how many firing alerts an incident acknowledged with
// them may have for the timeline to note each (an alert.acknowledged job
// each, as when one is acknowledged alone); with more, one note says how
// many.
const ackNotesEach = 5

// AcknowledgeAlertsOf acknowledges every firing alert of an incident,
// which its acknowledgement stops paging for. A storm folded into the
// incident gives it hundreds of thousands: they are acknowledged in bulk
// and the timeline says so once (it used to acknowledge the newest 1,000,
// one transaction and one timeline note each, and leave the rest firing).
func (p *Pager) AcknowledgeAlertsOf(ctx context.Context, incidentID string) error {
	alerts, err := p.cfg.Store.ListAlerts(ctx, warroom.AlertFilter{IncidentID: incidentID, Status: warroom.AlertFiring, Limit: ackNotesEach + 1})
	if err != nil {
		return err
	}
	if len(alerts) <= ackNotesEach {
		for _, a := range alerts {
			if _, err := p.ackAlert(ctx, a.ID); err != nil {
				return err
			}
		}
		return nil
	}
	now := p.cfg.Now().UTC()
	n, err := p.cfg.Store.AcknowledgeIncidentAlerts(ctx, incidentID, now)
	if err != nil || n == 0 {
		return err
	}
	text := fmt.Sprintf("%d firing alerts of this incident were acknowledged with it; paging for them stops.", n)
	return p.note(ctx, incidentID, "alerts-ack:"+incidentID+":"+now.Format(time.RFC3339Nano), text)
}

// ackAlertsJob handles incident.ack_alerts: the firing alerts of an
// incident that was acknowledged follow it (AcknowledgeAlertsOf; none are
// left when the acknowledgement did it itself).
func (p *Pager) ackAlertsJob(ctx context.Context, job engine.Job, now time.Time) ([]engine.Job, error) {
	var pl IncidentPayload
	if err := decode(job, &pl); err != nil {
		return nil, err
	}
	return nil, permanentIfNotFound(p.AcknowledgeAlertsOf(ctx, pl.IncidentID))
}

// takeCommand answers an Incident Commander page: the person who
// acknowledges it becomes the Incident Commander, unless someone already
// is (EConflict, naming them).
func (p *Pager) takeCommand(ctx context.Context, actor warroom.Actor, incidentID string) (*AckResult, error) {
	res, err := p.cfg.Incidents.Execute(ctx, actor, incidentID, warroom.AssignRole{Role: warroom.RoleIncidentCommander,
		UserID: actor.UserID, Reason: "acknowledged the Incident Commander page"}, warroom.Idempotency{})
	switch code := warroom.ErrorCode(err); {
	case code == warroom.EConflict || code == warroom.EForbidden:
		inc, ferr := p.cfg.Store.FindIncident(ctx, incidentID)
		if ferr != nil {
			return nil, err
		}
		if ic := inc.Holder(warroom.RoleIncidentCommander); ic == actor.UserID {
			return &AckResult{Incident: inc, Message: "you are the Incident Commander of " + inc.Ref}, nil
		} else if ic != "" {
			return nil, warroom.Errorf(warroom.EConflict, "%s already has an Incident Commander: %s", inc.Ref, p.handle(ctx, p.reads(), ic))
		}
		return nil, err
	case err != nil:
		return nil, err
	}
	return &AckResult{Incident: res.Incident, Message: "you are the Incident Commander of " + res.Incident.Ref}, nil
}
