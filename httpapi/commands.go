package httpapi

import (
	"net/http"

	"github.com/warroom/warroom"
)

// runCommand is every incident command's handler: it checks the
// Idempotency-Key, decodes the body into a T, lets build turn it into a
// domain command, runs it on the incident of the path and answers the
// CommandResult. optional allows an empty body (a command without fields).
func runCommand[T any](s *Server, w http.ResponseWriter, r *http.Request, optional bool, build func(in T) (warroom.Command, error)) error {
	in, idem, err := decodeCommand[T](s, w, r, optional)
	if err != nil {
		return err
	}
	cmd, err := build(in)
	if err != nil {
		return incidentError(r, err)
	}
	res, err := s.incidents.Execute(r.Context(), actor(r), r.PathValue("incident"), cmd, idem)
	if err != nil {
		return incidentError(r, err)
	}
	writeResult(w, http.StatusOK, res)
	return nil
}

// same is build for bodies that are the domain command itself.
func same[T warroom.Command](in T) (warroom.Command, error) { return in, nil }

func (s *Server) changeStage(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, same[warroom.ChangeStage])
}

func (s *Server) reopen(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, same[warroom.Reopen])
}

func (s *Server) changeSeverity(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, same[warroom.ChangeSeverity])
}

func (s *Server) changeImpact(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, same[warroom.ChangeImpact])
}

func (s *Server) correctImpactStart(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, same[warroom.CorrectImpactStart])
}

func (s *Server) acknowledge(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, true, same[warroom.Acknowledge])
}

func (s *Server) markMajor(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, same[warroom.MarkMajor])
}

func (s *Server) addEntry(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, same[warroom.AddEntry])
}

// roleInput is the body of the role commands: the user by ID or handle.
type roleInput struct {
	Role   warroom.Role `json:"role"`
	User   string       `json:"user"`
	Reason string       `json:"reason"`
}

func (s *Server) assignRole(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, func(in roleInput) (warroom.Command, error) {
		return warroom.AssignRole{Role: in.Role, UserID: in.User, Reason: in.Reason}, nil
	})
}

func (s *Server) releaseRole(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, func(in roleInput) (warroom.Command, error) {
		return warroom.ReleaseRole{Role: in.Role, UserID: in.User, Reason: in.Reason}, nil
	})
}

// privacyInput is the body of the privacy command; "private" is required
// so that a forgotten field never makes an incident public.
type privacyInput struct {
	Private *bool  `json:"private"`
	Reason  string `json:"reason"`
}

func (s *Server) setPrivacy(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, func(in privacyInput) (warroom.Command, error) {
		if in.Private == nil {
			return nil, warroom.Invalid("private", "private is required: true or false")
		}
		return warroom.SetPrivacy{Private: *in.Private, Reason: in.Reason}, nil
	})
}

type participantInput struct {
	User string `json:"user"`
}

func (s *Server) addParticipant(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, func(in participantInput) (warroom.Command, error) {
		return warroom.AddParticipant{UserID: in.User}, nil
	})
}

// starInput is the body of the star command; "starred" defaults to true.
type starInput struct {
	Starred *bool `json:"starred"`
}

func (s *Server) star(w http.ResponseWriter, r *http.Request) error {
	seq, err := pathSeq(r)
	if err != nil {
		return err
	}
	return runCommand(s, w, r, true, func(in starInput) (warroom.Command, error) {
		return warroom.Star{Ref: seq, Starred: in.Starred == nil || *in.Starred}, nil
	})
}

type correctionInput struct {
	Text string `json:"text"`
}

func (s *Server) correct(w http.ResponseWriter, r *http.Request) error {
	seq, err := pathSeq(r)
	if err != nil {
		return err
	}
	return runCommand(s, w, r, false, func(in correctionInput) (warroom.Command, error) {
		return warroom.Correct{Ref: seq, Text: in.Text}, nil
	})
}

type hypothesisInput struct {
	Status   string `json:"status"`
	Evidence string `json:"evidence"`
}

func (s *Server) updateHypothesis(w http.ResponseWriter, r *http.Request) error {
	seq, err := pathSeq(r)
	if err != nil {
		return err
	}
	return runCommand(s, w, r, false, func(in hypothesisInput) (warroom.Command, error) {
		return warroom.UpdateHypothesis{Ref: seq, Status: in.Status, Evidence: in.Evidence}, nil
	})
}

// detailsInput is the body of PATCH /api/v1/incidents/{incident}: the
// fields given change, the others keep their value.
type detailsInput struct {
	Title   *string `json:"title"`
	Summary *string `json:"summary"`
}

// updateDetails changes an incident's title and/or summary. The domain
// command replaces both, so a missing one is taken from the incident as
// the caller sees it (hidden incidents are not found).
func (s *Server) updateDetails(w http.ResponseWriter, r *http.Request) error {
	return runCommand(s, w, r, false, func(in detailsInput) (warroom.Command, error) {
		if in.Title == nil && in.Summary == nil {
			return nil, warroom.Errorf(warroom.EInvalid, "send a title, a summary or both")
		}
		cmd := warroom.UpdateDetails{}
		if in.Title == nil || in.Summary == nil {
			inc, err := s.store.FindIncident(r.Context(), r.PathValue("incident"))
			if err != nil {
				return nil, err
			}
			if !inc.VisibleTo(actor(r)) {
				return nil, warroom.Errorf(warroom.ENotFound, "hidden")
			}
			cmd.Title, cmd.Summary = inc.Title, inc.Summary
		}
		if in.Title != nil {
			cmd.Title = *in.Title
		}
		if in.Summary != nil {
			cmd.Summary = *in.Summary
		}
		return cmd, nil
	})
}

// incidentError makes every "not found" about the incident of the path
// read the same, whether the incident does not exist or is private and
// hidden from the caller (the domain and the store word them differently),
// so that an answer never tells the two apart.
func incidentError(r *http.Request, err error) error {
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return warroom.Errorf(warroom.ENotFound, "incident %s not found", r.PathValue("incident"))
	}
	return err
}
