package httpapi

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"time"

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
	in, idem, err := decodeCommand[warroom.Acknowledge](s, w, r, true)
	if err != nil {
		return err
	}
	res, err := s.incidents.Execute(r.Context(), actor(r), r.PathValue("incident"), in, idem)
	if err != nil {
		return incidentError(r, err)
	}
	if err := s.acknowledgeAlertsOf(r.Context(), res.Incident.ID); err != nil {
		return err
	}
	writeResult(w, http.StatusOK, res)
	return nil
}

// acknowledgeAlertsOf acknowledges the firing alerts of an incident: the
// pager's way (paging.Pager.AcknowledgeAlertsOf), or in the store alone
// where this server runs no pager.
func (s *Server) acknowledgeAlertsOf(ctx context.Context, incidentID string) error {
	if s.paging.pager != nil {
		return s.paging.pager.AcknowledgeAlertsOf(ctx, incidentID)
	}
	if s.paging.alerts == nil {
		return nil
	}
	alerts, err := s.paging.alerts.ListAlerts(ctx, warroom.AlertFilter{IncidentID: incidentID, Status: warroom.AlertFiring, Limit: 1000})
	if err != nil {
		return err
	}
	for _, al := range alerts {
		if _, err := s.acknowledgeInStore(ctx, al.ID); err != nil {
			return err
		}
	}
	return nil
}

// ackView is what the acknowledgement pages show: they are opened from a
// page on a phone, often at night, so the summary comes first, the facts
// are a short list, and the one button is large and says what it does.
type ackView struct {
	Title   string
	Message string
	Detail  string
	Facts   []ackFact
	Action  string // the form's URL; empty: no button
	Button  string
	Done    bool   // the outcome of a POST that acknowledged
	Open    string // where to see it in warroom; empty: nowhere
}

// ackFact is one line of the summary ("Severity: critical").
type ackFact struct{ Name, Value string }

var ackTemplate = template.Must(template.New("ack").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="color-scheme" content="light dark">
<title>{{.Title}} · warroom</title>
<style>
body{font:17px/1.5 system-ui,sans-serif;max-width:34em;margin:0 auto;padding:1.5em 1em 3em;color:#1b1b1b;background:#fff}
h1{font-size:1.35em;margin:.2em 0 .6em}
p.summary{font-size:1.15em;font-weight:600;margin:.4em 0;overflow-wrap:anywhere}
p.detail{color:#555}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em .9em;margin:1em 0}
dt{color:#555}dd{margin:0;overflow-wrap:anywhere}
button{display:block;width:100%;min-height:3.2em;font:inherit;font-size:1.15em;font-weight:600;border:0;border-radius:.5em;
background:#b3261e;color:#fff;cursor:pointer;margin:1.2em 0 .6em}
button:focus-visible{outline:3px solid #1b1b1b;outline-offset:3px}
.done{border-left:.35em solid #1e7a34;padding-left:.7em}
a{color:#0b57d0}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e8e8e8}p.detail,dt{color:#aaa}a{color:#8ab4f8}
button:focus-visible{outline-color:#e8e8e8}}
</style>
</head><body>
<main>
<h1{{if .Done}} class="done"{{end}}>{{if .Done}}✓ {{end}}{{.Title}}</h1>
<p class="summary">{{.Message}}</p>
{{if .Facts}}<dl>{{range .Facts}}<dt>{{.Name}}</dt><dd>{{.Value}}</dd>{{end}}</dl>{{end}}
{{if .Detail}}<p class="detail">{{.Detail}}</p>{{end}}
{{if .Action}}<form method="post" action="{{.Action}}"><button type="submit">{{.Button}}</button></form>
<p class="detail">Nothing changes until you press the button.</p>{{end}}
{{if .Open}}<p><a href="{{.Open}}">Open in warroom</a></p>{{end}}
</main>
</body></html>
`))

// alertFacts are the lines the ack pages show about an alert.
func alertFacts(a *warroom.Alert, loc *time.Location) []ackFact {
	facts := []ackFact{{"Severity", a.Severity}, {"Status", string(a.Status)}}
	if !a.StartsAt.IsZero() {
		facts = append(facts, ackFact{"Started", a.StartsAt.In(loc).Format("Mon 2 Jan 15:04 MST")})
	}
	if a.Source != "" {
		facts = append(facts, ackFact{"Source", a.Source})
	}
	return facts
}

// incidentFacts are the lines the ack pages show about an incident.
func incidentFacts(inc *warroom.Incident) []ackFact {
	return []ackFact{{"Incident", inc.Ref}, {"Severity", string(inc.Severity)}, {"Stage", string(inc.Stage)}}
}

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
		v.Facts = append(alertFacts(a, s.personZone(r, t.UserID)), ackFact{"Paged to", "@" + who.Handle})
		if svc, err := s.store.FindService(r.Context(), a.ServiceID); err == nil {
			v.Facts = append([]ackFact{{"Service", svc.Name}}, v.Facts...)
		}
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
		v.Facts = append(incidentFacts(inc), ackFact{"Paged to", "@" + who.Handle})
		v.Detail = "An Incident Commander is needed."
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
	v := ackView{Title: "Acknowledged", Done: true, Detail: "Paging for it has stopped: " + res.Message + "."}
	switch {
	case res.Alert != nil:
		v.Message = res.Alert.Summary
		loc := time.UTC
		if t, err := p.ParseAckToken(r.PathValue("token"), s.now()); err == nil {
			loc = s.personZone(r, t.UserID)
		}
		v.Facts = alertFacts(res.Alert, loc)
		if res.Incident != nil {
			v.Facts = append(v.Facts, incidentFacts(res.Incident)...)
			v.Open = "/incidents/" + url.PathEscape(res.Incident.Ref)
		} else {
			v.Open = "/alerts/" + url.PathEscape(res.Alert.ID)
		}
	case res.Incident != nil:
		v.Message = res.Incident.Ref + ": " + res.Incident.Title
		v.Facts = incidentFacts(res.Incident)
		v.Detail = res.Message + "."
		v.Open = "/incidents/" + url.PathEscape(res.Incident.Ref)
	default:
		v.Message = res.Message
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

// personZone is the time zone of user id, for the times an ack page
// shows them; UTC when it cannot be read.
func (s *Server) personZone(r *http.Request, id string) *time.Location {
	if u, err := s.store.FindUser(r.Context(), id); err == nil {
		if loc, err := time.LoadLocation(u.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}
