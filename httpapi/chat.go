package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/chat"
)

// ChatAPI is what the chat routes need (package chat); nil in Config:
// those routes answer 503 (no chat system configured).
type ChatAPI struct {
	Provider string
	Inbound  chat.Inbound
	Ops      *chat.Ops
	Store    chat.Store
	// Announce lists the announcement channels (to count the pending
	// chat work of an incident, see chat.Status).
	Announce []string
}

// chatRoutes are ChatOps (signed by the chat system, no API token), an
// incident's chat state, and linking one's chat account.
func (s *Server) chatRoutes() []route {
	return []route{
		{"POST", "/api/v1/chat/commands", public, s.chatCommand, nil},
		{"POST", "/api/v1/chat/interactions", public, s.chatInteraction, nil},
		{"GET", "/api/v1/incidents/{incident}/chat", reader, s.incidentChat, nil},
		{"PUT", "/api/v1/me/chat-link", self, s.linkChat, chatLinkInput{}},
	}
}

func (s *Server) chatOn() error {
	if s.chat == nil {
		return warroom.Errorf(warroom.EUnavailable, "no chat system is configured (set --chat)")
	}
	return nil
}

// chatBody reads a chat system's request body (form-encoded, at most
// the body limit).
func (s *Server) chatBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, warroom.Errorf(warroom.ETooLarge, "request body is larger than the limit")
	} else if err != nil {
		return nil, warroom.Errorf(warroom.EInvalid, "could not read the request body: %v", err)
	}
	return body, nil
}

// chatError maps what the chat system's package refused.
func chatError(err error) error {
	if errors.Is(err, chat.ErrUnverified) {
		return warroom.Errorf(warroom.EUnauthorized, "%s", err.Error())
	}
	return warroom.Errorf(warroom.EInvalid, "%s", err.Error())
}

func (s *Server) renderChat(w http.ResponseWriter, reply chat.Reply) {
	ct, body := s.chat.Inbound.Render(reply)
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (s *Server) chatCommand(w http.ResponseWriter, r *http.Request) error {
	if err := s.chatOn(); err != nil {
		return err
	}
	body, err := s.chatBody(w, r)
	if err != nil {
		return err
	}
	req, err := s.chat.Inbound.Command(r.Header, body)
	if err != nil {
		return chatError(err)
	}
	s.renderChat(w, s.chat.Ops.Command(r.Context(), req))
	return nil
}

func (s *Server) chatInteraction(w http.ResponseWriter, r *http.Request) error {
	if err := s.chatOn(); err != nil {
		return err
	}
	body, err := s.chatBody(w, r)
	if err != nil {
		return err
	}
	in, err := s.chat.Inbound.Interaction(r.Header, body)
	if err != nil {
		return chatError(err)
	}
	s.renderChat(w, s.chat.Ops.Interact(r.Context(), in))
	return nil
}

// incidentChat is an incident's chat state; without a chat system, an
// empty one (nothing to do).
func (s *Server) incidentChat(w http.ResponseWriter, r *http.Request) error {
	v, err := s.incidents.Get(r.Context(), actor(r), r.PathValue("incident"))
	if err != nil {
		return incidentError(r, err)
	}
	if s.chat == nil {
		writeJSON(w, http.StatusOK, &chat.State{IncidentID: v.Incident.ID, Posts: []chat.Post{}})
		return nil
	}
	st, err := chat.Status(r.Context(), s.chat.Store, s.chat.Provider, v.Incident, s.chat.Announce)
	if err != nil {
		return err
	}
	if st.Posts == nil {
		st.Posts = []chat.Post{}
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

type chatLinkInput struct {
	ChatUserID string `json:"chat_user_id"`
}

// linkChat links the caller's chat account explicitly (it wins over the
// one found by email).
func (s *Server) linkChat(w http.ResponseWriter, r *http.Request) error {
	if err := s.chatOn(); err != nil {
		return err
	}
	var in chatLinkInput
	if _, err := s.decode(w, r, &in); err != nil {
		return err
	}
	in.ChatUserID = strings.TrimSpace(in.ChatUserID)
	if in.ChatUserID == "" || len(in.ChatUserID) > 64 {
		return warroom.Invalid("chat_user_id", "chat_user_id is the chat system's user ID (Slack: U…), 1-64 characters")
	}
	u := caller(r)
	if err := s.chat.Store.LinkChatUser(r.Context(), s.chat.Provider, in.ChatUserID, u.ID, true, s.now().UTC()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"provider": s.chat.Provider, "chat_user_id": in.ChatUserID, "user_id": u.ID})
	return nil
}
