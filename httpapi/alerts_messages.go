package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/notify"
)

// messageView is an outbox message as the API shows it: what was sent to
// whom, its state and every delivery attempt. The ack link and a
// webhook's signing secret are credentials and are never shown (nor
// stored); URLs that embed secrets (Slack incoming webhooks, webhook
// receivers) are cut to what identifies them. What a receiver answered
// (last_response, and each attempt's response) is shown to admins only:
// a receiver a user chose may answer with anything, an internal page
// included; everyone else sees the status and its reason in last_error.
type messageView struct {
	ID             string           `json:"id"`
	Kind           string           `json:"kind"`
	Channel        string           `json:"channel"`
	Destination    string           `json:"destination"`
	Subject        string           `json:"subject"`
	IncidentID     string           `json:"incident_id,omitempty"`
	AlertID        string           `json:"alert_id,omitempty"`
	UserID         string           `json:"user_id,omitempty"`
	Queue          string           `json:"queue"`
	State          notify.State     `json:"state"`
	DueAt          time.Time        `json:"due_at"`
	Attempts       int              `json:"attempts"`
	ThrottleReason string           `json:"throttle_reason,omitempty"`
	LastError      string           `json:"last_error,omitempty"`
	LastResponse   string           `json:"last_response,omitempty"` // admins only
	ProviderID     string           `json:"provider_id,omitempty"`
	CreatedAt      time.Time        `json:"created_at"`
	SentAt         *time.Time       `json:"sent_at,omitempty"`
	History        []notify.Attempt `json:"history"`
}

// messageList is the answer of the messages routes.
type messageList struct {
	Messages []messageView `json:"messages"`
}

func (s *Server) incidentMessages(w http.ResponseWriter, r *http.Request) error {
	inc, err := s.visibleIncident(r, r.PathValue("incident"))
	if err != nil {
		return err
	}
	return s.writeMessages(w, r, inc.ID, "")
}

func (s *Server) alertMessages(w http.ResponseWriter, r *http.Request) error {
	a, err := s.findAlert(r)
	if err != nil {
		return err
	}
	return s.writeMessages(w, r, "", a.ID)
}

func (s *Server) writeMessages(w http.ResponseWriter, r *http.Request, incidentID, alertID string) error {
	store := s.paging.messages
	if store == nil {
		return notConfigured("notification delivery")
	}
	msgs, err := store.ListMessages(r.Context(), incidentID, alertID)
	if err != nil {
		return err
	}
	out := messageList{Messages: make([]messageView, 0, len(msgs))}
	for _, m := range msgs {
		history, err := store.ListAttempts(r.Context(), m.ID)
		if err != nil {
			return err
		}
		out.Messages = append(out.Messages, viewMessage(m, history, caller(r).Role == warroom.AccountAdmin))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// viewMessage shows m and its history; the receivers' answers only to an
// admin.
func viewMessage(m *notify.Outbox, history []notify.Attempt, admin bool) messageView {
	history = nonNil(history)
	lastResponse := m.LastResponse
	if !admin {
		lastResponse = ""
		history = slices.Clone(history)
		for i := range history {
			history[i].Response = ""
		}
	}
	return messageView{
		ID: m.ID, Kind: m.Kind, Channel: m.Channel, Destination: notify.ShownDestination(m.Channel, m.Destination),
		Subject: m.Subject, IncidentID: m.IncidentID, AlertID: m.AlertID, UserID: m.UserID,
		Queue: m.Queue, State: m.State, DueAt: m.DueAt, Attempts: m.Attempts,
		ThrottleReason: m.ThrottleReason, LastError: m.LastError, LastResponse: lastResponse, ProviderID: m.ProviderID,
		CreatedAt: m.CreatedAt, SentAt: m.SentAt, History: history,
	}
}
