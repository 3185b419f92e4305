package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// declareInput is the body of POST /api/v1/incidents: a Declaration
// without the fields the server fills in (number, bridge URL).
type declareInput struct {
	Title           string            `json:"title"`
	Summary         string            `json:"summary"`
	Severity        warroom.Severity  `json:"severity"`
	Impact          warroom.Impact    `json:"impact"`
	Detection       warroom.Detection `json:"detection"`
	DetectedAt      *time.Time        `json:"detected_at"`
	ImpactStartedAt *time.Time        `json:"impact_started_at"`
	Private         bool              `json:"private"`
	Major           bool              `json:"major"`
}

func (s *Server) declare(w http.ResponseWriter, r *http.Request) error {
	in, idem, err := decodeCommand[declareInput](s, w, r, false)
	if err != nil {
		return err
	}
	d := warroom.Declaration{
		Title: in.Title, Summary: in.Summary, Severity: in.Severity, Impact: in.Impact,
		Detection: in.Detection, DetectedAt: in.DetectedAt, ImpactStartedAt: in.ImpactStartedAt,
		Private: in.Private, Major: in.Major,
	}
	res, err := s.incidents.Declare(r.Context(), actor(r), d, idem)
	if err != nil {
		return err
	}
	writeResult(w, http.StatusCreated, res)
	return nil
}

// writeResult answers a command's result, marking a replayed one.
func writeResult(w http.ResponseWriter, status int, res *warroom.CommandResult) {
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	res.Events = nonNil(res.Events)
	writeJSON(w, status, res)
}

// listIncidents lists the incidents the caller may see; the service and
// store leave out private incidents the caller does not take part in.
func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "status", "severity", "service", "q", "major", "limit", "offset")
	if err != nil {
		return err
	}
	var f warroom.IncidentFilter
	switch q["status"] {
	case "", "all":
	case "open", "closed":
		open := q["status"] == "open"
		f.Open = &open
	default:
		return warroom.Invalid("status", "status must be open, closed or all, not %q", q["status"])
	}
	if v := q["severity"]; v != "" {
		f.Severity = warroom.Severity(strings.ToUpper(v))
		if !f.Severity.Valid() {
			return warroom.Invalid("severity", "severity must be one of SEV1, SEV2, SEV3, SEV4, not %q", v)
		}
	}
	if v := q["service"]; v != "" {
		svc, err := s.store.FindService(r.Context(), v)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return warroom.Invalid("service", "no service %q", v)
		} else if err != nil {
			return err
		}
		f.ServiceID = svc.ID
	}
	switch q["major"] {
	case "":
	case "true", "false":
		major := q["major"] == "true"
		f.Major = &major
	default:
		return warroom.Invalid("major", "major must be true or false, not %q", q["major"])
	}
	f.Query = q["q"]
	limit, err := queryInt(q, "limit")
	if err != nil {
		return err
	}
	offset, err := queryInt(q, "offset")
	if err != nil {
		return err
	}
	if limit > 1000 {
		return warroom.Invalid("limit", "limit must be at most 1000")
	}
	f.Limit, f.Offset = int(limit), int(offset)
	list, err := s.incidents.List(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string][]*warroom.Incident{"incidents": nonNil(list)})
	return nil
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) error {
	v, err := s.incidents.Get(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	v.Timeline = nonNil(v.Timeline)
	v.NextStage = nonNil(v.NextStage)
	v.Holders = nonNil(v.Holders)
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "after", "limit")
	if err != nil {
		return err
	}
	after, err := queryInt(q, "after")
	if err != nil {
		return err
	}
	limit, err := queryInt(q, "limit")
	if err != nil {
		return err
	}
	events, err := s.incidents.Timeline(r.Context(), actor(r), r.PathValue("incident"), after, int(limit))
	if err != nil {
		return incidentError(r, err)
	}
	writeJSON(w, http.StatusOK, map[string][]warroom.Event{"events": nonNil(events)})
	return nil
}
