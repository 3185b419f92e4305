package chat

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
)

// Parsed is a ChatOps command as typed, e.g. "/inc decision roll back |
// the deploy at 10:02 matches | image pulls slower for 10 minutes".
type Parsed struct {
	Sub string `json:"sub"`
	// Ref is the incident named in the command ("INC-42"), else the
	// incident of the channel it was typed in.
	Ref      string `json:"ref,omitempty"`
	Severity string `json:"severity,omitempty"`
	Cluster  string `json:"cluster,omitempty"`
	Role     string `json:"role,omitempty"`
	User     string `json:"user,omitempty"` // "me", a handle, or a chat mention "<@U123>"
	Text     string `json:"text,omitempty"`
	Reason   string `json:"reason,omitempty"`
	TradeOff string `json:"trade_off,omitempty"`
	Hyp      int64  `json:"hypothesis,omitempty"` // the hypothesis an outcome is about
	Status   string `json:"status,omitempty"`     // confirmed or eliminated
	Stage    string `json:"stage,omitempty"`
	Audience string `json:"audience,omitempty"` // of an update: internal, customers or executives
}

// UsageError is a command that cannot be parsed; its message is the
// usage to show.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usage is the help text of the command named command ("/inc").
func Usage(command string) string {
	c := command
	return strings.Join([]string{
		"*" + c + "* runs incidents from the chat. In an incident's channel the incident is that one; elsewhere start with its number (" + c + " INC-42 note ...).",
		"• `" + c + " declare SEV1..SEV4 [cluster=NAME] title` declares an incident",
		"• `" + c + " ic me|@handle [reason]` names the Incident Commander",
		"• `" + c + " role ROLE me|@handle [reason]` assigns a role (" + roleNames() + ")",
		"• `" + c + " note text` · `" + c + " action text` write on the timeline",
		"• `" + c + " decision what | reasoning [| trade-off]` records a decision with its reasoning",
		"• `" + c + " hypothesis text` opens a hypothesis; `" + c + " hypothesis #SEQ confirmed|eliminated evidence` records its outcome",
		"• `" + c + " stage STAGE [reason]` (" + stageNames() + ") · `" + c + " severity SEVn [reason]`",
		"• `" + c + " update internal|customers|executives text` sends an update (customers: by email to the affected customers)",
		"• `" + c + " status` · `" + c + " help`",
	}, "\n")
}

func roleNames() string {
	var s []string
	for _, r := range warroom.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func stageNames() string {
	var s []string
	for _, st := range warroom.Stages {
		s = append(s, string(st))
	}
	return strings.Join(s, ", ")
}

// writes are the subcommands that change an incident.
var writes = map[string]bool{"declare": true, "ic": true, "role": true, "note": true, "action": true,
	"decision": true, "hypothesis": true, "stage": true, "severity": true, "update": true}

// Writes reports whether the subcommand changes anything.
func (p Parsed) Writes() bool { return writes[p.Sub] }

// ParseCommand parses the text after the command name. A *UsageError
// says what is wrong.
func ParseCommand(text string) (Parsed, error) {
	words := strings.Fields(text)
	var p Parsed
	if len(words) > 0 {
		if _, ok := warroom.ParseRef(strings.TrimPrefix(words[0], "#")); ok && strings.ContainsAny(words[0][:1], "#Ii") {
			p.Ref = strings.TrimPrefix(words[0], "#")
			words = words[1:]
		}
	}
	if len(words) == 0 {
		return Parsed{Sub: "help"}, nil
	}
	p.Sub = strings.ToLower(words[0])
	args := words[1:]
	rest := strings.Join(args, " ")
	bad := func(format string, a ...any) (Parsed, error) {
		return Parsed{}, &UsageError{Msg: fmt.Sprintf(format, a...)}
	}
	switch p.Sub {
	case "help", "status":
	case "update":
		if len(args) == 0 || !warroom.Audience(strings.ToLower(args[0])).Valid() {
			return bad("update needs an audience (internal, customers or executives) and its text")
		}
		p.Audience, p.Text = strings.ToLower(args[0]), strings.Join(args[1:], " ")
		if p.Text == "" {
			return bad("update needs its text: what is affected, what we know, what we are doing, when the next update comes")
		}
	case "declare":
		if len(args) == 0 {
			return bad("declare needs a severity (SEV1 to SEV4) and a title")
		}
		p.Severity = strings.ToUpper(args[0])
		if !warroom.Severity(p.Severity).Valid() {
			return bad("%q is not a severity: use SEV1 (worst) to SEV4", args[0])
		}
		args = args[1:]
		if len(args) > 0 && strings.HasPrefix(strings.ToLower(args[0]), "cluster=") {
			p.Cluster = args[0][len("cluster="):]
			args = args[1:]
		}
		p.Text = strings.Join(args, " ")
		if p.Text == "" {
			return bad("declare needs a title: say in a few words what is failing")
		}
	case "ic", "role":
		if p.Sub == "ic" {
			p.Role = string(warroom.RoleIncidentCommander)
		} else {
			if len(args) == 0 {
				return bad("role needs a role (%s) and a person", roleNames())
			}
			p.Role = strings.ToLower(strings.ReplaceAll(args[0], "-", "_"))
			if !warroom.Role(p.Role).Valid() {
				return bad("%q is not a role: use one of %s", args[0], roleNames())
			}
			args = args[1:]
		}
		if len(args) == 0 {
			return bad("say who: me, @handle or a mention")
		}
		p.User, p.Reason = args[0], strings.Join(args[1:], " ")
	case "note", "action":
		if rest == "" {
			return bad("%s needs a text", p.Sub)
		}
		p.Text = rest
	case "decision":
		parts := strings.Split(rest, "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" || len(parts) > 3 {
			return bad("decision needs what was decided and its reasoning: decision what | reasoning [| trade-off]")
		}
		p.Text, p.Reason = parts[0], parts[1]
		if len(parts) == 3 {
			p.TradeOff = parts[2]
		}
	case "hypothesis":
		if rest == "" {
			return bad("hypothesis needs a text, or #SEQ confirmed|eliminated evidence")
		}
		if strings.HasPrefix(args[0], "#") {
			n, err := strconv.ParseInt(args[0][1:], 10, 64)
			if err != nil || n <= 0 || len(args) < 3 {
				return bad("hypothesis outcome: hypothesis #SEQ confirmed|eliminated evidence")
			}
			p.Hyp, p.Status, p.Text = n, strings.ToLower(args[1]), strings.Join(args[2:], " ")
			if p.Status != warroom.HypothesisConfirmed && p.Status != warroom.HypothesisEliminated {
				return bad("a hypothesis is confirmed or eliminated, not %q", args[1])
			}
		} else {
			p.Text = rest
		}
	case "stage":
		if len(args) == 0 || !warroom.Stage(strings.ToLower(args[0])).Valid() {
			return bad("stage needs one of %s", stageNames())
		}
		p.Stage, p.Reason = strings.ToLower(args[0]), strings.Join(args[1:], " ")
	case "severity":
		if len(args) == 0 || !warroom.Severity(strings.ToUpper(args[0])).Valid() {
			return bad("severity needs SEV1 (worst) to SEV4")
		}
		p.Severity, p.Reason = strings.ToUpper(args[0]), strings.Join(args[1:], " ")
	default:
		return bad("unknown subcommand %q", p.Sub)
	}
	return p, nil
}

// Command is the incident command of a parsed subcommand (not declare);
// user is the warroom user (ID or handle) it names.
func (p Parsed) Command(user string) warroom.Command {
	switch p.Sub {
	case "ic", "role":
		return warroom.AssignRole{Role: warroom.Role(p.Role), UserID: user, Reason: p.Reason}
	case "note":
		return warroom.AddEntry{Type: warroom.EntryNote, Text: p.Text}
	case "action":
		return warroom.AddEntry{Type: warroom.EntryAction, Text: p.Text}
	case "decision":
		return warroom.AddEntry{Type: warroom.EntryDecision, Text: p.Text, Reason: p.Reason, TradeOff: p.TradeOff}
	case "hypothesis":
		if p.Hyp > 0 {
			return warroom.UpdateHypothesis{Ref: p.Hyp, Status: p.Status, Evidence: p.Text}
		}
		return warroom.AddEntry{Type: warroom.EntryHypothesis, Text: p.Text}
	case "stage":
		return warroom.ChangeStage{Stage: warroom.Stage(p.Stage), Reason: p.Reason}
	case "severity":
		return warroom.ChangeSeverity{Severity: warroom.Severity(p.Severity), Reason: p.Reason}
	}
	return nil
}
