package warroom

// IncidentCommit says that an incident's events up to Version were
// committed. Live views learn of changes from these, sent by the store
// after the transaction commits (to every replica, on PostgreSQL), never
// by the handler that made the change.
type IncidentCommit struct {
	IncidentID string
	Version    int64
}
