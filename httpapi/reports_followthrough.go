package httpapi

import (
	"net/http"
	"strconv"

	"github.com/warroom/warroom"
)

// followThroughReport answers seed 004's "avoid recurrence" measured:
// postmortems published by their review's due date and action items done
// by their target date, per group (warroom.Reports.FollowThroughReport).
func (s *Server) followThroughReport(w http.ResponseWriter, r *http.Request) error {
	return answerReport(s, w, r, "followthrough", func(rep *warroom.Reports, q warroom.ReportQuery) ([]warroom.FollowThroughRow, error) {
		return rep.FollowThroughReport(r.Context(), actor(r), q)
	}, func(rows []warroom.FollowThroughRow) [][]string {
		out := [][]string{{"group", "incidents", "postmortems_due", "postmortems_on_time", "postmortems_late", "postmortems_overdue",
			"postmortems_open", "postmortems_published", "items", "items_on_time", "items_late", "items_overdue", "items_open"}}
		for _, row := range rows {
			p, i := row.Postmortems, row.ActionItems
			out = append(out, []string{row.Label, strconv.Itoa(row.Incidents), strconv.Itoa(p.Total), strconv.Itoa(p.OnTime),
				strconv.Itoa(p.Late), strconv.Itoa(p.Overdue), strconv.Itoa(p.Open), strconv.Itoa(row.Published),
				strconv.Itoa(i.Total), strconv.Itoa(i.OnTime), strconv.Itoa(i.Late), strconv.Itoa(i.Overdue), strconv.Itoa(i.Open)})
		}
		return out
	})
}
