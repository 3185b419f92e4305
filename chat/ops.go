package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/engine"
)

// OpsQueue is the engine queue of ChatOps commands: apart from the
// channel work, so that a channel waiting out a rate limit never delays
// what people type.
const OpsQueue = "chat-ops"

// KindCommand runs a ChatOps command and answers through the request's
// response URL.
const KindCommand = "chat.command"

// Request is a command typed in the chat, already verified by the chat
// system's package (chat/slack).
type Request struct {
	UserID      string // the chat user
	ChannelID   string
	Text        string // after the command name
	ResponseURL string
	// ID identifies the request (Slack: its signature): a command run
	// twice with one ID changes the incident once.
	ID string
}

// Interaction is a button pressed or a message shortcut used.
type Interaction struct {
	UserID      string
	ChannelID   string
	Action      string // ActionAcknowledge, ActionTakeCommand, ActionAddToTimeline
	Value       string // the incident of a button
	MessageText string // the message of a shortcut
	ResponseURL string
	ID          string
}

// Reply is an answer to the person who typed a command: only to them
// unless Public.
type Reply struct {
	Text   string `json:"text"`
	Public bool   `json:"public,omitempty"`
}

// Responder answers later, through a request's response URL.
type Responder interface {
	Respond(ctx context.Context, responseURL string, r Reply) error
}

// OpsConfig configures ChatOps.
type OpsConfig struct {
	Incidents *warroom.Incidents
	Store     Store
	Client    Client
	Responder Responder
	// Command is the slash command's name, e.g. "/inc", for the help.
	Command string
	Now     func() time.Time
	Logger  *slog.Logger
	// Wake runs the engine's OpsQueue at once (optional).
	Wake func()
	// Updates sends updates (package comms); nil: the update subcommand
	// answers that updates are not available.
	Updates Updates
}

// Updates sends an incident's updates as actor: the communications
// service, which keeps the update, tells the timeline and mails the
// customers. key makes a retried send send once.
type Updates interface {
	SendChatUpdate(ctx context.Context, actor warroom.Actor, incidentID, audience, text string, idem warroom.Idempotency) error
}

// Ops runs ChatOps: it answers at once (help, status, usage errors,
// refusals) and leaves whatever writes to a KindCommand job, which
// answers through the response URL, so the chat system's time limit
// (Slack: 3 seconds) is always met.
type Ops struct{ cfg OpsConfig }

// NewOps returns ChatOps with defaults filled in.
func NewOps(cfg OpsConfig) (*Ops, error) {
	if cfg.Incidents == nil || cfg.Store == nil || cfg.Client == nil || cfg.Responder == nil {
		return nil, errors.New("chat: OpsConfig needs Incidents, Store, Client and Responder")
	}
	if cfg.Command == "" {
		cfg.Command = "/inc"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Ops{cfg: cfg}, nil
}

// AnswerWithin bounds the work done before answering a request (a
// user's first lookup in the chat system, the database): Slack waits 3
// seconds, then tells the person the command failed.
const AnswerWithin = 2500 * time.Millisecond

// respondAttempts is how often a job tries to answer through a response
// URL (Slack's expire after 30 minutes and 5 uses) before giving up; the
// command itself is done by then.
const respondAttempts = 5

// CommandJob is the payload of a KindCommand job.
type CommandJob struct {
	Parsed      Parsed `json:"parsed"`
	ActorID     string `json:"actor_id"`
	IncidentID  string `json:"incident_id,omitempty"`
	User        string `json:"user,omitempty"` // the warroom user the command names
	ResponseURL string `json:"response_url"`
	RequestID   string `json:"request_id"`
}

// Command answers a typed command. Everything that decides whether the
// command may run (who typed it, whether they may write, whether they may
// see the incident) is checked here, before the job that writes is
// scheduled.
func (o *Ops) Command(ctx context.Context, req Request) Reply {
	ctx, cancel := context.WithTimeout(ctx, AnswerWithin)
	defer cancel()
	p, err := ParseCommand(req.Text)
	var ue *UsageError
	if errors.As(err, &ue) {
		return Reply{Text: ue.Msg + "\n\n" + Usage(o.cfg.Command)}
	}
	if p.Sub == "help" {
		return Reply{Text: Usage(o.cfg.Command)}
	}
	if p.Sub == "update" && o.cfg.Updates == nil {
		return Reply{Text: "Updates are not available on this server: write a note meanwhile (" + o.cfg.Command + " note ...)."}
	}
	actor, reply, ok := o.actor(ctx, req.UserID)
	if !ok {
		return reply
	}
	if p.Writes() && !actor.Role.CanWrite() {
		return Reply{Text: "You are a viewer in warroom: you can read incidents but not change them."}
	}
	job := CommandJob{Parsed: p, ActorID: actor.UserID, ResponseURL: req.ResponseURL, RequestID: req.ID}
	if p.Sub != "declare" {
		inc, reply, ok := o.incident(ctx, actor, p.Ref, req.ChannelID)
		if !ok {
			return reply
		}
		if p.Sub == "status" {
			return o.status(ctx, actor, inc)
		}
		job.IncidentID = inc.ID
	}
	if p.User != "" {
		u, reply, ok := o.person(ctx, actor, p.User)
		if !ok {
			return reply
		}
		job.User = u
	}
	if err := o.enqueue(ctx, job); err != nil {
		o.cfg.Logger.Error("chat: cannot schedule a command", "err", err)
		return Reply{Text: "warroom could not take the command (its database did not answer); try again in a moment."}
	}
	return Reply{Text: "On it: " + p.Sub + "…"}
}

// Interact answers a button or a message shortcut, with the same checks
// as Command.
func (o *Ops) Interact(ctx context.Context, in Interaction) Reply {
	ctx, cancel := context.WithTimeout(ctx, AnswerWithin)
	defer cancel()
	actor, reply, ok := o.actor(ctx, in.UserID)
	if !ok {
		return reply
	}
	if !actor.Role.CanWrite() {
		return Reply{Text: "You are a viewer in warroom: you can read incidents but not change them."}
	}
	var p Parsed
	ref := in.Value
	switch in.Action {
	case ActionAcknowledge:
		p = Parsed{Sub: "ack"}
	case ActionTakeCommand:
		p = Parsed{Sub: "ic", Role: string(warroom.RoleIncidentCommander), User: "me"}
	case ActionAddToTimeline:
		if strings.TrimSpace(in.MessageText) == "" {
			return Reply{Text: "That message has no text to add."}
		}
		p, ref = Parsed{Sub: "note", Text: in.MessageText}, ""
	default:
		return Reply{Text: fmt.Sprintf("warroom does not know the action %q.", in.Action)}
	}
	inc, reply, ok := o.incident(ctx, actor, ref, in.ChannelID)
	if !ok {
		return reply
	}
	job := CommandJob{Parsed: p, ActorID: actor.UserID, IncidentID: inc.ID, ResponseURL: in.ResponseURL, RequestID: in.ID}
	if p.User == "me" {
		job.User = actor.UserID
	}
	if err := o.enqueue(ctx, job); err != nil {
		o.cfg.Logger.Error("chat: cannot schedule an interaction", "err", err)
		return Reply{Text: "warroom could not take that (its database did not answer); try again in a moment."}
	}
	return Reply{}
}

func (o *Ops) enqueue(ctx context.Context, job CommandJob) error {
	payload, err := json.Marshal(job)
	if err != nil {
		return err
	}
	// Someone waits on this write (and the chat system's time limit):
	// it goes before bulk work where the store orders writers.
	err = o.cfg.Store.Enqueue(engine.WithUrgency(ctx), engine.Job{Queue: OpsQueue, Kind: KindCommand, Key: KindCommand + ":" + job.RequestID,
		FairKey: job.ActorID, DueAt: o.cfg.Now(), Payload: payload})
	if err == nil && o.cfg.Wake != nil {
		o.cfg.Wake()
	}
	return err
}

// actor is the warroom user of a chat user: linked (explicitly, or by
// email earlier), else found by the email the chat system has for them.
func (o *Ops) actor(ctx context.Context, chatUserID string) (warroom.Actor, Reply, bool) {
	u, err := o.userOf(ctx, chatUserID)
	if warroom.ErrorCode(err) == warroom.ENotFound || errors.Is(err, ErrUserNotFound) {
		return warroom.Actor{}, Reply{Text: "warroom does not know you: ask an admin to give your warroom account the email of your chat account, " +
			"or link your chat account in your warroom profile."}, false
	} else if err != nil {
		o.cfg.Logger.Warn("chat: cannot find the user of a command", "err", err)
		return warroom.Actor{}, Reply{Text: "warroom could not tell who you are just now; try again in a moment."}, false
	}
	return u.Actor(), Reply{}, true
}

func (o *Ops) userOf(ctx context.Context, chatUserID string) (*warroom.User, error) {
	provider := o.cfg.Client.Provider()
	id, err := o.cfg.Store.ChatUser(ctx, provider, chatUserID)
	if err == nil {
		return o.cfg.Store.FindUser(ctx, id)
	}
	if warroom.ErrorCode(err) != warroom.ENotFound {
		return nil, err
	}
	email, err := o.cfg.Client.UserEmail(ctx, chatUserID)
	if err != nil {
		return nil, err
	}
	u, err := o.cfg.Store.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	if err := o.cfg.Store.LinkChatUser(engine.WithUrgency(ctx), provider, chatUserID, u.ID, false, o.cfg.Now()); err != nil {
		o.cfg.Logger.Warn("chat: cannot keep a user link", "err", err)
	}
	return u, nil
}

// person resolves who a command names: "me", a mention of a chat user
// ("<@U123>" or "<@U123|ada>"), or a warroom handle.
func (o *Ops) person(ctx context.Context, actor warroom.Actor, s string) (string, Reply, bool) {
	switch {
	case strings.EqualFold(s, "me"):
		return actor.UserID, Reply{}, true
	case strings.HasPrefix(s, "<@") && strings.HasSuffix(s, ">"):
		id, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(s, "<@"), ">"), "|")
		u, err := o.userOf(ctx, id)
		if err != nil {
			return "", Reply{Text: "warroom does not know " + s + " (no warroom user has their email)."}, false
		}
		return u.ID, Reply{}, true
	}
	u, err := o.cfg.Store.FindUser(ctx, strings.TrimPrefix(s, "@"))
	if err != nil {
		return "", Reply{Text: "warroom has no user " + s + "."}, false
	}
	return u.ID, Reply{}, true
}

// incident is the incident a command is about: the one it names, else the
// one whose channel it was typed in; private incidents only for those who
// may see them (others are told it does not exist).
func (o *Ops) incident(ctx context.Context, actor warroom.Actor, ref, channelID string) (*warroom.Incident, Reply, bool) {
	id := ref
	if id == "" {
		var err error
		id, err = o.cfg.Store.ChatIncident(ctx, o.cfg.Client.Provider(), channelID)
		if err != nil {
			return nil, Reply{Text: "This channel belongs to no incident: name one, e.g. " + o.cfg.Command + " INC-42 status."}, false
		}
	}
	inc, err := o.cfg.Store.FindIncident(ctx, id)
	if err != nil || !inc.VisibleTo(actor) {
		if ref == "" {
			return nil, Reply{Text: "No incident of yours belongs to this channel."}, false
		}
		return nil, Reply{Text: fmt.Sprintf("No incident %s.", ref)}, false
	}
	return inc, Reply{}, true
}

// status is an incident's state in a few lines.
func (o *Ops) status(ctx context.Context, actor warroom.Actor, inc *warroom.Incident) Reply {
	name := func(id string) string {
		if u, err := o.cfg.Store.FindUser(ctx, id); err == nil {
			return "@" + u.Handle
		}
		return id
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* %s · %s · %s\n", inc.Ref, inc.Severity, inc.Stage, inc.Title)
	fmt.Fprintf(&b, "IC: %s · Tech Lead: %s\n", nobody(name, inc.Holder(warroom.RoleIncidentCommander)), nobody(name, technicalLead(inc)))
	if inc.BridgeURL != "" {
		fmt.Fprintf(&b, "Bridge: %s\n", inc.BridgeURL)
	}
	fmt.Fprintf(&b, "Declared %s ago", o.cfg.Now().Sub(inc.DeclaredAt).Round(time.Minute))
	for _, h := range inc.Hypotheses {
		if h.Status == warroom.HypothesisOpen {
			fmt.Fprintf(&b, "\nOpen hypothesis #%d: %s", h.Seq, h.Text)
		}
	}
	return Reply{Text: b.String()}
}

// HandleJob runs a KindCommand job: the command, as the person who typed
// it, idempotent on the request's ID (a job run twice changes the
// incident once), then the answer through the response URL. A refusal
// (invalid, forbidden, conflict) is answered, not retried.
func (o *Ops) HandleJob(ctx context.Context, job engine.Job, _ time.Time) ([]engine.Job, error) {
	var cj CommandJob
	if err := json.Unmarshal(job.Payload, &cj); err != nil {
		return nil, engine.Permanent{Err: err}
	}
	u, err := o.cfg.Store.FindUser(ctx, cj.ActorID)
	if err != nil {
		return nil, engine.Permanent{Err: err}
	}
	actor := u.Actor()
	idem := warroom.Idempotency{UserID: actor.UserID, Key: "chat:" + cj.RequestID, RequestHash: cj.RequestID}
	var res *warroom.CommandResult
	switch cj.Parsed.Sub {
	case "declare":
		res, err = o.cfg.Incidents.Declare(ctx, actor, warroom.Declaration{Title: cj.Parsed.Text,
			Severity: warroom.Severity(cj.Parsed.Severity), Impact: warroom.Impact{Cluster: cj.Parsed.Cluster}}, idem)
	case "ack":
		res, err = o.cfg.Incidents.Execute(ctx, actor, cj.IncidentID, warroom.Acknowledge{}, idem)
	case "update":
		if o.cfg.Updates == nil {
			return nil, engine.Permanent{Err: errors.New("chat: an update command but no update service")}
		}
		err = o.cfg.Updates.SendChatUpdate(ctx, actor, cj.IncidentID, cj.Parsed.Audience, cj.Parsed.Text, idem)
	default:
		cmd := cj.Parsed.Command(cj.User)
		if cmd == nil {
			return nil, engine.Permanent{Err: fmt.Errorf("chat: no command for %q", cj.Parsed.Sub)}
		}
		res, err = o.cfg.Incidents.Execute(ctx, actor, cj.IncidentID, cmd, idem)
	}
	var reply Reply
	switch code := warroom.ErrorCode(err); {
	case err == nil && res == nil:
		reply = Reply{Text: "Sent the " + cj.Parsed.Audience + " update."}
	case err == nil:
		reply = Reply{Text: done(res)}
	case code == warroom.EInvalid || code == warroom.EForbidden || code == warroom.EConflict || code == warroom.ENotFound:
		reply = Reply{Text: "Not done: " + warroom.ErrorMessage(err)}
	default:
		return nil, err
	}
	if cj.ResponseURL == "" {
		return nil, nil
	}
	if err := o.cfg.Responder.Respond(ctx, cj.ResponseURL, reply); err != nil {
		if job.Attempts+1 >= respondAttempts {
			return nil, engine.Permanent{Err: fmt.Errorf("chat: cannot answer through the response URL: %w", err)}
		}
		// Run again: the command is idempotent on the request, so only
		// the answer is made again.
		return nil, err
	}
	return nil, nil
}

func done(res *warroom.CommandResult) string {
	inc := res.Incident
	if len(res.Events) > 0 && res.Events[0].Type == warroom.EventDeclared {
		return fmt.Sprintf("Declared %s (%s): %s. Its channel is on the way.", inc.Ref, inc.Severity, inc.Title)
	}
	var seqs []string
	for _, e := range res.Events {
		seqs = append(seqs, fmt.Sprintf("#%d", e.Seq))
	}
	return fmt.Sprintf("Done: %s on %s's timeline.", strings.Join(seqs, ", "), inc.Ref)
}
