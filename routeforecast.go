package warroom

// RouteForecast is what paging foresees, at intake, of the routing of a
// delivery's new alerts (paging.Pager.RouteQueue, handed to the store with
// sqlstore.Store.SetRouteQueue): it is asked on the sender's goroutine
// before the delivery is stored, and routing still decides by the rules
// as they are when it runs.
type RouteForecast struct {
	// Queue is the engine queue of the delivery's alert.route job: the
	// page queue when one of its alerts will page, so that its page never
	// waits behind the routing of a storm; "" for the default queue.
	Queue string
	// Declares says, by alert, which of them will declare an incident:
	// the store marks those declaring in the transaction that stores
	// them, so that an alert that would join the service's open incident
	// waits for the one being declared rather than miss it.
	Declares []bool
	// Joins names, by alert, the incident its group is known to have
	// ("": none known). The store links the alert to it as it stores the
	// alert if, in that transaction, it is still the incident recorded
	// for the group and still open, and leaves the alert out of the route
	// job: it pages nobody new. Nil: none.
	Joins []string
	// Folds says, by alert, which of them are of a new group that the
	// alert incident limit (FoldLimit) folds into the service's newest
	// open incident: the store decides it as it stores them, as bulk
	// routing would (sqlstore FoldGroups), links the alerts of a folded
	// group there and leaves them out of the route job; a group the
	// limit lets declare after all is routed as usual. Nil: none.
	Folds []bool
	// FoldLimit is the alert incident limit Folds were forecast under.
	FoldLimit AlertIncidentLimit
}

// FoldedAtIntake is what the store tells paging of the new alert groups it
// folded into an incident as it stored their alerts (RouteForecast.Folds):
// the groups to note on the incident's timeline, as bulk routing notes
// the groups it folds (NoteFoldedGroup). It is the payload of paging's
// alert.folded job.
type FoldedAtIntake struct {
	IncidentID string            `json:"incident_id"`
	Groups     []FoldedGroupNote `json:"groups"`
}

// FoldedGroupNote is a folded group to note: its first alert, its number
// among the groups folded into the incident, and the service's recent
// declarations from alerts (the reason).
type FoldedGroupNote struct {
	AlertID      string `json:"alert_id"`
	FoldedGroups int    `json:"folded_groups"`
	Recent       int    `json:"recent"`
}
