package httpapi

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"

	"github.com/warroom/warroom"
)

// ackRoutes are the one-click acknowledgement link of every page. The
// signed token is the credential, so they take no API token. GET only
// shows what the link does, with a button: mail scanners and link
// previews fetch GET links, and must not acknowledge anything.
func (s *Server) ackRoutes() []route {
	return []route{
		{"GET", "/ack/{token}", public, s.ackPage, nil},
		{"POST", "/ack/{token}", public, s.ackConfirm, nil},
	}
}

// acknowledgeIncident is POST /api/v1/incidents/{incident}/acknowledge.
// Like paging.AcknowledgeIncident it acknowledges the incident and then
// every firing alert of it, so that their escalations stop; it runs the
// incident command itself to keep the API's Idempotency-Key semantics.
// Without an alert store it is the plain incident command.
func (s *Server) acknowledgeIncident(w http.ResponseWriter, r *http.Request) error {
	if s.paging.alerts == nil {
		return s.acknowledge(w, r)
	}
	if err := checkIdempotencyKey(r); err != nil {
		return err
	}
	var in warroom.Acknowledge
	body, err := s.decodeOptional(w, r, &in)
	if err != nil {
		return err
	}
	idem, err := idempotency(r, body)
	if err != nil {
		return err
	}
	res, err := s.incidents.Execute(r.Context(), actor(r), r.PathValue("incident"), in, idem)
	if err != nil {
		return incidentError(r, err)
	}
	if err := s.acknowledgeAlertsOf(r.Context(), actor(r), res.Incident.ID); err != nil {
		return err
	}
	writeResult(w, http.StatusOK, res)
	return nil
}

// acknowledgeAlertsOf acknowledges the firing alerts of an incident.
func (s *Server) acknowledgeAlertsOf(ctx context.Context, a warroom.Actor, incidentID string) error {
	if s.paging.alerts == nil {
		return nil
	}
	alerts, err := s.paging.alerts.ListAlerts(ctx, warroom.AlertFilter{IncidentID: incidentID, Status: warroom.AlertFiring, Limit: 1000})
	if err != nil {
		return err
	}
	for _, al := range alerts {
		if s.paging.pager != nil {
			_, err = s.paging.pager.AcknowledgeAlert(ctx, a, al.ID)
		} else {
			_, err = s.acknowledgeInStore(ctx, al.ID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ackView is what the acknowledgement pages show.
type ackView struct {
	Title   string
	Message string
	Detail  string
	Action  string // the form's URL; empty: no button
	Button  string
}

var ackTemplate = template.Must(template.New("ack").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}} · warroom</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}p.detail{color:#555}button{font-size:1.1em;padding:.5em 1.5em;cursor:pointer}</style>
</head><body>
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{if .Detail}}<p class="detail">{{.Detail}}</p>{{end}}
{{if .Action}}<form method="post" action="{{.Action}}"><button type="submit">{{.Button}}</button></form>{{end}}
</body></html>
`))

// ackPage is GET /ack/{token}: it checks the link and shows what it
// acknowledges, with a button that POSTs; it changes nothing.
func (s *Server) ackPage(w http.ResponseWriter, r *http.Request) error {
	hidePath(r)
	p := s.paging.pager
	if p == nil {
		return s.writeAckError(w, r, notConfigured("paging"))
	}
	t, err := p.ParseAckToken(r.PathValue("token"), s.now())
	if err != nil {
		return s.writeAckError(w, r, err)
	}
	v := ackView{Action: "/ack/" + url.PathEscape(r.PathValue("token"))}
	who := s.people(r.Context())(t.UserID)
	if t.AlertID != "" {
		a, err := s.paging.alerts.FindAlert(r.Context(), t.AlertID)
		if err != nil {
			return s.writeAckError(w, r, err)
		}
		v.Title, v.Button = "Acknowledge alert", "Acknowledge"
		v.Message = a.Summary
		v.Detail = "Severity " + a.Severity + ", " + string(a.Status) + ". Paged to @" + who.Handle + "."
		if a.Status != warroom.AlertFiring {
			v.Title, v.Action = "Alert "+string(a.Status), ""
		}
	} else {
		inc, err := s.store.FindIncident(r.Context(), t.IncidentID)
		if err != nil {
			return s.writeAckError(w, r, err)
		}
		v.Title, v.Button = "Take command of "+inc.Ref, "I am the Incident Commander"
		v.Message = inc.Title
		v.Detail = "An Incident Commander is needed. Paged to @" + who.Handle + "."
	}
	return s.writeAckPage(w, http.StatusOK, v)
}

// ackConfirm is POST /ack/{token}: it acknowledges as the person the
// page went to, and shows the outcome.
func (s *Server) ackConfirm(w http.ResponseWriter, r *http.Request) error {
	hidePath(r)
	p := s.paging.pager
	if p == nil {
		return s.writeAckError(w, r, notConfigured("paging"))
	}
	res, err := p.AcknowledgeByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return s.writeAckError(w, r, err)
	}
	v := ackView{Title: "Acknowledged", Message: res.Message}
	if res.Alert != nil {
		v.Detail = res.Alert.Summary
	} else if res.Incident != nil {
		v.Detail = res.Incident.Ref + ": " + res.Incident.Title
	}
	return s.writeAckPage(w, http.StatusOK, v)
}

func (s *Server) writeAckError(w http.ResponseWriter, r *http.Request, err error) error {
	status := s.httpStatus(err)
	msg := warroom.ErrorMessage(err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfterSeconds)
		if warroom.ErrorCode(err) != warroom.EUnavailable {
			msg = "warroom cannot reach its database just now; try the link again in a minute."
		}
	}
	if status == http.StatusInternalServerError {
		s.log.Error("ack link failed", "method", r.Method, "path", r.Pattern, "err", err.Error())
	}
	if status == http.StatusNotFound {
		msg = "What this link acknowledges no longer exists."
	}
	return s.writeAckPage(w, status, ackView{Title: "Not acknowledged", Message: msg,
		Detail: "Acknowledge in warroom instead: warroom alerts ack ALERT, or warroom ack INC-42."})
}

func (s *Server) writeAckPage(w http.ResponseWriter, status int, v ackView) error {
	var buf bytes.Buffer
	if err := ackTemplate.Execute(&buf, v); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Robots-Tag", "noindex")
	// The token is in the URL: never send it on as a Referer.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}
