package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/warroom/warroom/engine"
)

// Joining at intake: in a storm of alerts in one group (Alertmanager's
// groups: one job failing on many instances), the group's first alert
// declares an incident and every later one joins it, paging nobody new.
// Routing those later alerts after intake wrote each alert twice (stored,
// then linked) and kept a route job per delivery, so that critical
// alerts were taken in far slower than warnings. When paging's forecast
// names the incident a new alert's group has (warroom.RouteForecast.Joins),
// intake stores the alert linked to it, provided that in the same
// transaction the incident is still the one recorded for the group
// (alert_group_incidents) and still open; the alert is then left out of
// the delivery's route job. The timeline says so once per group and
// JoinNoteWindow (JobAlertJoined), not once per alert.

// JobAlertJoined is the job kind of the timeline note on the alerts of a
// group that joined its incident at intake; payload JoinedPayload. Due at
// the end of its window, keyed by incident, group and window, so that the
// transactions of a window schedule it once.
const JobAlertJoined = "alert.joined"

// JoinNoteWindow is how much of a storm one note of alerts joined at
// intake covers.
const JoinNoteWindow = 10 * time.Second

// JoinedPayload is the payload of JobAlertJoined: the alerts of the group
// of ServiceID and GroupKey linked to IncidentID that were received in
// [From, To).
type JoinedPayload struct {
	IncidentID string    `json:"incident_id"`
	ServiceID  string    `json:"service_id"`
	GroupKey   string    `json:"group_key"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
}

// joinsAtIntake decides, inside one intake transaction, which new alerts
// join their group's incident, reading each (group, incident) once.
type joinsAtIntake struct {
	checked map[joinGroup]bool
	windows map[joinWindow]bool
	order   []joinWindow
}

type joinGroup struct{ service, group, incident string }

type joinWindow struct {
	joinGroup
	from time.Time
}

// join links a, a new alert, to incident if that is still its group's
// open incident, and reports whether it did.
func (j *joinsAtIntake) join(ctx context.Context, t *tx, a *ingestAlert, incident string) (bool, error) {
	if incident == "" || a.row.groupKey == "" {
		return false, nil
	}
	g := joinGroup{a.row.serviceID, a.row.groupKey, incident}
	ok, seen := j.checked[g]
	if !seen {
		var err error
		if ok, err = t.groupIncidentOpen(ctx, g); err != nil {
			return false, err
		}
		if j.checked == nil {
			j.checked = map[joinGroup]bool{}
		}
		j.checked[g] = ok
	}
	if !ok {
		return false, nil
	}
	a.row.incidentID = incident
	w := joinWindow{g, a.row.createdAt.Truncate(JoinNoteWindow)}
	if !j.windows[w] {
		if j.windows == nil {
			j.windows = map[joinWindow]bool{}
		}
		j.windows[w] = true
		j.order = append(j.order, w)
	}
	return true, nil
}

// notes returns the JobAlertJoined jobs of the windows alerts joined in.
func (j *joinsAtIntake) notes() []engine.Job {
	var jobs []engine.Job
	for _, w := range j.order {
		to := w.from.Add(JoinNoteWindow)
		payload, _ := json.Marshal(JoinedPayload{IncidentID: w.incident, ServiceID: w.service, GroupKey: w.group,
			From: w.from.UTC(), To: to.UTC()}) // strings and times always encode
		sum := sha256.Sum256([]byte(w.service + "\x00" + w.group))
		jobs = append(jobs, engine.Job{Queue: jobQueueDefault, Kind: JobAlertJoined, DueAt: to, Payload: payload,
			FairKey: w.service, Key: fmt.Sprintf("joined:%s:%s:%d", w.incident, hex.EncodeToString(sum[:8]), w.from.Unix())})
	}
	return jobs
}

// groupIncidentOpen reports whether g's incident is the one recorded for
// its group and is open.
func (t *tx) groupIncidentOpen(ctx context.Context, g joinGroup) (bool, error) {
	var one int
	err := t.queryRow(ctx, `SELECT 1 FROM alert_group_incidents g JOIN incidents i ON i.id = g.incident_id
		WHERE g.service_id = ? AND g.group_key = ? AND g.incident_id = ? AND i.open`, g.service, g.group, g.incident).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: read the incident of alert group: %w", err)
	}
	return true, nil
}

// CountGroupAlerts counts the alerts of a group (service and group key)
// linked to an incident that were received in [from, to), and returns
// the ID of the first of them ("" for none): the timeline note of
// JobAlertJoined.
func (s *Store) CountGroupAlerts(ctx context.Context, incidentID, serviceID, groupKey string, from, to time.Time) (int, string, error) {
	var n int
	var first sql.NullString
	err := s.queryRow(ctx, `SELECT count(*), min(id) FROM alerts WHERE incident_id = ? AND created_at >= ? AND created_at < ?
		AND service_id = ? AND group_key = ?`, incidentID, s.d.timeArg(from), s.d.timeArg(to), serviceID, groupKey).Scan(&n, &first)
	if err != nil {
		return 0, "", fmt.Errorf("sqlstore: count the alerts of a group: %w", err)
	}
	return n, first.String, nil
}
