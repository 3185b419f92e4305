package httpapi

import (
	"net/http"
	"strconv"
)

// followThroughReport answers seed 004's "avoid recurrence" measured:
// postmortems published by their review's due date and action items done
// by their target date, per group (warroom.Reports.FollowThroughReport).
func (s *Server) followThroughReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.reports()
	if err != nil {
		return err
	}
	q, csvOut, err := s.reportRequest(r, rep)
	if err != nil {
		return err
	}
	rows, err := rep.FollowThroughReport(r.Context(), actor(r), q)
	if err != nil {
		return err
	}
	if csvOut {
		out := [][]string{{"group", "incidents", "postmortems_due", "postmortems_on_time", "postmortems_late", "postmortems_overdue",
			"postmortems_open", "postmortems_published", "items", "items_on_time", "items_late", "items_overdue", "items_open"}}
		for _, row := range rows {
			p, i := row.Postmortems, row.ActionItems
			out = append(out, []string{row.Label, strconv.Itoa(row.Incidents), strconv.Itoa(p.Total), strconv.Itoa(p.OnTime),
				strconv.Itoa(p.Late), strconv.Itoa(p.Overdue), strconv.Itoa(p.Open), strconv.Itoa(row.Published),
				strconv.Itoa(i.Total), strconv.Itoa(i.OnTime), strconv.Itoa(i.Late), strconv.Itoa(i.Overdue), strconv.Itoa(i.Open)})
		}
		return writeCSV(w, out)
	}
	writeJSON(w, http.StatusOK, map[string]any{"followthrough": rows})
	return nil
}
